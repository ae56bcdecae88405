import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../../src/config/schema.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const rows = new Map([...readme.matchAll(/^\| `(\w+)` \| (.+?) \| .+ \|$/gm)].map(([, key, value]) => [key as string, value as string]));

describe("README's configuration table", () => {
  it.each(Object.keys(configSchema.shape))('documents %s with its default', (key) => {
    const parsed = configSchema.safeParse({ clientId: '00000000-0000-4000-8000-000000000000', clientSecret: 's' });
    const defaults = parsed.success ? (parsed.data as Record<string, unknown>) : {};
    const expected =
      key === 'clientId' || key === 'clientSecret' ? '**required**' : defaults[key] === undefined ? 'none' : `\`${JSON.stringify(defaults[key])}\``;
    expect(rows.get(key)).toBe(expected);
  });

  it('documents no key the schema does not have', () => {
    expect([...rows.keys()].filter((key) => !(key in configSchema.shape))).toEqual([]);
  });
});
