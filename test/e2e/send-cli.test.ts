import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BATCH_SIZE } from '../../src/entry/cli/send-command.js';
import { paceAheadEvents } from '../../src/entry/library/destination.js';
import { generateEvents } from '../support/event-stream.js';
import { expectedOf, perProfile, sortedBodies } from '../support/expected-requests.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { bin, workWithInput } from '../support/cli.js';

/**
 * The "done when", as a user runs it: `send` of a few thousand events through an OpenPanel that fails
 * one request in five, then a wrong secret, dead letters and `replay`. Runs the built CLI (`pretest` builds it).
 */
// Each case runs the real CLI over thousands of events, some with real retry waits: allow for a loaded machine.
jest.setTimeout(90_000);
const run = promisify(execFile);
const events = generateEvents({ users: 150, eventsPerUser: 20, seed: 42 });
const { work, input } = workWithInput('op-send-', events);

async function cli(args: string[], config: object): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args, '--config', file], { env: { PATH: process.env.PATH ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const expectedFor = (clientId: string, clientSecret: string) => expectedOf(events, clientId, clientSecret);

describe('send through a flaky OpenPanel', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ failRate: 0.2, seed: 7, retryAfterSeconds: 1 });
  });
  afterAll(() => fake.close());

  it('stores every event exactly once, in each user order, with its groups, and exits 0', async () => {
    const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, backoffBaseMs: 5, backoffMaxMs: 200 };
    const { code, stdout, stderr } = await cli(['send', '--input', input, '--data-dir', join(work, 'flaky')], config);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

    const expected = await expectedFor(fake.clientId, fake.clientSecret);
    const stored = fake.requests.map((r) => r.body);
    expect(fake.stats.injectedFailures).toBeGreaterThan(expected.bodies.length / 10);
    expect(sortedBodies(stored)).toEqual(sortedBodies(expected.bodies));
    expect(perProfile(stored)).toEqual(perProfile(expected.bodies));
    const tracksWithGroups = stored.filter((b) => b.type === 'track' && b.payload.groups !== undefined).length;
    expect(tracksWithGroups).toBeGreaterThan(events.length / 4);

    expect(stdout).toMatch(new RegExp(`^delivered ${expected.delivered}, skipped ${expected.skipped}, rejected 0, dead-lettered 0`));
    expect(stdout).not.toContain(fake.clientSecret);
  });

  it('sending the same file again delivers nothing twice', async () => {
    fake.reset();
    const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, backoffBaseMs: 5, backoffMaxMs: 200 };
    const { code, stdout } = await cli(['send', '--input', input, '--data-dir', join(work, 'flaky')], config);
    expect(code).toBe(0);
    expect(fake.requests).toEqual([]);
    // Every event skipped: those the first run delivered are said to be, the rest were skipped then too (no requests).
    const skipped = /^delivered 0, skipped (\d+) \((\d+) already delivered or queued\), rejected 0, dead-lettered 0/.exec(stdout);
    const { delivered, skipped: skippedFirst } = await expectedFor(fake.clientId, fake.clientSecret);
    expect([Number(skipped?.[1]), Number(skipped?.[2])]).toEqual([delivered + skippedFirst, delivered]);
  });
});

describe('input and data dir mistakes', () => {
  const config = { clientId: '2c9d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f', clientSecret: 'sec_mistakes', apiUrl: 'http://127.0.0.1:9' };

  it.each([
    ['send', 'a missing file', () => join(work, 'nope.ndjson'), 'no such file'],
    ['transform', 'a missing file', () => join(work, 'nope.ndjson'), 'no such file'],
    ['send', 'a directory', () => work, 'it is a directory'],
  ])('%s --input with %s: one line, exit 2, nothing created', async (command, _case, path, why) => {
    const dataDir = join(work, `never-${command}`);
    const { code, stdout, stderr } = await cli([command, '--input', path(), ...(command === 'send' ? ['--data-dir', dataDir] : [])], config);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `--input ${path()}: cannot be read (${why})\n` });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('replay on a data dir that does not exist says so, exit 2, and creates nothing', async () => {
    const dataDir = join(work, 'typo-dir');
    const { code, stdout, stderr } = await cli(['replay', '--data-dir', dataDir], config);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(`replay: --data-dir ${dataDir} does not exist: no dead letters there (send and serve create it)\n`);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('send with a wrong secret, then with the right one', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
  });
  afterAll(() => fake.close());

  it('stops at the first 401 with one line and exit 3, keeping the events queued; the same send with the fixed secret delivers them in order', async () => {
    const dataDir = join(work, 'wrong-secret');
    const base = { clientId: fake.clientId, apiUrl: fake.url, backoffBaseMs: 5 };
    const wrong = await cli(['send', '--input', input, '--data-dir', dataDir], { ...base, clientSecret: 'sec_wrong_value_123' });
    expect(wrong.code).toBe(3);
    expect(fake.requests).toEqual([]);
    // The flood stops: at most the requests already in flight when the first 401 came back were refused.
    expect(fake.stats.rejected).toBeLessThanOrEqual(64);
    expect(wrong.stdout).toMatch(/^delivered 0, skipped \d+, rejected 0, dead-lettered 0\n$/);
    const lines = wrong.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^OpenPanel refused the credentials \(HTTP 401: .*\): check clientId and clientSecret; delivery stopped, \d+ events kept queued in .*wrong-secret: fix the credentials, then run the same send again/,
      ),
    ]);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('sec_wrong_value_123');

    const fixed = await cli(['send', '--input', input, '--data-dir', dataDir], { ...base, clientSecret: fake.clientSecret });
    expect(fixed).toMatchObject({ code: 0, stderr: expect.stringMatching(/^\(\d+ of these events were queued by an earlier run\)\n$/) });
    const expected = await expectedFor(fake.clientId, fake.clientSecret);
    expect(sortedBodies(fake.requests.map((r) => r.body))).toEqual(sortedBodies(expected.bodies));
    expect(perProfile(fake.requests.map((r) => r.body))).toEqual(perProfile(expected.bodies));
    expect(await cli(['replay', '--data-dir', dataDir], { ...base, clientSecret: fake.clientSecret })).toMatchObject({
      code: 0,
      stdout: 'replayed 0 dead letters: delivered 0, still failing 0\n',
    });
  });
});

