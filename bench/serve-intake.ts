import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { createDestination } from '../src/entry/library/destination.js';
import { generateEvents } from '../test/support/event-stream.js';
import { startFakeOpenPanelProcess } from '../test/support/fake-openpanel-process.js';
import { benchWriteKey, type IntakeServerMode } from './intake-server.js';
import { firePool } from './pool-floor.js';
import { formatTable, type Row } from './table.js';

/**
 * serve's intake against its floor, each server in its own process, the load from this one over keep-alive:
 * throughput of /v1/batch (batches of 100, each answered after the intake took it) vs a Fastify route that
 * only parses and answers; and acknowledgement latency at a steady rate. Run alone: `tsx bench/serve-intake.ts`.
 */
const batchSize = 100;
const inFlight = 8;
const steadyEventsPerSecond = 2000;
const steadyBatch = 20;
const steadySeconds = 5;
const authorization = `Basic ${Buffer.from(`${benchWriteKey}:`).toString('base64')}`;

interface IntakeServer {
  url: string;
  usage(): Promise<{ cpuMicros: number; maxRssMb: number }>;
  close(): Promise<void>;
}

async function startIntakeServer(mode: IntakeServerMode, apiUrl = ''): Promise<IntakeServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./intake-server.ts', import.meta.url)), [mode, apiUrl], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  return {
    url: ready.url,
    async usage() {
      child.send('usage');
      const [usage] = (await once(child, 'message')) as [{ cpuMicros: number; maxRssMb: number }];
      return usage;
    },
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

const bodies = (events: unknown[], size: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < events.length; i += size) out.push(JSON.stringify({ batch: events.slice(i, i + size), sentAt: new Date().toISOString() }));
  return out;
};

