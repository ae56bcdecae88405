import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEvents } from '../test/support/event-stream.js';
import type { FakeOpenPanelProcess } from '../test/support/fake-openpanel-process.js';

/**
 * The built CLI's `send` on a large backfill, as a user runs it: wall time, peak RSS (VmHWM of the process,
 * sampled until it exits) and what the fake OpenPanel stored; then the same file again, which must send nothing.
 */
const bin = new URL('../bin/openpanel-destination', import.meta.url).pathname;
const USERS_PER_CHUNK = 1_000;
const EVENTS_PER_USER = 20;

/** NDJSON of about `events` events, written in chunks of distinct users so it never sits whole in memory. */
export async function writeBackfill(file: string, events: number): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  for (let seed = 1000; written < events; seed++) {
    const users = Math.min(USERS_PER_CHUNK, Math.ceil((events - written) / EVENTS_PER_USER));
    const lines = generateEvents({ users, eventsPerUser: EVENTS_PER_USER, seed })
      .map((e) => JSON.stringify(e))
      .join('\n');
    written += lines.split('\n').length;
    if (!out.write(`${lines}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}

function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface SendRun {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  summary: string;
  stored: number;
}

/** One `send` of `input` into `dataDir`; `stored` counts what the fake OpenPanel accepted during it. */
export async function sendRun(fake: FakeOpenPanelProcess, input: string, dataDir: string, concurrency: number): Promise<SendRun> {
  const config = join(dataDir, '..', 'bench-config.json');
  writeFileSync(config, JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency }));
  const before = (await fake.stats()).stored;
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'send', '--input', input, '--data-dir', dataDir, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  let summary = '';
  child.stdout.on('data', (chunk: Buffer) => (summary += chunk.toString()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 100);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  return { seconds: (performance.now() - started) / 1000, peakRssMb: peak, code, summary: summary.trim(), stored: (await fake.stats()).stored - before };
}

export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'op-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
