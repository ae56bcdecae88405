import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../../src/errors.js';
import { configProblems, loadConfig, redactConfig } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'openpanel-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const writeConfig = (content: unknown) => {
  const file = join(dir, `config-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

const fileId = '11111111-1111-4111-8111-111111111111';
const envId = '22222222-2222-4222-8222-222222222222';
const fileConfig = { clientId: fileId, clientSecret: 'sec_from_file', apiUrl: 'https://op.example.com/api' };

/** The ConfigurationError loadConfig throws (fails the test when it does not throw one). */
const loadError = (...args: Parameters<typeof loadConfig>): ConfigurationError => {
  try {
    loadConfig(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('loadConfig did not throw');
};

describe('loadConfig', () => {
  it('reads the file and fills in defaults', () => {
    const config = loadConfig({ file: writeConfig(fileConfig), env: {} });
    expect(config).toMatchObject({ ...fileConfig, defaultGroupType: 'company', concurrency: 64, eventFilteringOption: 'disable', whitelistedEvents: [] });
  });

  it('lets set, non-empty env variables override the file', () => {
    const env = {
      OPENPANEL_DESTINATION_CLIENT_ID: envId,
      OPENPANEL_DESTINATION_CLIENT_SECRET: 'sec_from_env',
      OPENPANEL_DESTINATION_API_URL: 'http://127.0.0.1:3333',
    };
    expect(loadConfig({ file: writeConfig(fileConfig), env })).toMatchObject({
      clientId: envId,
      clientSecret: 'sec_from_env',
      apiUrl: 'http://127.0.0.1:3333',
    });
  });

  it('treats an empty env variable as unset', () => {
    const env = { OPENPANEL_DESTINATION_CLIENT_ID: '', OPENPANEL_DESTINATION_CLIENT_SECRET: '', OPENPANEL_DESTINATION_API_URL: '' };
    expect(loadConfig({ file: writeConfig(fileConfig), env })).toMatchObject(fileConfig);
  });

  it('works from env alone', () => {
    const config = loadConfig({ env: { OPENPANEL_DESTINATION_CLIENT_ID: envId, OPENPANEL_DESTINATION_CLIENT_SECRET: 'sec_from_env' } });
    expect(config).toMatchObject({ clientId: envId, clientSecret: 'sec_from_env', apiUrl: 'https://api.openpanel.dev' });
  });

  it('reports a missing key as required', () => {
    expect(loadError({ env: { OPENPANEL_DESTINATION_CLIENT_ID: envId } }).message).toBe('clientSecret: is required');
  });

  it('reports one line per problem', () => {
    const file = writeConfig({
      clientId: 'project-1',
      clientSecret: '',
      apiUrl: 'ftp://files.example.com',
      deviceIdFromAnonymousId: 'yes',
      whitelistedEvents: ['Signed Up', 7],
      concurrency: 0,
      timeoutMs: 2.5,
    });
    expect(loadError({ file, env: {} }).message.split('\n')).toEqual([
      'clientId: must be a UUID',
      'clientSecret: is required',
      'apiUrl: must be an http(s) URL',
      'deviceIdFromAnonymousId: must be true or false',
      'whitelistedEvents[1]: must be a string',
      'concurrency: must be greater than 0',
      'timeoutMs: must be a whole number',
    ]);
  });

  it.each([
    ['a missing file', () => join(dir, 'absent.json'), /absent\.json: cannot be read \(no such file\)$/],
    [
      'a directory',
      () => {
        const sub = join(dir, 'sub');
        mkdirSync(sub);
        return sub;
      },
      /sub: cannot be read \(it is a directory\)$/,
    ],
    ['a JSON array', () => writeConfig([fileConfig]), /: must contain a JSON object$/],
    ['truncated JSON', () => writeConfig('{"clientId": "x",'), /: is not valid JSON/],
  ])('names the file and the reason for %s', (_case, file, reason) => {
    const path = file();
    const { message } = loadError({ file: path, env: {} });
    expect(message).toContain(`config file ${path}`);
    expect(message).toMatch(reason);
  });
});

describe('secrets in errors', () => {
  const secret = 'sec_LEAKED_4f2a9c';

  it.each([
    ['an unquoted value', `{"clientId": "${fileId}", "clientSecret": ${secret}}`, /is not valid JSON$/],
    ['a missing comma', `{"clientSecret": "${secret}"\n  "clientId": 1}`, /is not valid JSON \(line 2, column 3\)$/],
    ['a raw line break', `{"clientSecret": "${secret}\n"}`, /is not valid JSON \(line 1, column 36\)$/],
  ])('never quotes the file for %s', (_case, text, reason) => {
    const { message } = loadError({ file: writeConfig(text), env: {} });
    expect(message).toMatch(reason);
    expect(message).not.toContain('LEAKED');
  });

  it('never echoes a value, secret or not, in schema problems', () => {
    const input = {
      clientId: secret,
      clientSecret: { value: secret },
      apiUrl: secret,
      defaultGroupType: [secret],
      revenueEventName: { secret },
      eventDenylist: secret,
      concurrency: secret,
      dedupeTtlHours: secret,
      deviceIdFromAnonymousId: secret,
    };
    const problems = configProblems(input);
    expect(problems).toHaveLength(Object.keys(input).length);
    expect(problems.join('\n')).not.toContain('LEAKED');
    expect(loadError({ file: writeConfig(input), env: { OPENPANEL_DESTINATION_CLIENT_SECRET: secret } }).message).not.toContain('LEAKED');
  });
});

describe('configProblems', () => {
  it('is empty for a valid config', () => {
    expect(configProblems(fileConfig)).toEqual([]);
  });

  it('asks for an object at the top level', () => {
    expect(configProblems([fileConfig])).toEqual(['config: must be a JSON object']);
  });
});

describe('redactConfig', () => {
  it('masks secret keys in a copy', () => {
    const config = loadConfig({ file: writeConfig(fileConfig), env: {} });
    expect(redactConfig(config)).toEqual({ ...config, clientSecret: '***' });
    expect(config.clientSecret).toBe('sec_from_file');
  });

  it('adds no secret key that was absent', () => {
    expect(redactConfig({ clientId: fileId })).toEqual({ clientId: fileId });
  });
});
