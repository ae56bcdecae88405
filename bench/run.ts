import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { laneRequests } from '../src/delivery/lanes.js';
import { createDestination } from '../src/entry/library/destination.js';
import type { OpenPanelRequest } from '../src/openpanel/contract.js';
import type { TransformResult } from '../src/transform/result.js';
import { generateEvents } from '../test/support/event-stream.js';
import { fakeClientId } from '../test/support/fake-openpanel.js';
import { startFakeOpenPanelProcess, type FakeOpenPanelProcess } from '../test/support/fake-openpanel-process.js';
import { scratchDir, sendRun, writeBackfill, type SendRun } from './backfill.js';
import { bestOf, measure } from './measure.js';
import { fireOrderedPool, firePool } from './pool-floor.js';
import { sendWithSdk } from './sdk-sender.js';
import { serveDeliveryRows, serveIntakeRows } from './serve-intake.js';
import { formatTable, type Row } from './table.js';
import { remapFloor } from './transform-floor.mjs';
import { transformProcessRow } from './transform-process.js';

/**
 * `npm run bench`: throughput and client cost of the destination against floors measured in the same run.
 * The fake OpenPanel runs in a child process so process.cpuUsage() here is the client's alone.
 * `npm run bench -- cli serve` runs only those sections (library, cli, serve); the rows of README's performance
 * table are in cli and serve.
 */
const concurrency = 64;
const latencyMs = 20;
const runStart = performance.now();
const sections = process.argv.slice(2);
const runs = (section: 'library' | 'cli' | 'serve'): boolean => sections.length === 0 || sections.includes(section);
const loadAtStart = loadavg()[0] ?? 0;

const mainEvents = generateEvents({ users: 500, eventsPerUser: 20, seed: 1 });
const warmEvents = generateEvents({ users: 100, eventsPerUser: 20, seed: 2 });
const sdkEvents = { 0: generateEvents({ users: 100, eventsPerUser: 20, seed: 3 }), [latencyMs]: generateEvents({ users: 10, eventsPerUser: 20, seed: 4 }) };
const lines = mainEvents.map((e) => JSON.stringify(e));
const warmLines = warmEvents.map((e) => JSON.stringify(e));

// transform sends nothing; a local apiUrl keeps any mistake off the network
const offlineConfig = { clientId: fakeClientId, clientSecret: 'bench-secret', apiUrl: 'http://127.0.0.1:9', concurrency };
const rows: Row[] = [];
const checks: string[] = [];
let peakRssThroughOursMb: number | undefined;
const perSecond = (count: number, seconds: number) => count / seconds;

// --- transform ---------------------------------------------------------------------------------------
remapFloor(warmLines);
// Best of three each: one pass of 10,000 events takes 0.05-0.3 s, within reach of a collection or another process.
const floorTransform = await bestOf(3, () => measure(async () => remapFloor(lines)));
const baselineRssMb = process.resourceUsage().maxRSS / 1024;

/** A fresh destination per pass (membership starts empty); only parse + transform + serialize is timed. */
const transformOurs = async (input: string[]) => {
  const destination = createDestination(offlineConfig);
  const run = await measure(async () => {
    const results = await destination.transform(input.map((line) => JSON.parse(line) as unknown));
    return { results, output: results.map((r) => JSON.stringify(r)) };
  });
  await destination.close();
  return run;
};
await transformOurs(warmLines);
const oursTransform = await bestOf(3, () => transformOurs(lines));
rows.push({
  name: 'transform: parse + map + serialize',
  unit: 'ev/s',
  figure: perSecond(lines.length, oursTransform.seconds),
  floor: perSecond(lines.length, floorTransform.seconds),
  floorName: 'JSON remap',
  goal: { atLeast: 0.5 },
});

// What bounds both transform rows: the same parse, and our results serialised (each request with its client
// headers and every mapped field: more bytes than the floor's), with no mapping at all.
const ioOnly = await bestOf(3, () =>
  measure(async () => {
    for (const line of lines) JSON.parse(line);
    return oursTransform.value.results.map((r) => JSON.stringify(r));
  }),
);
rows.push({
  name: 'transform bound: parse + serialize our results (no mapping)',
  unit: 'ev/s',
  figure: perSecond(lines.length, ioOnly.seconds),
  floor: perSecond(lines.length, floorTransform.seconds),
  floorName: 'JSON remap',
});
checks.push(
  `transform output: ${(ioOnly.value.join('\n').length / 1e6).toFixed(1)} MB serialised by ours, ${(floorTransform.value.join('\n').length / 1e6).toFixed(1)} MB by the floor`,
);

