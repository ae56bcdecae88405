import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDestination } from '../../src/entry/library/destination.js';
import { EXIT_STATE_UNUSABLE } from '../../src/state/state-error.js';
import { generateEvents } from '../support/event-stream.js';
import { fakeClientId, fakeClientSecret, startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { bin, workWithInput } from '../support/cli.js';
import { doublesBoundPerKill } from '../support/doubles-bound.js';

/**
 * The state file fails in the middle of a `send` (the disk fills up): a real SQLite failure, provoked with the
 * shell's file-size limit (`ulimit -f`; SIGXFSZ ignored, so a write past it fails with EFBIG as on a full disk).
 * The run ends with one line naming the state file, the cause and what to do, exit 4; a re-run without the
 * limit delivers the rest, nothing lost. Runs the built CLI (`pretest` builds it).
 */
jest.setTimeout(90_000);
const events = generateEvents({ users: 100, eventsPerUser: 30, seed: 11 });
const { work, input } = workWithInput('op-state-failure-', events);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `send` under a file-size limit of `blocks` 512-byte blocks (dash's unit), or none. */
function send(args: string[], blocks?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const limit = blocks === undefined ? '' : `trap '' XFSZ; ulimit -f ${blocks}; `;
  const command = `${limit}exec "$0" "$@"`;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command, process.execPath, bin, 'send', ...args], { env: { PATH: process.env.PATH ?? '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('the state file fails mid-run', () => {
  let fake: FakeOpenPanel;
  let config: string;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 2 });
    config = join(work, 'config.json');
    writeFileSync(config, JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url }));
  });
  afterAll(() => fake.close());

  beforeEach(() => fake.reset());

  /** The run ends with one line naming the file, the cause and what to do, exit 4. */
  function expectStateFailure(run: { code: number; stderr: string }, dataDir: string): void {
    expect(run.code).toBe(EXIT_STATE_UNUSABLE);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${join(dataDir, 'state.sqlite')}: (the disk is full \\(SQLITE_FULL\\)|cannot be written any more \\(SQLITE_IOERR\\w*: the disk may be full or failing\\)): .*then run the same command again \\(what was committed is kept\\)$`,
        ),
      ),
    ]);
  }

  /**
   * A re-run without the limit: every request stored (none lost); twice at most those answered while the file
   * failed (handed to the sender: up to 2 × `concurrency`, plus the answers not yet written: docs/outbox.md
   * "Delivery"). Bodies are counted, as two events may make the same request.
   */
  async function expectRestDelivered(dataDir: string): Promise<void> {
    const again = await send(['--config', config, '--input', input, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    const stored = countBodies(fake.requests.map((r) => r.body));
    let lost = 0;
    let doubled = 0;
    for (const [body, n] of countBodies(await expectedBodies())) {
      const got = stored.get(body) ?? 0;
      lost += Math.max(0, n - got);
      doubled += Math.max(0, got - n);
    }
    expect({ lost, doubledAtMostHandedOver: doubled <= doublesBoundPerKill(64) }).toEqual({ lost: 0, doubledAtMostHandedOver: true });
  }

  it('while events are being committed: one line, exit 4; a re-run delivers the rest, nothing lost', async () => {
    const dataDir = join(work, 'intake');
    // 4 MB: the file opens and the first batches commit and go out, the rest of the run does not fit.
    expectStateFailure(await send(['--config', config, '--input', input, '--data-dir', dataDir], 8_000), dataDir);
    await expectRestDelivered(dataDir);
  });

  it('while delivery records what was sent: one line, exit 4; a re-run delivers the rest, nothing lost', async () => {
    const dataDir = join(work, 'delivery');
    // Everything queued first (OpenPanel refuses the credentials), so the failing run only writes settlements.
    const wrong = join(work, 'wrong-secret.json');
    writeFileSync(wrong, JSON.stringify({ clientId: fake.clientId, clientSecret: 'sec_wrong', apiUrl: fake.url }));
    expect((await send(['--config', wrong, '--input', input, '--data-dir', dataDir])).code).toBe(3);
    const emptyInput = join(work, 'empty.ndjson');
    writeFileSync(emptyInput, '');
    // The state file as it is, plus 200 KB of log for the deliveries' writes.
    const blocks = Math.ceil(statSync(join(dataDir, 'state.sqlite')).size / 512) + 400;
    expectStateFailure(await send(['--config', config, '--input', emptyInput, '--data-dir', dataDir], blocks), dataDir);
    // It failed mid-way: some delivered, not all.
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.length).toBeLessThan((await expectedBodies()).length);
    await expectRestDelivered(dataDir);
  });
});

/** Every request body the transform makes for the stream. */
async function expectedBodies(): Promise<unknown[]> {
  const destination = createDestination({ clientId: fakeClientId, clientSecret: fakeClientSecret });
  const results = await destination.transform(events);
  await destination.close();
  return results.flatMap((r) => (r.status === 'ok' ? r.requests.map((request) => request.body) : []));
}

function countBodies(bodies: unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of bodies) counts.set(JSON.stringify(body), (counts.get(JSON.stringify(body)) ?? 0) + 1);
  return counts;
}
