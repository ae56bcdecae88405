import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { definitionFiles } from '../../../scripts/definition-files.js';
import { configProblems } from '../../../src/config/load.js';
import { buildManifest, type UiField } from '../../../src/config/manifest.js';
import { destinationConfigSchema, runtimeConfigSchema, secretKeys } from '../../../src/config/schema.js';

const manifest = buildManifest();
const generated = await definitionFiles();
const { configSchema: rudderSchema } = manifest.schema;
const { uiConfig } = manifest.uiConfig;
const baseFields: UiField[] = uiConfig.baseTemplate.flatMap((block) => block.sections.flatMap((s) => s.groups.flatMap((g) => g.fields)));
const fieldOf = (key: string) => baseFields.find((f) => f.configKey === key);
const setupFields = uiConfig.baseTemplate[0]?.sections.flatMap((s) => s.groups.flatMap((g) => g.fields)) ?? [];
// RudderStack's control plane validates saved settings with AJV and ignores `format`; patterns are what it checks.
const validateAsRudderStack = new Ajv({ strict: false, logger: false }).compile(rudderSchema);

/** Settings as RudderStack's form saves them: strings as typed, "" for cleared fields, tags as objects. */
const savedByTheForm = {
  clientId: '2f4c8e1a-6b3d-4f5e-9a7c-1d2e3f4a5b6c',
  clientSecret: 'sec_0a1b2c3d4e5f',
  apiUrl: 'https://analytics.example.com/api',
  defaultGroupType: '',
  pageEventName: 'screen_view',
  screenEventName: 'screen_view',
  deviceIdFromAnonymousId: true,
  revenueEventName: '',
  revenueProperty: 'revenue',
  eventFilteringOption: 'whitelistedEvents',
  whitelistedEvents: [{ eventName: 'Order Completed' }, { eventName: '' }],
  blacklistedEvents: [{ eventName: '' }],
  consentManagement: {
    web: [{ provider: 'custom', resolutionStrategy: 'and', consents: [{ consent: 'C0002' }] }],
    ios: [{ provider: 'oneTrust', consents: [{ consent: '' }] }],
  },
  connectionMode: { web: 'cloud', ios: 'cloud' },
};

describe('generated definition files', () => {
  it.each(Object.entries(generated))('%s is up to date (npm run manifest)', (path, text) => {
    const state = readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8') === text ? 'up to date' : `${path} is stale: run \`npm run manifest\``;
    expect(state).toBe('up to date');
  });

  it('describe the destination settings only: every one once, no runtime setting', () => {
    const keys = [...baseFields.map((f) => f.configKey), ...uiConfig.consentSettingsTemplate.fields.map((f) => f.configKey)];
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(destinationConfigSchema.shape).sort());
    expect(Object.keys(rudderSchema.properties).filter((key) => key in runtimeConfigSchema.shape)).toEqual([]);
    expect(manifest.dbConfig.config.destConfig.defaultConfig).toEqual(baseFields.map((f) => f.configKey));
  });

  it('name the RudderStack destination, its message types, source types and consent settings per source type', () => {
    const { config, name, displayName } = manifest.dbConfig;
    expect([name, displayName, manifest.dbConfig.options]).toEqual(['OPENPANEL', 'OpenPanel', { isBeta: true }]);
    expect(config.supportedMessageTypes.cloud).toEqual(['identify', 'group', 'track', 'page', 'screen', 'alias']);
    expect(config.supportedSourceTypes).toEqual(expect.arrayContaining(['web', 'android', 'androidKotlin', 'ios', 'iosSwift', 'cloud', 'warehouse']));
    for (const type of config.supportedSourceTypes) expect([type, config.destConfig[type]]).toEqual([type, ['connectionMode', 'consentManagement']]);
    expect(Object.keys(rudderSchema.properties.consentManagement?.properties as object)).toEqual(config.supportedSourceTypes);
  });

  it('mark exactly the secret destination keys secret', () => {
    const destinationSecrets = secretKeys.filter((key) => key in destinationConfigSchema.shape);
    expect(destinationSecrets).toEqual(['clientSecret']);
    expect(baseFields.filter((f) => f.secret === true).map((f) => f.configKey)).toEqual(destinationSecrets);
    expect(manifest.dbConfig.config.secretKeys).toEqual(destinationSecrets);
  });

  it('require the initial-setup fields, as RudderStack derives required keys', () => {
    expect(rudderSchema.required).toEqual(['clientId', 'clientSecret', 'apiUrl']);
    expect(setupFields.map((f) => [f.configKey, f.required])).toEqual(rudderSchema.required.map((key) => [key, true]));
  });

  it('give text fields a pattern that is their form regex, accepting the default', () => {
    const parsedDefaults = destinationConfigSchema.parse({ clientId: savedByTheForm.clientId, clientSecret: 's' }) as Record<string, unknown>;
    for (const field of baseFields.filter((f) => f.type === 'textInput')) {
      expect([field.configKey, rudderSchema.properties[field.configKey]?.pattern]).toEqual([field.configKey, field.regex]);
      const value = parsedDefaults[field.configKey];
      if (typeof value === 'string' && field.configKey !== 'clientSecret')
        expect([field.configKey, new RegExp(String(field.regex)).test(value)]).toEqual([field.configKey, true]);
    }
    expect(fieldOf('whitelistedEvents')?.preRequisites).toEqual({ fields: [{ configKey: 'eventFilteringOption', value: 'whitelistedEvents' }] });
  });
});

describe("rudder-integrations-config's validation cases for the destination (integrations/rudderstack/validation)", () => {
  const cases = JSON.parse(readFileSync(new URL('../../../integrations/rudderstack/validation/openpanel.json', import.meta.url), 'utf8')) as {
    testTitle: string;
    config: Record<string, unknown>;
    result: boolean;
  }[];
  it.each(cases.map((c) => [c.testTitle, c] as const))('%s: RudderStack and we agree on the verdict', (_title, { config, result }) => {
    expect(validateAsRudderStack(config)).toBe(result);
    expect(configProblems(config).length === 0).toBe(result);
  });
});

describe('settings as the RudderStack form saves them', () => {
  it('pass RudderStack validation and ours', () => {
    expect(validateAsRudderStack(savedByTheForm)).toBe(true);
    expect(configProblems(savedByTheForm)).toEqual([]);
  });

  const { clientId: _clientId, ...withoutClientId } = savedByTheForm;
  it.each([
    ['no clientId', withoutClientId],
    ['a clientId that is not a UUID', { ...savedByTheForm, clientId: 'project-1' }],
    ['an empty secret', { ...savedByTheForm, clientSecret: '' }],
    ['an API URL that is not a URL', { ...savedByTheForm, apiUrl: 'not a url' }],
    ['an API URL without http(s)', { ...savedByTheForm, apiUrl: 'ftp://files.example.com' }],
    ['an unknown filtering option', { ...savedByTheForm, eventFilteringOption: 'everything' }],
    ['a page event name on two lines', { ...savedByTheForm, pageEventName: 'page\nview' }],
    ['an unknown consent provider', { ...savedByTheForm, consentManagement: { web: [{ provider: 'acme', consents: [] }] } }],
    ['the flag as a string', { ...savedByTheForm, deviceIdFromAnonymousId: 'yes' }],
  ])('with %s fail both validations', (_case, config) => {
    expect(validateAsRudderStack(config)).toBe(false);
    expect(configProblems(config)).not.toEqual([]);
  });
});