/** Posts every body with `inFlight` at a time; returns seconds from first to last answer and the non-200 count. */
async function blast(url: string, batches: string[]): Promise<{ seconds: number; failed: number }> {
  const pool = new Pool(url, { connections: inFlight });
  let next = 0;
  let failed = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (let body = batches[next++]; body !== undefined; body = batches[next++]) {
      const response = await pool.request({ path: '/v1/batch', method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
      await response.body.text();
      if (response.statusCode !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return { seconds, failed };
}

/** One batch every interval for `steadySeconds`, each timed from send to answer; returns the latencies in ms, sorted. */
async function steady(url: string, batches: string[]): Promise<number[]> {
  const pool = new Pool(url, { connections: 16 });
  const interval = (steadyBatch / steadyEventsPerSecond) * 1000;
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < batches.length; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    pending.push(
      pool
        .request({ path: '/v1/batch', method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: batches[i]! })
        .then(async (response) => {
          await response.body.text();
          latencies.push(performance.now() - sentAt);
        }),
    );
  }
  await Promise.all(pending);
  await pool.close();
  return latencies.sort((a, b) => a - b);
}

const rounds = 3;

/** Waits until serve has delivered everything it took (the floor has no queue). */
async function drained(url: string, mode: IntakeServerMode): Promise<void> {
  if (mode !== 'ours') return;
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as { queuedEvents: number };
    if (health.queuedEvents === 0) return;
    await sleep(50);
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function serveIntakeRows(checks: string[]): Promise<Row[]> {
  // Each round posts events of its own: a batch posted again would only be skipped as already delivered.
  const roundEvents = Array.from({ length: rounds }, (_, round) => generateEvents({ users: 1000, eventsPerUser: 20, seed: 100 + round }));
  const roundBatches = roundEvents.map((events) => bodies(events, batchSize));
  const eventsPerRound = roundEvents[0]!.length;
  const warm = bodies(generateEvents({ users: 100, eventsPerUser: 20, seed: 12 }), batchSize);
  const steadyEvents = generateEvents({ users: 500, eventsPerUser: (steadyEventsPerSecond * steadySeconds) / 500, seed: 13 });
  const steadyBatches = bodies(steadyEvents, steadyBatch);
  const fake = await startFakeOpenPanelProcess();
  const rows: Row[] = [];
  try {
    const results = new Map<IntakeServerMode, { seconds: number; latencies: number[]; cpuMicros: number; maxRssMb: number }>();
    for (const mode of ['floor', 'durable', 'routes', 'paused', 'ours'] as const) {
      const server = await startIntakeServer(mode, fake.url);
      try {
        await blast(server.url, warm);
        await drained(server.url, mode);
        // Best of three: other processes on a shared machine only ever slow a run down.
        let best: { seconds: number; failed: number; cpuMicros: number } | undefined;
        for (let round = 0; round < rounds; round++) {
          const before = await server.usage();
          const run = await blast(server.url, roundBatches[round]!);
          const cpuMicros = (await server.usage()).cpuMicros - before.cpuMicros;
          // Delivery of what was just taken happens alongside intake; it is counted until the queue is empty.
          await drained(server.url, mode);
          const cpuWithDelivery = (await server.usage()).cpuMicros - before.cpuMicros;
          if (best === undefined || run.seconds < best.seconds) best = { ...run, cpuMicros: mode === 'ours' ? cpuWithDelivery : cpuMicros };
        }
        const run = best!;
        const latencies = await steady(server.url, steadyBatches);
        const after = await server.usage();
        checks.push(
          `intake ${mode}: ${rounds} rounds of ${roundBatches[0]!.length} batches of ${batchSize} (new events each round), ${run.failed} not 200; steady ${latencies.length} batches of ${steadyBatch}`,
        );
        results.set(mode, { seconds: run.seconds, latencies, cpuMicros: run.cpuMicros, maxRssMb: after.maxRssMb });
      } finally {
        await server.close();
      }
    }
    const ours = results.get('ours')!;
    const routes = results.get('routes')!;
    const floor = results.get('floor')!;
    const durable = results.get('durable')!;
    const paused = results.get('paused')!;
    checks.push(`intake ours: fake OpenPanel stored ${(await fake.stats()).stored} requests (delivery runs alongside intake)`);
    const floorName = 'Fastify parse + answer';
    const durableName = 'Fastify parse + SQLite commit + answer';
    /** A row of `run`'s throughput (or CPU per event) against `against`'s. */
    const row = (name: string, run: typeof ours, against: typeof ours, againstName: string, unit: 'ev/s' | 'µs' = 'ev/s'): Row =>
      unit === 'ev/s'
        ? { name, unit, figure: eventsPerRound / run.seconds, floor: eventsPerRound / against.seconds, floorName: againstName }
        : { name, unit, figure: run.cpuMicros / eventsPerRound, floor: against.cpuMicros / eventsPerRound, floorName: againstName };
    rows.push(
      { ...row(`serve intake: /v1/batch of ${batchSize}`, ours, floor, floorName), goal: { atLeast: 0.5 } },
      // What bounds the row: committing the events before answering, with nothing else done (src/state/sqlite/db.ts).
      row('serve intake floor with durability', durable, floor, floorName),
      row('serve intake against that floor', ours, durable, durableName),
      row('serve HTTP layer only (intake a no-op)', routes, floor, floorName),
      // The intake with the thread to itself: what delivery alongside costs the row.
      row('serve intake, delivery paused (secret refused)', paused, floor, floorName),
      row('serve intake + delivery: server CPU per event', ours, floor, floorName, 'µs'),
      row('serve intake alone (delivery paused): server CPU per event', paused, floor, floorName, 'µs'),
      row('durable floor: server CPU per event', durable, floor, floorName, 'µs'),
      row('serve HTTP layer: server CPU per event', routes, floor, floorName, 'µs'),
    );
    for (const p of [50, 99]) {
      rows.push({
        name: `serve ack latency p${p} @${steadyEventsPerSecond} ev/s (batches of ${steadyBatch})`,
        unit: 'ms',
        figure: percentile(ours.latencies, p),
        floor: percentile(floor.latencies, p),
        floorName,
      });
    }
    rows.push({ name: 'serve peak RSS (intake + delivery)', unit: 'MB', figure: ours.maxRssMb, floor: floor.maxRssMb, floorName });
  } finally {
    await fake.close();
  }
  return rows;
}

const deliveryLatencyMs = 20;
const deliveryConcurrency = 64;

/**
 * Delivery through serve: events posted to /v1/batch (committed to the SQLite outbox) until the fake OpenPanel
 * at 20 ms has every request, vs an undici Pool firing the same requests with the same concurrency (serve's
 * default, 64) and no ordering, retries or bookkeeping.
 */
export async function serveDeliveryRows(checks: string[]): Promise<Row[]> {
  const events = generateEvents({ users: 2000, eventsPerUser: 8, seed: 21 });
  const batches = bodies(events, batchSize);
  const fake = await startFakeOpenPanelProcess({ latencyMs: deliveryLatencyMs });
  try {
    const server = await startIntakeServer('ours', fake.url);
    let seconds: number;
    try {
      const start = performance.now();
      const run = await blast(server.url, batches);
      await drained(server.url, 'ours');
      seconds = (performance.now() - start) / 1000;
      checks.push(`serve delivery: ${events.length} events posted (${run.failed} batches not 200), fake stored ${(await fake.stats()).stored}`);
    } finally {
      await server.close();
    }
    // The same events as serve turns them into requests (a dry run keeps membership within the call).
    const dryRun = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url });
    const requests = (await dryRun.transform(events)).flatMap((result) => (result.status === 'ok' ? result.requests : []));
    await dryRun.close();
    await fake.reset();
    const poolStart = performance.now();
    const failed = await firePool(fake.url, fake.clientSecret, requests, deliveryConcurrency);
    const poolSeconds = (performance.now() - poolStart) / 1000;
    checks.push(`serve delivery floor: undici Pool fired ${requests.length} requests, ${failed} failed, fake stored ${(await fake.stats()).stored}`);
    return [
      {
        name: `serve delivery @${deliveryLatencyMs} ms (post to delivered)`,
        unit: 'ev/s',
        figure: events.length / seconds,
        floor: events.length / poolSeconds,
        floorName: `undici Pool, ${deliveryConcurrency} in flight`,
        goal: { atLeast: 0.85 },
      },
    ];
  } finally {
    await fake.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const checks: string[] = [];
  const rows = [...(await serveDeliveryRows(checks)), ...(await serveIntakeRows(checks))];
  console.log(formatTable(rows));
  console.log(`\nchecks:\n${checks.map((c) => `  ${c}`).join('\n')}`);
}
