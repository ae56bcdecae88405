import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../../src/errors.js';
import { defaultMappingsDir, loadMappings, mappingNames } from '../../../src/mapping/load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the real mappings with one file replaced by `content`. */
function mappingsWith(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-mappings-'));
  dirs.push(dir);
  cpSync(defaultMappingsDir, dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

function loadError(dir: string): Error {
  try {
    loadMappings(dir);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`loadMappings(${dir}) succeeded`);
}

describe('loadMappings', () => {
  it('loads every mapping the transforms use, and mappings/ holds no file it would ignore', () => {
    expect(Object.keys(loadMappings()).sort()).toEqual([...mappingNames].sort());
    const files = readdirSync(defaultMappingsDir).filter((file) => file.endsWith('.json'));
    expect(files.map((file) => file.replace(/\.json$/, '')).sort()).toEqual([...mappingNames].sort());
  });

  it.each([
    [
      'an unknown formatter',
      'page',
      {
        fields: [
          { destKey: 'name', sourceKeys: ['$config.pageEventName'], format: 'string' },
          { destKey: 'properties.__path', sourceKeys: ['properties.url'], format: 'slugify' },
        ],
      },
      /page\.json: fields\.1\.format: Invalid option: expected one of .*"string"/,
    ],
    [
      'an unknown $config. key',
      'group',
      { fields: [{ destKey: 'type', sourceKeys: ['traits.type', '$config.defaultGroupKind'] }] },
      /group\.json: fields\.0\.sourceKeys\.1: "\$config\.defaultGroupKind" is not an event path or \$config\.<key>/,
    ],
    ['a missing `fields`', 'track', { $comment: 'fields forgotten' }, /track\.json: fields: Invalid input: expected array/],
    ['an empty `fields`', 'screen', { fields: [] }, /screen\.json: fields: .*>=1/],
    [
      'an unknown enabledBy key',
      'track-specials',
      { fields: [{ destKey: 'properties.__deviceId', sourceKeys: ['anonymousId'], enabledBy: 'useDeviceIds' }] },
      /track-specials\.json: fields\.0\.enabledBy: Invalid input: expected "deviceIdFromAnonymousId"/,
    ],
    [
      'a misspelt field key',
      'identify',
      { fields: [{ destKey: 'profileId', sourceKey: ['userId'] }] },
      /identify\.json: fields\.0\.sourceKeys: Invalid input: expected array[^]*identify\.json: fields\.0: Unrecognized key: "sourceKey"/,
    ],
    [
      'a rest field with a bad except',
      'headers',
      { fields: [{ destKey: 'properties', restOf: 'traits', except: 'name' }] },
      /headers\.json: fields\.0\.except: Invalid input: expected array/,
    ],
    ['text that is not JSON', 'group', '{ "fields": [', /group\.json: .*JSON/],
  ])('refuses %s, naming the file and the field', (_, name, content, message) => {
    const dir = mappingsWith(name, content);
    const error = loadError(dir);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(join(dir, `${name}.json`));
    expect(error.message).toMatch(message);
  });

  it('reports every problem of a file, one line each', () => {
    const dir = mappingsWith('screen', { fields: [{ destKey: '', sourceKeys: ['name'], format: 'nope' }] });
    const lines = loadError(dir).message.split('\n');
    expect(lines).toEqual([expect.stringMatching(/screen\.json: fields\.0\.destKey: /), expect.stringMatching(/screen\.json: fields\.0\.format: /)]);
  });
});
