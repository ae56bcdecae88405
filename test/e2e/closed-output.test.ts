import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEvents } from '../support/event-stream.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { bin, workWithInput } from '../support/cli.js';

/**
 * The built CLI (`pretest` builds it) writing into a reader that goes away early, as `… | head -1` does: the
 * command ends quietly with exit 0, never an EPIPE stack trace.
 */
jest.setTimeout(60_000);
const events = generateEvents({ users: 50, eventsPerUser: 40, seed: 3 });
const { work, input } = workWithInput('op-closed-', events);

/** Runs the CLI, reads stdout until `keep` characters arrived (0: none), then closes the pipe as `head` does. */
function closeEarly(args: string[], keep: number): Promise<{ code: number | null; signal: string | null; head: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let head = '';
    let stderr = '';
    const close = (): void => void child.stdout.destroy();
    if (keep === 0) close();
    else
      child.stdout.on('data', (chunk: Buffer) => {
        head += chunk.toString();
        if (head.length >= keep) close();
      });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, head, stderr }));
  });
}

describe('output into a reader that closes early', () => {
  const config = join(work, 'config.json');
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
    writeFileSync(config, JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url }));
  });
  afterAll(() => fake.close());

  it.each([[[]], [['--pretty']]])('transform %j | head -1: stops reading and exits 0, nothing on stderr', async (extra) => {
    const { code, signal, head, stderr } = await closeEarly(['transform', '--config', config, '--input', input, ...extra], 1);
    expect(head.length).toBeGreaterThan(0);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('send with its stdout closed: delivers everything and keeps its exit code; replay too', async () => {
    const dataDir = join(work, 'send');
    const sent = await closeEarly(['send', '--config', config, '--input', input, '--data-dir', dataDir], 0);
    expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.requests.length).toBeGreaterThanOrEqual(events.length / 2);
    const replayed = await closeEarly(['replay', '--config', config, '--data-dir', dataDir], 0);
    expect({ code: replayed.code, stderr: replayed.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
