import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { configVariables, envName } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigurationError } from '../../../src/errors.js';
import { createDestination } from '../../../src/entry/library/destination.js';

/** README, Configuration: every setting from the environment, one naming scheme, *_FILE secrets, merge order, unknown names. */
const dir = mkdtempSync(join(tmpdir(), 'openpanel-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const writeFile = (content: string): string => {
  const file = join(dir, `file-${files++}`);
  writeFileSync(file, content);
  return file;
};

const clientId = '11111111-1111-4111-8111-111111111111';
const required = { OPENPANEL_DESTINATION_CLIENT_ID: clientId, OPENPANEL_DESTINATION_CLIENT_SECRET: 'sec_env' };

const problemsOf = (load: () => unknown): string[] => {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message.split('\n');
  }
  throw new Error('did not throw');
};

describe('the naming scheme', () => {
  it('is OPENPANEL_DESTINATION_ plus the key in UPPER_SNAKE_CASE, a field of an object setting after its key', () => {
    expect(configVariables.map(({ name }) => name)).toEqual(
      expect.arrayContaining([
        'OPENPANEL_DESTINATION_CLIENT_SECRET',
        'OPENPANEL_DESTINATION_MAX_QUEUED_EVENTS',
        'OPENPANEL_DESTINATION_DEVICE_ID_FROM_ANONYMOUS_ID',
        'OPENPANEL_DESTINATION_STORE_TYPE',
        'OPENPANEL_DESTINATION_STORE_URL',
        'OPENPANEL_DESTINATION_STORE_PREFIX',
        'OPENPANEL_DESTINATION_WRITE_KEY',
      ]),
    );
    expect(envName('dataDir')).toBe('OPENPANEL_DESTINATION_DATA_DIR');
  });

  it('sets every kind of setting: text, numbers, booleans, lists, object fields, JSON', () => {
    const config = loadConfig({
      env: {
        ...required,
        OPENPANEL_DESTINATION_CONCURRENCY: '8',
        OPENPANEL_DESTINATION_DEDUPE_TTL_HOURS: '1.5',
        OPENPANEL_DESTINATION_DEVICE_ID_FROM_ANONYMOUS_ID: 'false',
        OPENPANEL_DESTINATION_TRANSFORMER_API: 'true',
        OPENPANEL_DESTINATION_EVENT_FILTERING_OPTION: 'whitelistedEvents',
        OPENPANEL_DESTINATION_WHITELISTED_EVENTS: 'Signed Up, Order Completed',
        OPENPANEL_DESTINATION_BLACKLISTED_EVENTS: '["a, b"]',
        OPENPANEL_DESTINATION_STORE_TYPE: 'redis',
        OPENPANEL_DESTINATION_STORE_URL: 'redis://127.0.0.1:6379',
        OPENPANEL_DESTINATION_STORE_PREFIX: 'op',
        OPENPANEL_DESTINATION_CONSENT_MANAGEMENT: '{"web":[{"provider":"custom","consents":[{"consent":"analytics"}]}]}',
        OPENPANEL_DESTINATION_WRITE_KEY: 'wk_env',
      },
    });
    expect(config).toMatchObject({
      concurrency: 8,
      dedupeTtlHours: 1.5,
      deviceIdFromAnonymousId: false,
      transformerApi: true,
      eventFilteringOption: 'whitelistedEvents',
      whitelistedEvents: ['Signed Up', 'Order Completed'],
      blacklistedEvents: ['a, b'],
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'op' },
      consentManagement: { web: [{ provider: 'custom', consents: [{ consent: 'analytics' }] }] },
      writeKey: 'wk_env',
    });
  });

  it('reads a value from <NAME>_FILE without its trailing newline (container secrets)', () => {
    const secretFile = writeFile('sec_from_secret_file\n');
    const config = loadConfig({ env: { OPENPANEL_DESTINATION_CLIENT_ID: clientId, OPENPANEL_DESTINATION_CLIENT_SECRET_FILE: secretFile } });
    expect(config.clientSecret).toBe('sec_from_secret_file');
  });

  it('says which _FILE cannot be read, and refuses a variable set both ways, without echoing values', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          OPENPANEL_DESTINATION_CLIENT_ID: clientId,
          OPENPANEL_DESTINATION_CLIENT_SECRET_FILE: join(dir, 'absent'),
          OPENPANEL_DESTINATION_WRITE_KEY: 'wk_LEAKED',
          OPENPANEL_DESTINATION_WRITE_KEY_FILE: writeFile('wk_LEAKED_too'),
          OPENPANEL_DESTINATION_CONSENT_MANAGEMENT: '{LEAKED',
        },
      }),
    );
    expect(problems).toEqual([
      `OPENPANEL_DESTINATION_CLIENT_SECRET_FILE: ${join(dir, 'absent')} cannot be read (no such file)`,
      'OPENPANEL_DESTINATION_CONSENT_MANAGEMENT: is not valid JSON',
      'OPENPANEL_DESTINATION_WRITE_KEY: set either it or OPENPANEL_DESTINATION_WRITE_KEY_FILE, not both',
      'clientSecret: is required',
    ]);
    expect(problems.join('\n')).not.toContain('LEAKED');
  });
});