const requestsOf = (results: TransformResult[]): OpenPanelRequest[] => results.flatMap((r) => (r.status === 'ok' ? r.requests : []));
const transformed = async (events: unknown[]) => requestsOf((await transformOurs(events.map((e) => JSON.stringify(e)))).value.results);
/** The requests with the lanes the outbox gives them (src/delivery/lanes.ts), in input order. */
const laned = (results: TransformResult[]) =>
  results.flatMap((r) => (r.status === 'ok' ? laneRequests(r.messageId ?? `event-${r.index}`, r.userKey, r.requests) : []));
const mainRequests = requestsOf(oursTransform.value.results);
checks.push(
  `${mainEvents.length} events -> ${mainRequests.length} requests (${oursTransform.value.results.filter((r) => r.status !== 'ok').length} skipped or rejected)`,
);

// --- delivery ----------------------------------------------------------------------------------------
const deliverOurs = async (fake: FakeOpenPanelProcess, events: unknown[]) => {
  const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency });
  const run = await measure(() => destination.send(events));
  await destination.close();
  return run;
};

async function deliveryAt(latency: number): Promise<{ oursEventsPerSecond: number }> {
  const fake = await startFakeOpenPanelProcess({ latencyMs: latency });
  const label = `delivery @${latency} ms`;
  try {
    if (latency === 0) {
      await deliverOurs(fake, warmEvents);
      await firePool(fake.url, fake.clientSecret, await transformed(warmEvents), concurrency);
    }
    await fake.reset();
    const ours = await deliverOurs(fake, mainEvents);
    peakRssThroughOursMb ??= process.resourceUsage().maxRSS / 1024;
    const stored = (await fake.stats()).stored;
    const tally = new Map<string, number>();
    for (const outcome of ours.value) tally.set(outcome.status, (tally.get(outcome.status) ?? 0) + 1);
    checks.push(`${label}: outcomes ${JSON.stringify(Object.fromEntries(tally))}; fake stored ${stored} of ${mainRequests.length} requests`);

    await fake.reset();
    const pool = await measure(() => firePool(fake.url, fake.clientSecret, mainRequests, concurrency));
    checks.push(`${label}: floor pool had ${pool.value} failures; fake stored ${(await fake.stats()).stored}`);

    const oursEventsPerSecond = perSecond(mainEvents.length, ours.seconds);
    const poolEventsPerSecond = perSecond(mainEvents.length, pool.seconds);
    if (latency === 0) {
      rows.push({ name: `${label}: throughput`, unit: 'ev/s', figure: oursEventsPerSecond, floor: poolEventsPerSecond, floorName: 'undici Pool' });
    } else {
      const ideal = concurrency / (latency / 1000);
      rows.push({
        name: `${label}: throughput`,
        unit: 'ev/s',
        figure: oursEventsPerSecond,
        floor: ideal,
        floorName: 'concurrency/latency',
        goal: { atLeast: 0.85 },
      });
      rows.push({
        name: `${label}: requests/s`,
        unit: 'req/s',
        figure: perSecond(mainRequests.length, ours.seconds),
        floor: ideal,
        floorName: 'concurrency/latency',
      });
      rows.push({ name: `${label}: pool floor throughput`, unit: 'ev/s', figure: poolEventsPerSecond, floor: ideal, floorName: 'concurrency/latency' });
    }
    rows.push({
      name: `${label}: client CPU per event`,
      unit: 'µs',
      figure: ours.cpuMicros / mainEvents.length,
      floor: pool.cpuMicros / mainEvents.length,
      floorName: 'undici Pool',
      goal: { atMost: 2 },
    });
    return { oursEventsPerSecond };
  } finally {
    await fake.close();
  }
}

