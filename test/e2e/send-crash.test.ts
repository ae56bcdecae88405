import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDestination } from '../../src/entry/library/destination.js';
import type { OpenPanelBody } from '../../src/openpanel/contract.js';
import { generateEvents } from '../support/event-stream.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { foldGroups } from '../support/openpanel-groups.js';
import { bin } from '../support/cli.js';
import { doublesBoundPerKill } from '../support/doubles-bound.js';

/**
 * The crash semantics with the built CLI: `send` killed with -9 or SIGTERM at several points, then the
 * same `send` again. Afterwards OpenPanel holds every expected request once (a kill -9 may double at most the
 * requests handed to the sender and the answers not yet written: docs/outbox.md "Delivery"), assignments
 * included, each user's requests in order, and each group as OpenPanel's merge rule folds the upserts that
 * arrived equals the fold of every upsert the input makes (upserts superseded while queued arrive merged into
 * their successor).
 */
jest.setTimeout(120_000);
const concurrency = 8;
const work = mkdtempSync(join(tmpdir(), 'op-crash-'));

/** A mixed stream in which every group call changes its group's traits, so upserts supersede one another. */
function eventsWithChangingGroups(): Array<Record<string, unknown>> {
  const revisions = new Map<string, number>();
  return generateEvents({ users: 70, eventsPerUser: 20, seed: 11 }).map((event) => {
    const e = event as Record<string, unknown>;
    if (e['type'] !== 'group') return e;
    const id = String(e['groupId']);
    const revision = (revisions.get(id) ?? 0) + 1;
    revisions.set(id, revision);
    return { ...e, traits: { ...(e['traits'] as object), revision } };
  });
}
const events = eventsWithChangingGroups();
const input = join(work, 'events.ndjson');
writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n'));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `send`; `interrupt` (if given) runs once `when()` holds, while the process runs. */
function send(dataDir: string, configFile: string, interrupt?: { when: () => boolean; signal: NodeJS.Signals }): Promise<Run> {
  const child = spawn(process.execPath, [bin, 'send', '--input', input, '--data-dir', dataDir, '--config', configFile], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Run>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  if (interrupt) {
    const poll = setInterval(() => {
      if (!interrupt.when() || child.exitCode !== null) return;
      clearInterval(poll);
      child.kill(interrupt.signal);
    }, 5);
    void exited.then(() => clearInterval(poll));
  }
  return exited;
}

const key = (body: OpenPanelBody): string => JSON.stringify(body);

/** What OpenPanel must end up with, from a dry run of the whole input. */
async function expected(clientId: string, clientSecret: string): Promise<OpenPanelBody[]> {
  const destination = createDestination({ clientId, clientSecret });
  const results = await destination.transform(events);
  await destination.close();
  return results.flatMap((r) => (r.status === 'ok' ? r.requests.map((request) => request.body) : []));
}

function multiset(bodies: OpenPanelBody[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of bodies) counts.set(key(body), (counts.get(key(body)) ?? 0) + 1);
  return counts;
}

/** Per profile, the bodies in stored order with repeats (a re-sent request) dropped. */
function lanes(bodies: OpenPanelBody[]): Map<string, string[]> {
  const byLane = new Map<string, string[]>();
  for (const body of bodies) {
    const lane = 'profileId' in body.payload && body.payload.profileId !== undefined ? `user:${body.payload.profileId}` : undefined;
    if (lane === undefined) continue;
    const list = byLane.get(lane) ?? [];
    if (!list.includes(key(body))) list.push(key(body));
    byLane.set(lane, list);
  }
  return byLane;
}

/** Checks the stored requests against the expected ones; returns how many were stored twice. */
function check(stored: OpenPanelBody[], want: OpenPanelBody[]): number {
  const [wantUpserts, wantOthers] = [want.filter((b) => b.type === 'group'), want.filter((b) => b.type !== 'group')];
  const [gotUpserts, gotOthers] = [stored.filter((b) => b.type === 'group'), stored.filter((b) => b.type !== 'group')];
  // Everything but upserts: each expected request stored, nothing unexpected; repeats counted.
  const wantCounts = multiset(wantOthers);
  const gotCounts = multiset(gotOthers);
  let doubled = 0;
  for (const [body, n] of wantCounts) {
    expect({ body, stored: Math.min(gotCounts.get(body) ?? 0, n) }).toEqual({ body, stored: n });
    doubled += Math.max(0, (gotCounts.get(body) ?? 0) - n);
  }
  for (const body of gotCounts.keys()) expect(wantCounts.has(body) ? body : `unexpected ${body}`).toBe(body);
  // Upserts: each group as OpenPanel folds what arrived, in arrival order, is the fold of every expected upsert.
  expect(foldGroups(gotUpserts)).toEqual(foldGroups(wantUpserts));
  // Per-user order, repeats aside.
  const wantUsers = lanes(wantOthers);
  for (const [user, bodies] of lanes(gotOthers)) expect({ user, bodies }).toEqual({ user, bodies: wantUsers.get(user) });
  return doubled;
}

describe('send killed and run again', () => {
  let fake: FakeOpenPanel;
  let configFile: string;
  let want: OpenPanelBody[];
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 3 });
    configFile = join(work, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency, backoffBaseMs: 5, backoffMaxMs: 100 }),
    );
    want = await expected(fake.clientId, fake.clientSecret);
    expect(want.filter((b) => b.type === 'group').length).toBeGreaterThan(70);
  });
  afterAll(() => fake.close());

  it.each([
    ['kill -9 early', [{ at: 20, signal: 'SIGKILL' as const }]],
    [
      'kill -9 mid-stream, twice',
      [
        { at: 0.3, signal: 'SIGKILL' as const },
        { at: 0.7, signal: 'SIGKILL' as const },
      ],
    ],
    ['SIGTERM mid-stream', [{ at: 0.5, signal: 'SIGTERM' as const }]],
    [
      'SIGTERM, then kill -9',
      [
        { at: 0.2, signal: 'SIGTERM' as const },
        { at: 0.6, signal: 'SIGKILL' as const },
      ],
    ],
  ])('%s: every request stored once (kill -9: at most the in-flight doubled), in order, every group as the input made it', async (_label, kills) => {
    fake.reset();
    const dataDir = join(work, `data-${Math.random().toString(36).slice(2)}`);
    let kill9s = 0;
    for (const { at, signal } of kills) {
      // `at` below 1 is a share of the expected requests, else a count.
      const threshold = at < 1 ? Math.floor(at * want.length) : at;
      const run = await send(dataDir, configFile, { when: () => fake.requests.length >= threshold, signal });
      if (signal === 'SIGKILL') {
        expect(run.signal).toBe('SIGKILL');
        kill9s++;
      } else {
        expect(run.code).toBe(143);
        expect(run.stdout).toMatch(/^delivered \d+, skipped \d+( \(\d+ already delivered or queued\))?, rejected 0, dead-lettered 0/);
        expect(run.stderr).toMatch(/interrupted \(SIGTERM\): \d+ events kept queued in .*; run the same send again/);
      }
    }
    const last = await send(dataDir, configFile);
    expect({ code: last.code, stderr: last.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/dead-lettered|Error/) });
    const doubled = check(
      fake.requests.map((r) => r.body),
      want,
    );
    // Per kill -9: the requests handed to the sender, and the answers not yet written (docs/outbox.md, Delivery).
    expect(doubled).toBeLessThanOrEqual(kill9s * doublesBoundPerKill(concurrency));
    // A run after everything is delivered sends nothing.
    const stored = fake.requests.length;
    const again = await send(dataDir, configFile);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^delivered 0, skipped \d+ \(\d+ already delivered or queued\), rejected 0, dead-lettered 0/);
    expect(fake.requests.length).toBe(stored);
    process.stdout.write(`${_label}: ${want.length} expected requests, stored ${stored}, doubled ${doubled}\n`);
  });
});
