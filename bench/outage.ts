import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { postBatch, startServe, writeConfig } from '../scripts/serve-process.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../test/support/fake-openpanel.js';
import { formatTable } from './table.js';

/**
 * `npm run bench:outage`: how long a backlog takes to reach OpenPanel after an outage, with the real (unscaled)
 * defaults: backoff 250 ms doubling to 5 min, one probe every `outageProbeMs` (2 s) while OpenPanel fails for
 * many users (README: "Outages"). The built CLI's `serve` on SQLite takes the backlog while a fake OpenPanel
 * (answering after 20 ms) answers 503 for OUTAGE_S seconds (default 120), then recovers; the clock runs from
 * recovery until every request is stored. Floor: the same backlog delivered by a fresh `serve` without an outage.
 */
const outageSeconds = Number(process.env.OUTAGE_S ?? 120);
const users = 500;
const events = 2_500;
const latencyMs = 20;
const writeKey = 'wk_bench_outage';

const backlog = Array.from({ length: events }, (_, i) => ({
  type: 'track',
  messageId: `o-${i}`,
  userId: `u-${i % users}`,
  event: 'Backlogged',
  properties: { i },
}));

/**
 * Starts serve and POSTs the backlog (with OpenPanel down for `outageMs` when given, from before the first event);
 * returns the ms from then (from recovery) until every request is stored, and how many requests came meanwhile.
 */
async function drain(fake: FakeOpenPanel, outageMs?: number): Promise<{ ms: number; duringRequests: number }> {
  fake.reset();
  if (outageMs !== undefined) fake.outage('503');
  const dir = mkdtempSync(join(tmpdir(), 'op-bench-outage-'));
  const serve = await startServe([
    '--config',
    writeConfig({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, writeKey }, dir),
    '--data-dir',
    join(dir, 'data'),
  ]);
  try {
    for (let start = 0; start < events; start += 500) {
      const response = await postBatch(serve.url, writeKey, backlog.slice(start, start + 500));
      if (!response.ok) throw new Error(`serve answered ${response.status}: ${await response.text()}`);
    }
    if (outageMs !== undefined) {
      await sleep(outageMs);
      fake.outage(undefined);
    }
    const duringRequests = fake.stats.received;
    const from = Date.now();
    while (fake.requests.length < events) await sleep(10);
    return { ms: Date.now() - from, duringRequests };
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fake = await startFakeOpenPanel({ latencyMs });
try {
  const floor = await drain(fake);
  console.log(`no outage: ${events} events delivered in ${(floor.ms / 1000).toFixed(2)} s`);
  const recovery = await drain(fake, outageSeconds * 1000);
  console.log(
    `after a ${outageSeconds} s outage: ${events} events (${users} users) delivered ${(recovery.ms / 1000).toFixed(2)} s after OpenPanel answered again; ` +
      `${recovery.duringRequests} requests reached it during the outage`,
  );
  console.log(
    formatTable([
      {
        name: `drain after a ${outageSeconds} s outage`,
        unit: 's',
        figure: recovery.ms / 1000,
        floor: Math.max(floor.ms, 1) / 1000,
        floorName: 'same backlog, no outage',
        goal: { atMost: 5 },
      },
    ]),
  );
} finally {
  await fake.close();
}
