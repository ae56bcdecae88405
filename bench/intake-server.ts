/**
 * A child process for the intake bench: `serve`'s server (real intake, delivering to the fake OpenPanel at the
 * given URL); `paused`, the same with delivery paused from the first answer on (OpenPanel refuses the secret), so
 * the intake has the thread to itself; `routes`, the same server over an intake that takes events without
 * transforming or queuing them (what the HTTP layer costs: auth, limits, body checks); the floor, a Fastify route
 * that only parses and answers; or `durable`, that route committing each event's JSON text to a SQLite file set as
 * the state file is, before it answers (what durability alone costs: no transform, no requests, no membership, no
 * delivery).
 * Reports its URL over IPC, answers `usage` with its CPU time and peak RSS, exits when the parent disconnects.
 */
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Intake } from '../src/entry/server/intake.js';
import { openStateDb } from '../src/state/sqlite/db.js';

export type IntakeServerMode = 'ours' | 'paused' | 'routes' | 'floor' | 'durable';
export const benchWriteKey = 'wk_bench';

/** Takes every event and does nothing with it: isolates the HTTP layer's cost. */
const takeAll: Intake = {
  accept: async (events) => events.map((_, index) => ({ index, status: 'accepted' })),
  health: () => ({ healthy: true, status: 'ok', ready: true }),
  stats: async () => ({ queuedEvents: 0, queuedRequests: 0, deadLetters: 0 }),
  replay: async () => ({ delivered: 0, failed: 0 }),
  deadLetters: { add: async () => '', list: async () => [], get: async () => undefined, remove: async () => 0, count: async () => 0 },
};

/**
 * A module of serve as users run it, built (`npm run build` first), typed by its source. Run from the sources,
 * tsx compiled serve's modules and its sender thread's while the first batches came in: the thread was ready
 * ~0.8 s after its start, against ~0.3 s built, and nothing was delivered meanwhile (README, Performance).
 */
const built = async <M>(path: string): Promise<M> => (await import(new URL(`../dist/${path}`, import.meta.url).href)) as M;

async function listenOurs(apiUrl: string, mode: Exclude<IntakeServerMode, 'floor' | 'durable'>): Promise<AddressInfo> {
  const [{ configSchema }, { buildServer }, { createDestination }, { createMetrics }] = await Promise.all([
    built<typeof import('../src/config/schema.js')>('config/schema.js'),
    built<typeof import('../src/entry/server/app.js')>('entry/server/app.js'),
    built<typeof import('../src/entry/library/destination.js')>('entry/library/destination.js'),
    built<typeof import('../src/entry/server/metrics.js')>('entry/server/metrics.js'),
  ]);
  // The bench measures intake, not backpressure: the queue bound is out of the way.
  const config = configSchema.parse({
    clientId: '5f0c8b9e-2d4a-4c1e-9b7a-3e6f1d2c4a80',
    clientSecret: mode === 'paused' ? 'sec_refused' : 'sec_fake_openpanel_secret',
    apiUrl,
    writeKey: benchWriteKey,
    maxQueuedEvents: 10_000_000,
  });
  const metrics = createMetrics(() => intake.stats());
  // Committed as serve commits: to the SQLite outbox in a data dir (removed with the OS temp folder).
  const intake: Intake =
    mode !== 'routes' ? createDestination(config, { dataDir: mkdtempSync(join(tmpdir(), 'bench-intake-')), observer: metrics.observer }) : takeAll;
  const { app } = buildServer({ config, intake, metrics, logger: pino({ level: 'warn' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address() as AddressInfo;
}

async function listenFloor(durable: boolean): Promise<AddressInfo> {
  const app = Fastify({ bodyLimit: 500 * 1024 });
  if (durable) {
    // The state file's own settings (src/state/sqlite/db.ts): WAL, synchronous NORMAL, exclusive.
    const db = openStateDb(mkdtempSync(join(tmpdir(), 'bench-durable-')));
    db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, event TEXT NOT NULL)');
    const insert = db.prepare<[string]>('INSERT INTO events (event) VALUES (?)');
    const commit = db.transaction((events: unknown[]) => {
      for (const event of events) insert.run(JSON.stringify(event));
    });
    app.post('/v1/batch', async (request) => {
      commit((request.body as { batch: unknown[] }).batch);
      return { success: true };
    });
  } else app.post('/v1/batch', async () => ({ success: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address() as AddressInfo;
}

// Only as the forked child: the parent imports this file for its exports, and a server started on import
// would keep the parent's event loop alive after its table is printed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, apiUrl] = process.argv.slice(2) as [IntakeServerMode, string];
  const address = mode === 'floor' || mode === 'durable' ? await listenFloor(mode === 'durable') : await listenOurs(apiUrl, mode);
  process.on('message', (message: string) => {
    if (message !== 'usage') return;
    const cpu = process.cpuUsage();
    process.send?.({ cpuMicros: cpu.user + cpu.system, maxRssMb: process.resourceUsage().maxRSS / 1024 });
  });
  process.once('disconnect', () => process.exit(0));
  process.send?.({ url: `http://127.0.0.1:${address.port}` });
}
