import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { bin, workWithInput } from '../support/cli.js';

/**
 * A data dir `send` cannot use ends with one line naming the path, the cause and what to do, and an exit code
 * of its own (README "Exit codes"), before anything is sent.
 */
jest.setTimeout(60_000);
const run = promisify(execFile);
const { work, input } = workWithInput(
  'op-state-',
  Array.from({ length: 400 }, (_, i) => ({ type: 'track', messageId: `m${i}`, userId: `u${i % 20}`, event: 'Tick' })),
);
const env = { PATH: process.env.PATH ?? '' };

describe('send on a data dir it cannot use', () => {
  let fake: FakeOpenPanel;
  let config: string;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 20 });
    config = join(work, 'config.json');
    writeFileSync(config, JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 2 }));
  });
  afterAll(() => fake.close());

  async function send(dataDir: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, 'send', '--input', input, '--data-dir', dataDir, '--config', config, ...extra], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  }

  const cases: Array<[string, () => string, number, RegExp]> = [
    [
      'a data dir that is a file',
      () => (writeFileSync(join(work, 'a-file'), 'x'), join(work, 'a-file')),
      4,
      /a-file: cannot create the data dir: a file of that name is in the way \(EEXIST\): move it aside or pass another --data-dir$/,
    ],
    [
      'a data dir under a file',
      () => (writeFileSync(join(work, 'a-file-2'), 'x'), join(work, 'a-file-2', 'data')),
      4,
      /data: cannot create the data dir: a part of the path is a file, not a directory \(ENOTDIR\): pass another --data-dir$/,
    ],
    [
      'a state file that is a folder',
      () => (mkdirSync(join(work, 'folder-state', 'state.sqlite'), { recursive: true }), join(work, 'folder-state')),
      4,
      /folder-state\/state\.sqlite: cannot be opened for writing \(SQLITE_CANTOPEN\): fix its permissions or pass another --data-dir$/,
    ],
    [
      'a corrupted state file',
      () => (
        mkdirSync(join(work, 'corrupt')),
        writeFileSync(join(work, 'corrupt', 'state.sqlite'), 'this is not a database '.repeat(400)),
        join(work, 'corrupt')
      ),
      5,
      /corrupt\/state\.sqlite: not a readable state database \(SQLITE_NOTADB\): move it aside \(events queued in it are lost\) and run again$/,
    ],
  ];
  if (process.getuid?.() !== 0) {
    cases.push([
      'a read-only data dir',
      () => (mkdirSync(join(work, 'read-only')), chmodSync(join(work, 'read-only'), 0o500), join(work, 'read-only')),
      4,
      /read-only: the data dir is not readable and writable: permission denied \(EACCES\)/,
    ]);
  }

  it.each(cases)('%s: one line naming path, cause and remedy, its own exit code, nothing sent', async (_label, makeDir, exitCode, line) => {
    fake.reset();
    const { code, stdout, stderr } = await send(makeDir());
    expect({ code, stdout }).toEqual({ code: exitCode, stdout: '' });
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(fake.stats.received).toBe(0);
  });

  it('a data dir in use by another send: the second waits --lock-timeout, then one line and exit 6; the first is unharmed', async () => {
    fake.reset();
    const dataDir = join(work, 'busy');
    const first = spawn(process.execPath, [bin, 'send', '--input', input, '--data-dir', dataDir, '--config', config], { env });
    let firstOut = '';
    first.stdout.on('data', (chunk: Buffer) => (firstOut += chunk.toString()));
    const firstExit = new Promise<number | null>((resolve) => first.on('exit', resolve));
    while (fake.requests.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await send(dataDir, '--lock-timeout', '300');
    expect(second.code).toBe(6);
    expect(second.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /busy\/state\.sqlite: in use by another openpanel-destination process \(waited 0.3 s\): let it finish or stop it, or pass another --data-dir$/,
      ),
    ]);
    expect(await firstExit).toBe(0);
    expect(firstOut).toMatch(/^delivered 400, skipped 0, rejected 0, dead-lettered 0/);
    expect(fake.requests).toHaveLength(400);
  });
});
