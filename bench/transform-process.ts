import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeClientId } from '../test/support/fake-openpanel.js';
import type { Row } from './table.js';

/**
 * `transform` as a user runs it, the whole process (start, read, transform, write to a pipe), against the floor
 * run the same way: `node bench/transform-floor.mjs` (parse + remap + stringify of the same lines). Best of
 * `rounds` each, alternating: other processes on a shared machine only ever slow a run down.
 */
const bin = fileURLToPath(new URL('../bin/openpanel-destination', import.meta.url));
const floorScript = fileURLToPath(new URL('./transform-floor.mjs', import.meta.url));

/** Seconds from spawn to exit, stdout drained (counted, not kept). */
async function timed(args: string[]): Promise<{ seconds: number; bytes: number; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const [code] = (await once(child, 'close')) as [number | null];
  return { seconds: (performance.now() - started) / 1000, bytes, code };
}

export async function transformProcessRow(dir: string, input: string, events: number, checks: string[], rounds = 3): Promise<Row> {
  const config = join(dir, 'transform-config.json');
  // transform sends nothing; a local apiUrl keeps any mistake off the network
  writeFileSync(config, JSON.stringify({ clientId: fakeClientId, clientSecret: 'bench-secret', apiUrl: 'http://127.0.0.1:9' }));
  let ours: Awaited<ReturnType<typeof timed>> | undefined;
  let floor: Awaited<ReturnType<typeof timed>> | undefined;
  const all: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const o = await timed([bin, 'transform', '--input', input, '--config', config]);
    const f = await timed([floorScript, input]);
    all.push(`${o.seconds.toFixed(2)}/${f.seconds.toFixed(2)}`);
    if (!ours || o.seconds < ours.seconds) ours = o;
    if (!floor || f.seconds < floor.seconds) floor = f;
  }
  checks.push(
    `transform process: ${events} events, exit ${ours!.code}, ${(ours!.bytes / 1e6).toFixed(0)} MB out (floor ${(floor!.bytes / 1e6).toFixed(0)} MB); ours/floor seconds per round ${all.join(', ')}`,
  );
  return {
    name: `transform of ${events.toLocaleString('en-US')} events (whole process)`,
    unit: 'ev/s',
    figure: events / ours!.seconds,
    floor: events / floor!.seconds,
    floorName: 'JSON parse + remap + stringify process',
    goal: { atLeast: 0.5 },
  };
}