describe('send interrupted with Ctrl-C', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 100 });
  });
  afterAll(() => fake.close());

  it('stops reading, lets requests on the wire finish, keeps the rest queued and exits 130; the same send delivers the rest, nothing twice', async () => {
    const dataDir = join(work, 'interrupted');
    const file = join(work, 'config-interrupt.json');
    writeFileSync(file, JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 4 }));
    const child = execFile(process.execPath, [bin, 'send', '--input', input, '--data-dir', dataDir, '--config', file], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Interrupt once delivery is under way (the CLI has installed its handler by then).
    while (fake.requests.length < 100) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const [, delivered, skipped, rejected, dead] = /delivered (\d+), skipped (\d+), rejected (\d+), dead-lettered (\d+)/.exec(stdout)!.map(Number);
    expect({ rejected, dead }).toEqual({ rejected: 0, dead: 0 });
    expect(delivered).toBeGreaterThan(0);
    expect(delivered! + skipped!).toBeLessThan(events.length);
    expect(stderr).toMatch(/interrupted \(SIGINT\): \d+ events kept queued in .*interrupted; run the same send again/);
    // Paced by delivery: at most paceAheadEvents and the batch in hand were committed, the rest waited in the input.
    const kept = Number(/(\d+) events kept queued/.exec(stderr)![1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(paceAheadEvents({ concurrency: 4 }) + BATCH_SIZE);

    const stored = fake.requests.length;
    const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url };
    fake.reset();
    const rerun = await cli(['send', '--input', input, '--data-dir', dataDir], config);
    expect(rerun.code).toBe(0);
    const expected = await expectedFor(fake.clientId, fake.clientSecret);
    // Requests on the wire were let finish: nothing is sent twice.
    expect(stored + fake.requests.length).toBe(expected.bodies.length);
  });
});

describe('send while OpenPanel is down', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
  });
  afterAll(() => fake.close());

  it('says on stderr (piped) what fails and how many events wait, then delivers everything once OpenPanel is back', async () => {
    fake.outage('503');
    // One request probes the outage every outageProbeMs: short here, so the 100 failures come quickly.
    const config = { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, backoffBaseMs: 50, backoffMaxMs: 500, outageProbeMs: 20 };
    const running = cli(['send', '--input', input, '--data-dir', join(work, 'outage')], config);
    // The first wave fails, then one request probes every outageProbeMs (README: Outages).
    while (fake.stats.injectedFailures < 10) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    fake.outage(undefined);
    const { code, stdout, stderr } = await running;
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^OpenPanel is not accepting requests \(HTTP 503\): \d+ events queued, retrying with backoff for up to 240 min; Ctrl-C keeps them queued for the next run$/m,
    );
    expect(stdout).toMatch(/dead-lettered 0/);
    const expected = await expectedFor(fake.clientId, fake.clientSecret);
    expect(sortedBodies(fake.requests.map((r) => r.body))).toEqual(sortedBodies(expected.bodies));
  });
});

describe('send interrupted twice', () => {
  let slow: FakeOpenPanel;
  let fast: FakeOpenPanel;
  beforeAll(async () => {
    [slow, fast] = await Promise.all([startFakeOpenPanel({ latencyMs: 1_000 }), startFakeOpenPanel()]);
  });
  afterAll(() => Promise.all([slow.close(), fast.close()]));

  it('a second Ctrl-C stops waiting for the requests on the wire, which stay queued; the same send delivers everything', async () => {
    const dataDir = join(work, 'twice');
    const small = join(work, 'small.ndjson');
    writeFileSync(
      small,
      events
        .slice(0, 300)
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const file = join(work, 'config-twice.json');
    writeFileSync(file, JSON.stringify({ clientId: slow.clientId, clientSecret: slow.clientSecret, apiUrl: slow.url, concurrency: 8 }));
    const child = execFile(process.execPath, [bin, 'send', '--input', small, '--data-dir', dataDir, '--config', file], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (slow.stats.received < 8) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const secondAt = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    // It did not wait out the 1 s answers still on the wire.
    expect(Date.now() - secondAt).toBeLessThan(900);
    expect(stderr).toMatch(/interrupted \(SIGINT\): \d+ events kept queued/);
    // OpenPanel stores a request it has read even when the client hangs up before the answer.
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const rerun = await cli(['send', '--input', small, '--data-dir', dataDir], { clientId: fast.clientId, clientSecret: fast.clientSecret, apiUrl: fast.url });
    expect(rerun.code).toBe(0);
    const want = (await expectedOf(events.slice(0, 300), fast.clientId, fast.clientSecret)).bodies.length;
    // The cut requests are the only ones that can be sent twice.
    const stored = slow.requests.length + fast.requests.length;
    expect(stored).toBeGreaterThanOrEqual(want);
    expect(stored).toBeLessThanOrEqual(want + 8);
  });
});
