import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { postBatch, serveExit, startServe, writeConfig } from '../../scripts/serve-process.js';
import { eventually } from '../support/eventually.js';

/** `serve` as a process: start-up rules, a signed webhook end to end, logs without secrets, SIGTERM. */
jest.setTimeout(60_000);

const secrets = { writeKey: 'wk_proc_8e21b4', webhookSecret: 'whs_proc_3f90aa', adminToken: 'adm_proc_61c0de' };
const dataDir = (): string => mkdtempSync(join(tmpdir(), 'op-serve-proc-'));

describe('serve start-up rules', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel();
  });
  afterAll(() => fake.close());
  const base = () => ({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url });

  it('refuses to start with neither writeKey nor webhookSecret (exit 2, one line saying what to do)', async () => {
    const { code, output } = await serveExit(['--config', writeConfig(base()), '--data-dir', dataDir()]);
    expect(code).toBe(2);
    expect(output).toMatch(/refusing to start without credentials: set writeKey and\/or webhookSecret .* or pass --no-auth/);
  });

  it('--no-auth binds to loopback only', async () => {
    const refused = await serveExit(['--config', writeConfig(base()), '--no-auth', '--host', '0.0.0.0', '--data-dir', dataDir()]);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/--no-auth listens on loopback only/);

    const open = await startServe(['--config', writeConfig(base()), '--no-auth', '--data-dir', dataDir()]);
    try {
      expect(new URL(open.url).hostname).toBe('127.0.0.1');
      const response = await fetch(`${open.url}/v1/track`, { method: 'POST', body: JSON.stringify({ userId: 'u-open', event: 'Local Trial' }) });
      expect(await response.json()).toMatchObject({ success: true, accepted: 1 });
    } finally {
      await open.stop();
    }
  });

  it('runs from environment variables alone: PORT, HOST, OPENPANEL_DESTINATION_* and a secret from a _FILE', async () => {
    const dir = dataDir();
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, `${fake.clientSecret}\n`);
    const serve = await startServe([], {
      PORT: '0',
      HOST: '127.0.0.1',
      OPENPANEL_DESTINATION_CLIENT_ID: fake.clientId,
      OPENPANEL_DESTINATION_CLIENT_SECRET_FILE: secretFile,
      OPENPANEL_DESTINATION_API_URL: fake.url,
      OPENPANEL_DESTINATION_WRITE_KEY: secrets.writeKey,
      OPENPANEL_DESTINATION_DATA_DIR: join(dir, 'state'),
    });
    try {
      expect(new URL(serve.url).hostname).toBe('127.0.0.1');
      expect(new URL(serve.url).port).not.toBe('8080');
      expect((await postBatch(serve.url, secrets.writeKey, [{ type: 'track', messageId: 'env-1', userId: 'u-env', event: 'From Env' }])).status).toBe(200);
      await eventually(() => fake.requests.length === 1);
      expect(existsSync(join(dir, 'state'))).toBe(true);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    for (const secret of [secrets.writeKey, fake.clientSecret]) expect(serve.output()).not.toContain(secret);
  });

  it('a bad config exits 2 without printing secrets', async () => {
    const { code, output } = await serveExit([
      '--config',
      writeConfig({ ...base(), clientId: 'not-a-uuid', writeKey: 'wk_shown_nowhere' }),
      '--data-dir',
      dataDir(),
    ]);
    expect(code).toBe(2);
    expect(output).toMatch(/clientId: must be a UUID/);
    expect(output).not.toContain('wk_shown_nowhere');
  });
});

describe('serve running', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 150 });
  });
  afterAll(() => fake.close());

  it('delivers a signed webhook, logs no secret, and on SIGTERM stops intake and exits 0; a restart delivers the rest, none twice', async () => {
    const config = writeConfig({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, ...secrets, concurrency: 2 });
    const dir = dataDir();
    const serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'debug']);
    const events = Array.from({ length: 20 }, (_, i) => ({ type: 'track', messageId: `hook-${i}`, userId: `u-${i % 5}`, event: 'Hooked' }));
    const raw = JSON.stringify({ batch: events });
    const signed = await fetch(`${serve.url}/webhook`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha1', secrets.webhookSecret).update(raw).digest('hex') },
    });
    expect(await signed.json()).toMatchObject({ success: true, accepted: 20 });
    await fetch(`${serve.url}/v1/track`, { method: 'POST', body: '{}', headers: { authorization: `Basic ${Buffer.from('wk_wrong:').toString('base64')}` } });
    await fetch(`${serve.url}/dead-letters`, { headers: { authorization: `Bearer ${secrets.adminToken}` } });
    // The built package serves its console: pages and uPlot found from dist/, figures labelled with this process.
    expect((await fetch(`${serve.url}/console/assets/uPlot.iife.min.js`)).status).toBe(200);
    const overview = (await (await fetch(`${serve.url}/console/api/overview`, { headers: { authorization: `Bearer ${secrets.adminToken}` } })).json()) as {
      instance: string;
      rates: { received: number[] };
    };
    expect(overview.instance).toBe(`${hostname()}:${serve.child.pid}`);
    expect(overview.rates.received.reduce((a, b) => a + b, 0)).toBe(20);
    // SIGTERM while deliveries are on the wire (the fake answers in 150 ms, two at a time).
    await eventually(() => fake.stats.received > 0);
    serve.child.kill('SIGTERM');
    await eventually(() => /"msg":"stopping/.test(serve.output()));
    const late = await fetch(`${serve.url}/v1/track`, { method: 'POST', body: '{}' }).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    expect(await serve.exited).toBe(0);

    // Requests on the wire were finished; whatever was still queued goes out after a restart on the same state.
    const restarted = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', dir]);
    try {
      await eventually(() => fake.requests.length >= 20);
      await eventually(async () => ((await (await fetch(`${restarted.url}/health`)).json()) as { queuedEvents: number }).queuedEvents === 0);
      expect(fake.requests.length).toBe(20);
    } finally {
      expect(await restarted.stop()).toBe(0);
    }

    const output = serve.output();
    expect(output).toMatch(/"msg":"serving"/);
    expect(output).toMatch(/"msg":"stopped"/);
    for (const secret of [...Object.values(secrets), fake.clientSecret]) expect(output).not.toContain(secret);
  });
});
