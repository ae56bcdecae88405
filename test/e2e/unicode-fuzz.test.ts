import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServe, writeConfig } from '../../scripts/serve-process.js';
import { bin, workWithInput } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../support/redis.js';
import { seededRandom, type Random } from '../support/seeded-random.js';

/**
 * Hostile text through every path a user has, on both stores: random Unicode (lone surrogates, NUL, RTL marks,
 * emoji, 10,000-character strings) in ids, event names, trait keys and values. Every event ends with exactly one
 * outcome, no request carries text a store or JSON decoder cannot keep, and an ordinary event sent after them is
 * delivered (README: "Text that cannot be stored").
 */
jest.setTimeout(60_000);
const run = promisify(execFile);

const SEED = 15;
const EVENTS = 120;
const pieces = ['\ud800', '\udbff', '\udc00', '\udfff', '\0', '\u200f', '\u202e', '\u2028', '👩‍💻', '🎉', 'a', 'Z', ' ', 'ü', '中', '"', '\\', '\n'];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
function text(random: Random): string {
  const short = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(random, pieces)).join('');
  return random() < 0.04 ? `${'x'.repeat(10_000 - short.length)}${short}` : short;
}
function object(random: Random): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: Math.floor(random() * 4) }, () => [text(random), random() < 0.7 ? text(random) : { [text(random)]: [text(random)] }]),
  );
}
function fuzzEvent(random: Random, i: number): Record<string, unknown> {
  const type = pick(random, ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const);
  const event: Record<string, unknown> = { type, messageId: `fuzz-${i}-${text(random)}` };
  if (random() < 0.8) event.userId = text(random);
  if (random() < 0.5) event.anonymousId = text(random);
  if (type === 'track') event.event = text(random);
  if (type === 'page' || type === 'screen') event.name = text(random);
  if (type === 'group') event.groupId = text(random);
  if (type === 'alias') event.previousId = text(random);
  if (type === 'identify' || type === 'group') event.traits = object(random);
  else event.properties = object(random);
  if (random() < 0.3) event.context = { traits: object(random), groupId: text(random) };
  return event;
}

const fuzzed = ((random) => Array.from({ length: EVENTS }, (_, i) => fuzzEvent(random, i)))(seededRandom(SEED));
const ordinary = { type: 'track', messageId: 'after-the-fuzz', userId: 'ordinary-user', event: 'After The Fuzz' };

/** Every string and key in `value` is text every store keeps: well-formed UTF-16 without NUL. */
function storable(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed() && !value.includes('\0');
  if (typeof value !== 'object' || value === null) return true;
  return Object.entries(value).every(([key, item]) => storable(key) && storable(item));
}

const ordinaryDelivered = (fake: FakeOpenPanel): boolean =>
  fake.requests.some(({ body }) => body.type === 'track' && body.payload.name === ordinary.event && body.payload.profileId === ordinary.userId);

let fake: FakeOpenPanel;
const { work, input } = workWithInput('op-unicode-fuzz-', [...fuzzed, ordinary]);
const prefixes: string[] = [];
const redisStore = () => {
  const prefix = testPrefix('fuzz');
  prefixes.push(prefix);
  return { type: 'redis', url: testRedisUrl, prefix };
};
beforeAll(async () => {
  fake = await startFakeOpenPanel();
});
afterAll(async () => {
  await fake.close();
  for (const prefix of prefixes) await deleteKeys(prefix);
  rmSync(work, { recursive: true, force: true });
});
const baseConfig = () => ({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url });