describe('merge order: defaults < file < environment (< flags, README)', () => {
  it('lays the environment over the file, field by field for an object setting', () => {
    const file = writeFile(
      JSON.stringify({ clientId, clientSecret: 'sec_file', concurrency: 4, timeoutMs: 500, store: { type: 'redis', url: 'redis://file:6379', prefix: 'p' } }),
    );
    const config = loadConfig({ file, env: { OPENPANEL_DESTINATION_CONCURRENCY: '9', OPENPANEL_DESTINATION_STORE_URL: 'redis://env:6379' } });
    expect(config).toMatchObject({ clientSecret: 'sec_file', concurrency: 9, timeoutMs: 500, store: { type: 'redis', url: 'redis://env:6379', prefix: 'p' } });
    expect(config.maxAttempts).toBe(500);
  });

  it('reads the first scheme (OPENPANEL_CLIENT_ID, _SECRET, _API_URL) with a warning; the new name wins', () => {
    const warnings: string[] = [];
    const config = loadConfig({
      env: { OPENPANEL_CLIENT_ID: clientId, OPENPANEL_CLIENT_SECRET: 'sec_old', OPENPANEL_DESTINATION_CLIENT_SECRET: 'sec_new' },
      warn: (message) => warnings.push(message),
    });
    expect(config).toMatchObject({ clientId, clientSecret: 'sec_new' });
    expect(warnings).toEqual([
      'OPENPANEL_CLIENT_ID is renamed to OPENPANEL_DESTINATION_CLIENT_ID; please rename it in the environment',
      'OPENPANEL_CLIENT_SECRET is renamed to OPENPANEL_DESTINATION_CLIENT_SECRET; please rename it in the environment',
    ]);
  });
});

describe('unknown names and enum values', () => {
  it('names unknown keys and variables with "did you mean"', () => {
    const file = writeFile(
      JSON.stringify({ clientId, clientSecret: 's', concurency: 4, writekey: 'wk', store: { type: 'redis', url: 'redis://h:6379', prefx: 'p' }, zzz: 1 }),
    );
    expect(
      problemsOf(() =>
        loadConfig({ file, env: { OPENPANEL_DESTINATION_CONCURENCY: '3', OPENPANEL_DESTINATION_PORT: '80', OPENPANEL_DESTINATION_XYZZY: '1' } }),
      ),
    ).toEqual([
      'OPENPANEL_DESTINATION_CONCURENCY: unknown variable; did you mean OPENPANEL_DESTINATION_CONCURRENCY?',
      'OPENPANEL_DESTINATION_PORT: unknown variable; did you mean PORT?',
      'OPENPANEL_DESTINATION_XYZZY: unknown variable',
      'concurency: unknown key; did you mean concurrency?',
      'writekey: unknown key; did you mean writeKey?',
      'store.prefx: unknown key; did you mean store.prefix?',
      'zzz: unknown key',
    ]);
  });

  it('lists the allowed values of an enum, and names the variable a bad value came from', () => {
    const env = { ...required, OPENPANEL_DESTINATION_EVENT_FILTERING_OPTION: 'allow', OPENPANEL_DESTINATION_STORE_TYPE: 'memory' };
    expect(problemsOf(() => loadConfig({ env }))).toEqual([
      'eventFilteringOption (OPENPANEL_DESTINATION_EVENT_FILTERING_OPTION): must be one of "disable", "whitelistedEvents", "blacklistedEvents"',
      'store.type (OPENPANEL_DESTINATION_STORE_TYPE): must be one of "sqlite", "redis"',
    ]);
  });
});

describe('the library', () => {
  it('throws one readable ConfigurationError listing every problem, not a ZodError', () => {
    const config = { clientId: 'nope', clientSecret: 's', concurency: 4, eventFilteringOption: 'off' } as unknown as Parameters<typeof createDestination>[0];
    expect(problemsOf(() => createDestination(config))).toEqual([
      'concurency: unknown key; did you mean concurrency?',
      'clientId: must be a UUID',
      'eventFilteringOption: must be one of "disable", "whitelistedEvents", "blacklistedEvents"',
    ]);
  });
});
