import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { configProblems } from '../../../src/config/load.js';
import { buildManifest, manifestText, type UiField } from '../../../src/config/manifest.js';
import { secretKeys } from '../../../src/config/schema.js';

const readRepoFile = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const manifest = buildManifest();
const { configSchema } = manifest.schema;
const schemaKeys = Object.keys(configSchema.properties);
const { baseTemplate, sdkTemplate } = manifest.uiConfig.uiConfig;
const uiFields: UiField[] = [
  ...baseTemplate.flatMap((block) => block.sections.flatMap((s) => s.groups.flatMap((g) => g.fields))),
  ...sdkTemplate.fields,
];
const fieldOf = (key: string) => uiFields.find((f) => f.configKey === key);
const example = JSON.parse(readRepoFile('examples/config.json')) as Record<string, unknown>;

describe('manifest.json', () => {
  it('is the generated one', () => {
    const state = readRepoFile('manifest.json') === manifestText() ? 'up to date' : 'manifest.json is stale: run `npm run manifest`';
    expect(state).toBe('up to date');
  });

  it('names the RudderStack destination and its capabilities', () => {
    expect(manifest).toMatchObject({ name: 'OPENPANEL', displayName: 'OpenPanel', dbConfig: { name: 'OPENPANEL', displayName: 'OpenPanel' } });
    const { config } = manifest.dbConfig;
    expect(config.supportedMessageTypes.cloud.sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    expect(config.supportedSourceTypes).toEqual(expect.arrayContaining(['web', 'android', 'ios', 'cloud', 'warehouse', 'shopify']));
    expect(Object.keys(config.supportedConnectionModes).sort()).toEqual([...config.supportedSourceTypes].sort());
    expect(config.destConfig.defaultConfig).toEqual(schemaKeys);
  });
});

describe('config JSON schema (draft-07)', () => {
  // ajv-formats is not installed: `format` is not checked here; the zod schema (configProblems) covers it.
  const validate = new Ajv({ strict: false, logger: false }).compile(configSchema);

  it('accepts examples/config.json, as the zod schema does', () => {
    expect(validate(example)).toBe(true);
    expect(configProblems(example)).toEqual([]);
  });

  const { clientId: _clientId, ...withoutClientId } = example;
  it.each([
    ['missing clientId', withoutClientId],
    ['non-UUID clientId', { ...example, clientId: 'project-1' }],
    ['empty secret', { ...example, clientSecret: '' }],
    ['numeric secret', { ...example, clientSecret: 42 }],
    ['string concurrency', { ...example, concurrency: '64' }],
    ['fractional timeout', { ...example, timeoutMs: 1.5 }],
    ['zero attempts', { ...example, maxAttempts: 0 }],
    ['concurrency above its cap', { ...example, concurrency: 5000 }],
    ['string flag', { ...example, deviceIdFromAnonymousId: 'yes' }],
    ['string allowlist', { ...example, eventAllowlist: 'Order Completed' }],
    ['empty allowlist entry', { ...example, eventAllowlist: [''] }],
  ])('rejects a config with %s, as the zod schema does', (_case, config) => {
    expect(validate(config)).toBe(false);
    expect(configProblems(config)).not.toEqual([]);
  });
});

describe('settings form (uiConfig)', () => {
  it('shows every config key in exactly one field', () => {
    const keys = uiFields.map((f) => f.configKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...schemaKeys].sort());
  });

  it('groups fields as Connection, Groups, Events, Delivery', () => {
    const groups = baseTemplate.flatMap((block) => block.sections.flatMap((s) => s.groups));
    expect(groups.filter((g) => g.fields.length > 0).map((g) => g.title)).toEqual(['Connection', 'Groups', 'Events', 'Delivery']);
  });

  it('marks exactly the secret keys secret, and lists them in secretKeys', () => {
    // The server's own secrets (writeKey, webhookSecret, adminToken) are not destination settings.
    expect(secretKeys).toEqual(['clientSecret', 'writeKey', 'webhookSecret', 'adminToken']);
    const secretFields = uiFields.filter((f) => f.type === 'textInput' && f.secret === true).map((f) => f.configKey);
    expect(secretFields).toEqual(['clientSecret']);
    expect(manifest.dbConfig.config.secretKeys).toEqual(['clientSecret']);
  });

  it('marks the schema-required keys required', () => {
    const required = uiFields.filter((f) => f.type === 'textInput' && f.required === true).map((f) => f.configKey);
    expect(required).toEqual(configSchema.required);
  });

  it('uses a field type that fits each schema type', () => {
    const typeFor = { boolean: 'checkbox', array: 'tagInput', string: 'textInput', integer: 'textInput', number: 'textInput' };
    for (const [key, property] of Object.entries(configSchema.properties)) expect([key, fieldOf(key)?.type]).toEqual([key, typeFor[property.type]]);
  });

  it('has text-field regexes that accept the defaults and the example, and reject bad values', () => {
    const regexOf = (key: string) => {
      const field = fieldOf(key);
      if (field?.type !== 'textInput') throw new Error(`${key} is not a text field`);
      return new RegExp(field.regex);
    };
    for (const [key, property] of Object.entries(configSchema.properties)) {
      if (fieldOf(key)?.type !== 'textInput') continue;
      for (const value of [property.default, example[key]].filter((v) => v !== undefined)) {
        expect([key, regexOf(key).test(String(value))]).toEqual([key, true]);
      }
    }
    expect(regexOf('clientId').test('project-1')).toBe(false);
    expect(regexOf('clientSecret').test('')).toBe(false);
    expect(regexOf('apiUrl').test('api.openpanel.dev')).toBe(false);
    expect(regexOf('concurrency').test('0')).toBe(false);
    expect(regexOf('concurrency').test('')).toBe(true);
    expect(regexOf('dedupeTtlHours').test('0.5')).toBe(true);
    expect(regexOf('dedupeTtlHours').test('0.0')).toBe(false);
  });
});
