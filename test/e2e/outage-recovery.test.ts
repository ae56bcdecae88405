import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { postBatch, startServe, writeConfig } from '../../scripts/serve-process.js';
import { eventually } from '../support/eventually.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';

/**
 * OpenPanel down for "2 minutes" (scaled 60 times faster) under a backlog, then back (README: "Outages"): while
 * it is down, one request probes at a time and /health says why; once it answers, every request waiting on its
 * backoff is released at once. Backoffs here start at 30 s, so a backlog drained within the 10 s asked of a
 * recovery can only come from that release (`npm run bench:outage` measures the real 120 s outage).
 */
jest.setTimeout(60_000);

const SCALE = 60;
const OUTAGE_MS = 120_000 / SCALE;
const PROBE_MS = Math.round(2_000 / SCALE);
const USERS = 400;
const EVENTS = 2_000;
const writeKey = 'wk_outage_4410';

let fake: FakeOpenPanel;
const work = mkdtempSync(join(tmpdir(), 'op-outage-'));
beforeAll(async () => {
  fake = await startFakeOpenPanel();
});
afterAll(async () => {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
});

describe('recovery from an outage', () => {
  it(`a backlog of ${EVENTS} events queued through a 503 outage is delivered within 10 s of OpenPanel answering again, each once`, async () => {
    const config = writeConfig(
      { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, writeKey, backoffBaseMs: 30_000, outageProbeMs: PROBE_MS },
      work,
    );
    fake.outage('503');
    const serve = await startServe(['--config', config, '--data-dir', join(work, 'data')]);
    try {
      const events = Array.from({ length: EVENTS }, (_, i) => ({
        type: 'track',
        messageId: `out-${i}`,
        userId: `user-${i % USERS}`,
        event: 'Backlogged',
        properties: { n: i },
      }));
      for (let start = 0; start < EVENTS; start += 500) {
        const response = await postBatch(serve.url, writeKey, events.slice(start, start + 500));
        expect(await response.json()).toMatchObject({ accepted: 500 });
      }
      await eventually(async () => (await fetch(`${serve.url}/health`)).status === 503);
      const health = (await (await fetch(`${serve.url}/health`)).json()) as { reason?: string };
      expect(health.reason).toMatch(/^OpenPanel failing for many users \(HTTP 503.*\): one request probes every 33 ms$/);
      await delay(OUTAGE_MS);
      // Probing, not hammering: the first wave (what was handed to the sender, 2 × concurrency, before the outage
      // was recognised: docs/outbox.md "Delivery"), then about one request per probe interval.
      const duringOutage = fake.stats.received;
      expect(duringOutage).toBeLessThan(2 * 64 + (OUTAGE_MS / PROBE_MS) * 2);

      fake.outage(undefined);
      const recoveredAt = Date.now();
      await eventually(() => fake.requests.length === EVENTS, 10_000);
      const drainMs = Date.now() - recoveredAt;
      expect(drainMs).toBeLessThan(10_000);
      expect(new Set(fake.requests.map(({ body }) => JSON.stringify(body))).size).toBe(EVENTS);
      await eventually(async () => (await fetch(`${serve.url}/health`)).status === 200);
      process.stdout.write(`outage recovery (scaled ${SCALE}x): ${EVENTS} events, ${duringOutage} requests during the outage, drained in ${drainMs} ms\n`);
    } finally {
      await serve.stop();
    }
  });
});