async function sdkAt(latency: 0 | typeof latencyMs, oursEventsPerSecond: number): Promise<void> {
  const events = sdkEvents[latency];
  const requests = await transformed(events);
  const fake = await startFakeOpenPanelProcess({ latencyMs: latency });
  try {
    const options = { apiUrl: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret };
    if (latency === 0) await sendWithSdk(options, await transformed(warmEvents.slice(0, 500)));
    await fake.reset();
    const sdk = await measure(() => sendWithSdk(options, requests));
    checks.push(`@openpanel/sdk @${latency} ms: ${events.length} events, ${requests.length} requests, fake stored ${(await fake.stats()).stored}`);
    rows.push({
      name: `vs @openpanel/sdk @${latency} ms (awaited calls)`,
      unit: 'ev/s',
      figure: oursEventsPerSecond,
      floor: perSecond(events.length, sdk.seconds),
      floorName: '@openpanel/sdk',
      goal: { atLeast: 5 },
    });
  } finally {
    await fake.close();
  }
}

if (runs('library')) {
  const atZero = await deliveryAt(0);
  const atLatency = await deliveryAt(latencyMs);
  await sdkAt(0, atZero.oursEventsPerSecond);
  await sdkAt(latencyMs, atLatency.oursEventsPerSecond);
}

