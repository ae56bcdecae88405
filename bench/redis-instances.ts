import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { DestinationConfigInput } from '../src/index.js';
import { startFakeOpenPanelProcess, type FakeOpenPanelProcess } from '../test/support/fake-openpanel-process.js';
import { postBatch, startServe, writeConfig } from '../scripts/serve-process.js';
import { startInstance } from '../test/support/redis-instance.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../test/support/redis.js';
import { formatTable, type Row } from './table.js';

/**
 * `npm run bench:redis`: delivery throughput of 1 and 3 instances sharing Redis, and of the SQLite backend,
 * against a fake OpenPanel answering after 20 ms (in its own process). Each instance is a process that commits
 * the batches it is handed and delivers from the shared outbox: a library process (handed batches over IPC) or
 * the built CLI's `serve` (batches POSTed to /v1/batch); the clock runs from the first batch until OpenPanel
 * has stored every request. Floor: concurrency x instances / latency, what the wire allows.
 */
const latencyMs = 20;
const concurrency = 64;
const users = 400;
const tracksPerUser = 19;
const batchSize = 500;

function stream(): unknown[] {
  const events: unknown[] = [];
  const t0 = Date.parse('2026-01-05T10:00:00.000Z');
  for (let u = 0; u < users; u++)
    events.push({
      type: 'group',
      messageId: `g-${u}`,
      userId: `u-${u}`,
      groupId: `org-${u}`,
      traits: { name: `Org ${u}` },
      timestamp: new Date(t0).toISOString(),
    });
  for (let i = 0; i < tracksPerUser; i++) {
    for (let u = 0; u < users; u++)
      events.push({
        type: 'track',
        messageId: `t-${u}-${i}`,
        userId: `u-${u}`,
        event: 'Step',
        properties: { i },
        timestamp: new Date(t0 + 1000 + i).toISOString(),
      });
  }
  return events;
}
// Per user: the group's upsert, the assign_group, the tracks.
const expectedRequests = users * (2 + tracksPerUser);
const writeKey = 'wk_bench_instances';

/** One process taking batches (committed before it answers) and delivering from the outbox. */
interface Runner {
  pid: number;
  accept(batch: unknown[]): Promise<unknown>;
  close(): Promise<unknown>;
}

/** The built CLI's `serve` on its own data dir, fed over /v1/batch. */
async function startServeRunner(config: DestinationConfigInput, dir: string): Promise<Runner> {
  const serve = await startServe([
    '--config',
    writeConfig({ ...config, writeKey }, dir),
    '--host',
    '127.0.0.1',
    '--data-dir',
    mkdtempSync(join(dir, 'serve-')),
  ]);
  return {
    pid: serve.child.pid!,
    async accept(batch) {
      const response = await postBatch(serve.url, writeKey, batch);
      if (!response.ok) throw new Error(`serve answered ${response.status}: ${await response.text()}`);
    },
    close: () => serve.stop(),
  };
}

async function redisCpuSeconds(): Promise<number> {
  const client = new Redis(testRedisUrl);
  const info = await client.info('cpu');
  client.disconnect();
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function run(
  fake: FakeOpenPanelProcess,
  name: string,
  instances: number,
  store: 'sqlite' | 'redis',
  kind: 'library' | 'serve',
): Promise<{ seconds: number; intakeSeconds: number; redisCpu: number; instancesCpu: number }> {
  await fake.reset();
  const prefix = testPrefix('bench');
  const dir = mkdtempSync(join(tmpdir(), 'opd-bench-'));
  const config: DestinationConfigInput = {
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    apiUrl: fake.url,
    concurrency,
    ...(store === 'redis' ? { store: { type: 'redis', url: testRedisUrl, prefix } } : {}),
  };
  const start = (): Promise<Runner> => (kind === 'serve' ? startServeRunner(config, dir) : startInstance(config, store === 'sqlite' ? { dataDir: dir } : {}));
  const started = await Promise.all(Array.from({ length: instances }, start));
  try {
    const events = stream();
    const batches: unknown[][] = [];
    for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
    const cpuBefore = await redisCpuSeconds();
    const instancesCpuBefore = started.reduce((sum, instance) => sum + cpuSecondsOf(instance.pid), 0);
    const t0 = performance.now();
    // Each instance takes every n-th batch; its own batches commit one after another.
    await Promise.all(
      started.map(async (instance, n) => {
        for (let b = n; b < batches.length; b += instances) await instance.accept(batches[b]!);
      }),
    );
    const intakeSeconds = (performance.now() - t0) / 1000;
    while ((await fake.stats()).stored < expectedRequests) await sleep(20);
    const seconds = (performance.now() - t0) / 1000;
    const redisCpu = (await redisCpuSeconds()) - cpuBefore;
    const instancesCpu = started.reduce((sum, instance) => sum + cpuSecondsOf(instance.pid), 0) - instancesCpuBefore;
    const stored = (await fake.stats()).stored;
    console.log(
      `${name}: ${stored} of ${expectedRequests} requests stored in ${seconds.toFixed(2)} s (all accepted after ${intakeSeconds.toFixed(2)} s); CPU: instances ${instancesCpu.toFixed(2)} s, Redis ${redisCpu.toFixed(2)} s`,
    );
    return { seconds, intakeSeconds, redisCpu, instancesCpu };
  } finally {
    await Promise.all(started.map((instance) => instance.close()));
    rmSync(dir, { recursive: true, force: true });
    if (store === 'redis') await deleteKeys(prefix);
  }
}

const fake = await startFakeOpenPanelProcess({ latencyMs });
const rows: Row[] = [];
try {
  const events = users * (1 + tracksPerUser);
  for (const [name, instances, store, kind] of [
    ['sqlite, 1 instance', 1, 'sqlite', 'library'],
    ['redis, 1 instance', 1, 'redis', 'library'],
    ['redis, 3 instances', 3, 'redis', 'library'],
    ['redis, 1 serve', 1, 'redis', 'serve'],
    ['redis, 3 serves', 3, 'redis', 'serve'],
  ] as const) {
    const { seconds, redisCpu, instancesCpu } = await run(fake, name, instances, store, kind);
    const ideal = (instances * concurrency) / (latencyMs / 1000);
    // CPU per request: what bounds throughput on a busy machine, and what a Redis core can carry.
    rows.push({
      name: `${name}: instances' CPU per request`,
      unit: 'µs',
      figure: (instancesCpu * 1e6) / expectedRequests,
      floor: 1e6 / ideal,
      floorName: 'wall time per request at the floor',
    });
    if (store === 'redis')
      rows.push({
        name: `${name}: Redis CPU per request`,
        unit: 'µs',
        figure: (redisCpu * 1e6) / expectedRequests,
        floor: 1e6 / ideal,
        floorName: 'wall time per request at the floor',
      });
    rows.push({ name: `${name}: requests/s`, unit: 'req/s', figure: expectedRequests / seconds, floor: ideal, floorName: 'concurrency x instances / latency' });
    rows.push({ name: `${name}: events/s`, unit: 'ev/s', figure: events / seconds, floor: ideal, floorName: 'concurrency x instances / latency' });
  }
} finally {
  await fake.close();
}
console.log(formatTable(rows));