describe(`random Unicode in every field (seed ${SEED}, ${EVENTS} events)`, () => {
  it('transform: one outcome per event, in order, and only storable text in the requests', async () => {
    const { stdout } = await run(process.execPath, [bin, 'transform', '--config', writeConfig(baseConfig(), work), '--input', input], { maxBuffer: 64 << 20 });
    const results = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; status: string; requests?: unknown[] });
    expect(results.map((result) => result.index)).toEqual([...fuzzed, ordinary].map((_, i) => i));
    const counts = tally(results.map((result) => result.status));
    expect(counts.ok! + (counts.skipped ?? 0) + (counts.rejected ?? 0)).toBe(EVENTS + 1);
    expect(results.filter((result) => result.status === 'ok').every((result) => storable(result.requests))).toBe(true);
    process.stdout.write(`unicode fuzz (transform): ${JSON.stringify(counts)}\n`);
  });

  it.each([
    ['SQLite', () => ({})],
    ['Redis', () => ({ store: redisStore() })],
  ])('send on %s: every event one outcome, the ordinary event after them delivered', async (store, extra) => {
    fake.reset();
    const config = writeConfig({ ...baseConfig(), ...extra() }, mkdtempSync(join(work, 'send-')));
    const dataDir = mkdtempSync(join(work, 'data-'));
    const result = await run(process.execPath, [bin, 'send', '--config', config, '--input', input, '--data-dir', dataDir], {
      env: { PATH: process.env.PATH ?? '' },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const summary = /delivered (\d+), skipped (\d+), rejected (\d+), dead-lettered (\d+)/.exec(result.stdout);
    expect(summary).not.toBeNull();
    const [delivered, skipped, rejected, deadLettered] = summary!.slice(1).map(Number) as [number, number, number, number];
    expect(delivered + skipped + rejected + deadLettered).toBe(EVENTS + 1);
    expect(ordinaryDelivered(fake)).toBe(true);
    expect(fake.requests.every(({ body }) => storable(body))).toBe(true);
    process.stdout.write(`unicode fuzz (send, ${store}): delivered ${delivered}, skipped ${skipped}, rejected ${rejected}, dead-lettered ${deadLettered}\n`);
  });

  it.each([
    ['SQLite', () => ({})],
    ['Redis', () => ({ store: redisStore() })],
  ])('serve on %s: every event of each batch answered, all queued ones final, the ordinary event after them delivered', async (store, extra) => {
    fake.reset();
    const writeKey = 'wk_fuzz_51d2';
    const config = writeConfig({ ...baseConfig(), ...extra(), writeKey }, mkdtempSync(join(work, 'serve-')));
    const serve = await startServe(['--config', config, '--data-dir', mkdtempSync(join(work, 'serve-data-'))]);
    try {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${serve.url}${path}`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        });
        return { status: response.status, body: (await response.json()) as { accepted?: number; skipped?: number; rejected?: unknown[]; message?: string } };
      };
      const counts = { accepted: 0, skipped: 0, rejected: 0 };
      // Batches under Segment's 500 KB; a batch of only invalid events is a 400 naming each.
      for (let start = 0; start < EVENTS; start += 20) {
        const batch = fuzzed.slice(start, start + 20);
        const answer = await post('/v1/batch', { batch });
        if (answer.status === 400) {
          expect(answer.body.message).toMatch(new RegExp(`^every event was rejected \\(${batch.length}\\)`));
          counts.rejected += batch.length;
          continue;
        }
        expect(answer.status).toBe(200);
        const { accepted = 0, skipped = 0, rejected = [] } = answer.body;
        expect(accepted + skipped + rejected.length).toBe(batch.length);
        counts.accepted += accepted;
        counts.skipped += skipped;
        counts.rejected += rejected.length;
      }
      expect(await post('/v1/track', ordinary)).toMatchObject({ status: 200, body: { accepted: 1 } });
      await eventually(() => ordinaryDelivered(fake));
      // Every accepted event became final (delivered or dead-lettered): nothing is stuck in the queue.
      await eventually(async () => ((await (await fetch(`${serve.url}/health`)).json()) as { queuedEvents?: number }).queuedEvents === 0);
      expect(fake.requests.every(({ body }) => storable(body))).toBe(true);
      process.stdout.write(`unicode fuzz (serve, ${store}): ${JSON.stringify(counts)}\n`);
    } finally {
      await serve.stop();
    }
  });
});

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