// --- the built CLI (run `npm run build` first): transform, send, a 1,000,000-event backfill ---------------------
const transformEvents = 100_000;
const sendEvents = 20_000;
const backfillEvents = Number(process.env['BENCH_BACKFILL_EVENTS'] ?? 1_000_000);
if (runs('cli')) {
  const scratch = scratchDir();
  try {
    const transformInput = join(scratch.dir, 'transform.ndjson');
    rows.push(await transformProcessRow(scratch.dir, transformInput, await writeBackfill(transformInput, transformEvents), checks));

    const fake = await startFakeOpenPanelProcess({ latencyMs, keepRequests: false });
    try {
      const sendInput = join(scratch.dir, 'send.ndjson');
      const sendCount = await writeBackfill(sendInput, sendEvents);
      const sendResults = (
        await transformOurs(
          readFileSync(sendInput, 'utf8')
            .split('\n')
            .filter((line) => line !== ''),
        )
      ).value.results;
      const sendRequests = requestsOf(sendResults);
      const sendLaned = laned(sendResults);
      // Best of two each, alternating, each send into a fresh data dir (a second send into one would send nothing).
      let ours: SendRun | undefined;
      let pool: number | undefined;
      let orderedPool: number | undefined;
      for (let round = 0; round < 2; round++) {
        const run = await sendRun(fake, sendInput, join(scratch.dir, `data-send-${round}`), concurrency);
        checks.push(
          `send ${sendCount} events @${latencyMs} ms: ${run.seconds.toFixed(1)} s, exit ${run.code}, fake stored ${run.stored} of ${sendRequests.length}: ${run.summary}`,
        );
        if (!ours || run.seconds < ours.seconds) ours = run;
        const before = (await fake.stats()).stored;
        const floor = await measure(() => firePool(fake.url, fake.clientSecret, sendRequests, concurrency));
        checks.push(
          `send floor: undici Pool fired ${sendRequests.length} requests in ${floor.seconds.toFixed(1)} s, ${floor.value} failed, fake stored ${(await fake.stats()).stored - before}`,
        );
        pool = Math.min(pool ?? Infinity, floor.seconds);
        const beforeOrdered = (await fake.stats()).stored;
        const ordered = await measure(() => fireOrderedPool(fake.url, fake.clientSecret, sendLaned, concurrency));
        checks.push(
          `send ordered floor: undici Pool, one request per lane, fired ${sendLaned.length} requests in ${ordered.seconds.toFixed(1)} s, ${ordered.value} failed, fake stored ${(await fake.stats()).stored - beforeOrdered}`,
        );
        orderedPool = Math.min(orderedPool ?? Infinity, ordered.seconds);
      }
      const poolEventsPerSecond = sendCount / pool!;
      const poolName = `undici Pool, ${concurrency} in flight`;
      rows.push({
        name: `CLI send of ${sendCount.toLocaleString('en-US')} events @${latencyMs} ms`,
        unit: 'ev/s',
        figure: sendCount / ours!.seconds,
        floor: poolEventsPerSecond,
        floorName: poolName,
        goal: { atLeast: 0.85 },
      });
      // What bounds the row: per-user order alone (the same Pool, one request per lane), and us against that.
      const orderedName = `undici Pool, ${concurrency} in flight, one per lane`;
      rows.push({
        name: `CLI send: the Pool in per-user order`,
        unit: 'ev/s',
        figure: sendCount / orderedPool!,
        floor: poolEventsPerSecond,
        floorName: poolName,
      });
      rows.push({
        name: `CLI send against the Pool in per-user order`,
        unit: 'ev/s',
        figure: sendCount / ours!.seconds,
        floor: sendCount / orderedPool!,
        floorName: orderedName,
      });

      const small = join(scratch.dir, 'small.ndjson');
      const big = join(scratch.dir, 'big.ndjson');
      const smallCount = await writeBackfill(small, 10_000);
      const bigCount = await writeBackfill(big, backfillEvents);
      const smallRun = await sendRun(fake, small, join(scratch.dir, 'data-small'), concurrency);
      const bigRun = await sendRun(fake, big, join(scratch.dir, 'data-big'), concurrency);
      const again = await sendRun(fake, big, join(scratch.dir, 'data-big'), concurrency);
      const bigEventsPerSecond = bigCount / bigRun.seconds;
      // The issue's goal, 2,500 ev/s against ~2,900 of the pool on the 2-core machine: 0.86 of the floor.
      rows.push({
        name: `backfill: send ${bigCount.toLocaleString('en-US')} events @${latencyMs} ms`,
        unit: 'ev/s',
        figure: bigEventsPerSecond,
        floor: poolEventsPerSecond,
        floorName: poolName,
        goal: { atLeast: 0.86 },
      });
      rows.push({
        name: `backfill: peak RSS of send`,
        unit: 'MB',
        figure: bigRun.peakRssMb,
        floor: smallRun.peakRssMb,
        floorName: `send ${smallCount.toLocaleString('en-US')} events`,
        goal: { atMost: 1.5 },
      });
      rows.push({
        name: 're-send of the same backfill: throughput',
        unit: 'ev/s',
        figure: bigCount / again.seconds,
        floor: bigEventsPerSecond,
        floorName: 'first send',
      });
      checks.push(`backfill: ${bigCount} events in ${bigRun.seconds.toFixed(1)} s, exit ${bigRun.code}, fake stored ${bigRun.stored}: ${bigRun.summary}`);
      checks.push(
        `backfill goals: ${Math.round(bigEventsPerSecond)} ev/s (>= 2,500: ${bigEventsPerSecond >= 2500 ? 'PASS' : 'MISS'}), peak RSS ${bigRun.peakRssMb.toFixed(0)} MB (<= 250: ${bigRun.peakRssMb <= 250 ? 'PASS' : 'MISS'})`,
      );
      checks.push(
        `backfill re-sent: ${again.seconds.toFixed(1)} s, exit ${again.code}, fake stored ${again.stored} (must be 0), peak RSS ${again.peakRssMb.toFixed(0)} MB: ${again.summary}`,
      );
    } finally {
      await fake.close();
    }
  } finally {
    scratch.remove();
  }
}

if (runs('serve')) {
  rows.push(...(await serveIntakeRows(checks)));
  rows.push(...(await serveDeliveryRows(checks)));
}

const rssFloor = 'events loaded + floor transform';
if (peakRssThroughOursMb !== undefined) {
  rows.push({
    name: 'peak RSS through our transform + delivery',
    unit: 'MB',
    figure: peakRssThroughOursMb,
    floor: baselineRssMb,
    floorName: rssFloor,
    goal: { atMost: 2 },
  });
}
rows.push({ name: 'peak RSS of the whole run', unit: 'MB', figure: process.resourceUsage().maxRSS / 1024, floor: baselineRssMb, floorName: rssFloor });

console.log(
  `openpanel-destination bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, concurrency ${concurrency}, ${mainEvents.length} events per measurement`,
);
// Other processes on the machine skew every figure: say how busy it was.
console.log(`load average at start ${loadAtStart.toFixed(2)}, at end ${(loadavg()[0] ?? 0).toFixed(2)}\n`);
console.log(formatTable(rows));
console.log(`\nchecks:\n${checks.map((c) => `  ${c}`).join('\n')}`);
console.log(`\ntotal ${((performance.now() - runStart) / 1000).toFixed(1)} s`);
