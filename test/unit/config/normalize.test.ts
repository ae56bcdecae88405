import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config/load.js';
import { normalizeConfigInput } from '../../../src/config/normalize.js';
import { configSchema } from '../../../src/config/schema.js';

const credentials = { clientId: '11111111-1111-4111-8111-111111111111', clientSecret: 'sec_normalize' };
const parse = (raw: Record<string, unknown>) => configSchema.parse(normalizeConfigInput(raw).input);

describe('control-plane values', () => {
  it('reads numeric strings as numbers and "" as unset', () => {
    const config = parse({ ...credentials, concurrency: '32', dedupeTtlHours: ' 1.5 ', timeoutMs: '', defaultGroupType: '', apiUrl: '' });
    expect(config).toMatchObject({ concurrency: 32, dedupeTtlHours: 1.5, timeoutMs: 10_000, defaultGroupType: 'company', apiUrl: 'https://api.openpanel.dev' });
  });

  it('keeps "" where it is a value of its own: no revenue event', () => {
    expect(parse({ ...credentials, revenueEventName: '' }).revenueEventName).toBe('');
  });

  it('reads tags stored as objects, dropping the empty tag the form starts with', () => {
    const config = parse({
      ...credentials,
      eventFilteringOption: 'blacklistedEvents',
      blacklistedEvents: [{ eventName: 'Debug' }, { eventName: '' }],
      whitelistedEvents: [{ eventName: '' }],
    });
    expect(config).toMatchObject({ eventFilteringOption: 'blacklistedEvents', blacklistedEvents: ['Debug'], whitelistedEvents: [] });
  });

  it('reads consent rules per source type, and a single list as the rule of every source type', () => {
    const rules = [{ provider: 'custom', resolutionStrategy: 'or', consents: [{ consent: 'analytics' }] }];
    expect(parse({ ...credentials, consentManagement: { web: rules } }).consentManagement).toEqual({ web: rules });
    const everywhere = parse({ ...credentials, consentManagement: rules }).consentManagement;
    expect(everywhere.web).toEqual(rules);
    expect(everywhere.iosSwift).toEqual(rules);
  });

  it('leaves a non-numeric string for the schema to report', () => {
    expect(configSchema.safeParse(normalizeConfigInput({ ...credentials, concurrency: 'many' }).input).success).toBe(false);
  });
});

describe('renamed keys', () => {
  it('reads eventAllowlist minus eventDenylist as the allowlist, with a warning per old key', () => {
    const { input, warnings } = normalizeConfigInput({ ...credentials, eventAllowlist: ['Signed Up', 'Debug'], eventDenylist: ['Debug'] });
    expect(configSchema.parse(input)).toMatchObject({ eventFilteringOption: 'whitelistedEvents', whitelistedEvents: ['Signed Up'] });
    expect(warnings).toEqual([
      'eventAllowlist is renamed to whitelistedEvents: read as eventFilteringOption "whitelistedEvents"; please rename it in the config',
      'eventDenylist is renamed to blacklistedEvents: read as eventFilteringOption "whitelistedEvents"; please rename it in the config',
    ]);
  });

  it('reads eventDenylist alone as the denylist; empty old lists as no filtering', () => {
    expect(parse({ ...credentials, eventDenylist: ['Debug'] })).toMatchObject({ eventFilteringOption: 'blacklistedEvents', blacklistedEvents: ['Debug'] });
    expect(parse({ ...credentials, eventAllowlist: [], eventDenylist: [] })).toMatchObject({
      eventFilteringOption: 'disable',
      whitelistedEvents: [],
      blacklistedEvents: [],
    });
  });

  it('lets the new keys win, saying the old one is ignored', () => {
    const { input, warnings } = normalizeConfigInput({ ...credentials, eventAllowlist: ['Old'], eventFilteringOption: 'disable' });
    expect(configSchema.parse(input)).toMatchObject({ eventFilteringOption: 'disable', whitelistedEvents: [] });
    expect(warnings).toEqual([
      'eventAllowlist is renamed to whitelistedEvents: ignored, because the config already sets eventFilteringOption or the new lists; please rename it in the config',
    ]);
  });

  it('reports a non-list under the new name', () => {
    const { input } = normalizeConfigInput({ ...credentials, eventDenylist: 'Debug' });
    expect(configSchema.safeParse(input).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['blacklistedEvents']);
  });

  describe('in a config file written before the rename', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpanel-renamed-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps working and warns once per old key', () => {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...credentials, eventDenylist: ['Debug'], concurrency: 8 }));
      const warnings: string[] = [];
      const config = loadConfig({ file, env: {}, warn: (message) => warnings.push(message) });
      expect(config).toMatchObject({ eventFilteringOption: 'blacklistedEvents', blacklistedEvents: ['Debug'], concurrency: 8 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^eventDenylist is renamed to blacklistedEvents/);
    });
  });
});
