import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zOpenPanelBody } from '../../src/openpanel/contract.js';
import { generateEvents } from '../support/event-stream.js';
import { bin } from '../support/cli.js';

/** The built CLI (`pretest` builds it) as the README describes `transform` and `validate-config`. */
const work = mkdtempSync(join(tmpdir(), 'op-cli-'));
const SECRET = 'sec_cli_test_never_printed';
const config = join(work, 'config.json');
writeFileSync(config, JSON.stringify({ clientId: '2c9d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f', clientSecret: SECRET }));

function cli(args: string[], stdin = '', env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...nodeArgs, bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}
const lines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

const group = { type: 'group', messageId: 'm1', userId: 'u1', groupId: 'org_1', traits: { name: 'Org One' } };
const track = { type: 'track', messageId: 'm2', userId: 'u1', event: 'Report Exported' };

describe('transform', () => {
  it.each([
    ['NDJSON', `${JSON.stringify(group)}\n\n${JSON.stringify(track)}\n`],
    ['a JSON array', JSON.stringify([group, track])],
    ['a {batch} envelope', JSON.stringify({ batch: [group, track] })],
  ])('reads %s and prints one line per event, in order, with membership carried across the run', async (_, input) => {
    const { code, stdout } = await cli(['transform', '--config', config], input);
    expect(code).toBe(0);
    const [first, second] = lines(stdout);
    expect(first).toMatchObject({ index: 0, messageId: 'm1', status: 'ok' });
    expect(second).toMatchObject({
      index: 1,
      messageId: 'm2',
      status: 'ok',
      requests: [{ body: { type: 'track', payload: { name: 'Report Exported', profileId: 'u1', groups: ['org_1'] } } }],
    });
    expect(stdout).not.toContain(SECRET);
  });

  it('keeps no state between runs (a dry run)', async () => {
    await cli(['transform', '--config', config], JSON.stringify(group));
    const [only] = lines((await cli(['transform', '--config', config], JSON.stringify(track))).stdout);
    expect(only).toMatchObject({ requests: [{ body: { payload: { name: 'Report Exported', profileId: 'u1' } } }] });
    expect(JSON.stringify(only)).not.toContain('groups');
  });

  it('rejects a malformed line or event without affecting its neighbours', async () => {
    const input = [JSON.stringify(track), '{not json', JSON.stringify({ type: 'group', userId: 'u1' }), JSON.stringify(track)].join('\n');
    const { code, stdout } = await cli(['transform', '--config', config], input);
    expect(code).toBe(0);
    expect(lines(stdout).map((l) => [l.index, l.status, l.reason])).toEqual([
      [0, 'ok', undefined],
      [1, 'rejected', expect.stringContaining('line 2: not valid JSON')],
      [2, 'rejected', 'groupId: is required for a group call'],
      [3, 'ok', undefined],
    ]);
  });

  it('every request printed for a mixed stream of a few hundred events is one OpenPanel accepts', async () => {
    const events = generateEvents({ users: 30, eventsPerUser: 12, seed: 11 });
    const { code, stdout } = await cli(['transform', '--config', config], events.map((e) => JSON.stringify(e)).join('\n'));
    expect(code).toBe(0);
    const out = lines(stdout);
    expect(out).toHaveLength(events.length);
    const bodies = out.flatMap((l) => (l.status === 'ok' ? (l.requests as Array<{ body: unknown }>).map((r) => r.body) : []));
    expect(bodies.length).toBeGreaterThan(events.length);
    for (const body of bodies) expect(zOpenPanelBody.safeParse(body).error).toBeUndefined();
    expect(out.filter((l) => l.status === 'rejected')).toEqual([]);
  });

  it('loads no state backend nor HTTP stack: a dry run uses none, and loading them cost more than a short run', async () => {
    // The packages are CommonJS, so whatever loaded them is in the require cache at exit.
    const loaded = join(work, 'loaded.txt');
    const preload = join(work, 'record-loaded.mjs');
    writeFileSync(
      preload,
      `import { writeFileSync } from 'node:fs'; import { createRequire } from 'node:module';
      process.on('exit', () => writeFileSync(${JSON.stringify(loaded)}, Object.keys(createRequire(import.meta.url).cache).join('\\n')));`,
    );
    const { code, stdout } = await cli(['transform', '--config', config], JSON.stringify(group), {}, ['--import', preload]);
    expect(code).toBe(0);
    expect(lines(stdout)[0]).toMatchObject({ status: 'ok' });
    const packages = readFileSync(loaded, 'utf8')
      .split('\n')
      .flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []);
    expect(packages).toContain('commander'); // the record works
    expect([...new Set(packages)].filter((name) => ['ioredis', 'better-sqlite3', 'fastify', 'undici'].includes(name))).toEqual([]);
  });

  it('takes the client id and secret from the environment', async () => {
    const { code, stdout } = await cli(['transform'], JSON.stringify(track), {
      OPENPANEL_DESTINATION_CLIENT_ID: '2c9d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f',
      OPENPANEL_DESTINATION_CLIENT_SECRET: SECRET,
    });
    expect(code).toBe(0);
    expect(lines(stdout)[0]).toMatchObject({ status: 'ok' });
  });
});

describe('validate-config', () => {
  it('prints the effective config with the secret masked', async () => {
    const { code, stdout } = await cli(['validate-config', '--config', config]);
    expect(code).toBe(0);
    expect(stdout).toContain('"clientSecret": "***"');
    expect(stdout).toContain('"apiUrl": "https://api.openpanel.dev"');
    expect(stdout).not.toContain(SECRET);
  });

  it('takes --config from OPENPANEL_DESTINATION_CONFIG; the flag wins over it', async () => {
    const other = join(work, 'other.json');
    writeFileSync(other, JSON.stringify({ clientId: '2c9d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f', clientSecret: SECRET, concurrency: 7 }));
    expect((await cli(['validate-config'], '', { OPENPANEL_DESTINATION_CONFIG: other })).stdout).toContain('"concurrency": 7');
    expect((await cli(['validate-config', '--config', config], '', { OPENPANEL_DESTINATION_CONFIG: other })).stdout).toContain('"concurrency": 64');
  });

  it('names unknown keys with "did you mean" (exit 2)', async () => {
    const typo = join(work, 'typo.json');
    writeFileSync(typo, JSON.stringify({ clientId: '2c9d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f', clientSecret: SECRET, concurency: 8, writekey: 'wk' }));
    const { code, stderr } = await cli(['validate-config', '--config', typo]);
    expect(code).toBe(2);
    expect(stderr).toContain('  concurency: unknown key; did you mean concurrency?\n  writekey: unknown key; did you mean writeKey?');
  });

  it('exits 2 with one line per problem and never echoes a secret', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clientId: 'nope', clientSecret: SECRET, concurrency: 0, pageEventName: 'session_start' }));
    const { code, stdout, stderr } = await cli(['validate-config', '--config', bad]);
    expect(code).toBe(2);
    expect(stderr.split('\n').filter((l) => l.startsWith('  '))).toEqual([
      '  clientId: must be a UUID',
      '  pageEventName: "session_start" is reserved by OpenPanel',
      '  concurrency: must be greater than 0',
    ]);
    expect(`${stdout}${stderr}`).not.toContain(SECRET);
  });
});
