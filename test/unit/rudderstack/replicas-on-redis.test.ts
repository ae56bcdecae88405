import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TransformerAnswers } from '../../support/harness-responses.js';
import { deleteKeys, testPrefix, testRedisUrl } from '../../support/redis.js';

/**
 * rudder-transformer replicas (README "A self-hosted RudderStack"): each is its own process, any may get a user's
 * next event, and they share membership through one Redis. One replica is configured as rudder-transformer configures
 * its own Redis (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, always TLS), the other by our OPENPANEL_DESTINATION_STORE_URL.
 */
const run = promisify(execFile);
const repoRoot = new URL('../../../', import.meta.url).pathname;
const calls = new URL('../../support/transformer-calls.cjs', import.meta.url).pathname;
const certDir = mkdtempSync(join(tmpdir(), 'openpanel-tls-'));
const prefix = testPrefix('replicas');
const PASSWORD = 'replica-password-7f3a';
let tlsProxy: Server;

// A TLS front for the test Redis, with a certificate for localhost that the replica trusts through NODE_EXTRA_CA_CERTS.
beforeAll(async () => {
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ]),
  );
  const redis = new URL(testRedisUrl);
  tlsProxy = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (socket) => {
    const upstream = connect(Number(redis.port || 6379), redis.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => tlsProxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  tlsProxy.close();
  rmSync(certDir, { recursive: true, force: true });
  await deleteKeys(prefix);
});

const replicaEnv = {
  viaRudderTransformerSettings: () => {
    const address = tlsProxy.address() as { port: number };
    return { REDIS_HOST: 'localhost', REDIS_PORT: String(address.port), REDIS_PASSWORD: PASSWORD, NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem') };
  },
  viaOurUrl: () => ({ OPENPANEL_DESTINATION_STORE_URL: testRedisUrl }),
};

const destination = { ID: `replicas-${prefix.split(':')[2]}`, Config: { clientId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', clientSecret: 'sec_replicas' } };
const event = (message: object, jobId: number) => ({ message, destination, metadata: { jobId } });

async function inReplica(env: Record<string, string>, router: object[]) {
  const child = run(process.execPath, [calls], { cwd: repoRoot, env: { PATH: process.env.PATH, OPENPANEL_DESTINATION_STORE_PREFIX: prefix, ...env } });
  child.child.stdin?.end(JSON.stringify({ processor: [], router: [router] }));
  const { stdout, stderr } = await child;
  expect(stdout + stderr).not.toContain(PASSWORD);
  const [outputs] = (JSON.parse(stdout) as TransformerAnswers).routed;
  return outputs as Array<{ statusCode: number; batchedRequest: { body: { JSON: { type: string; payload: { groups?: string[] } } } } }>;
}

describe('transformer replicas on one Redis', () => {
  it("tag a user's track with the groups the other replica recorded, whichever Redis setting each uses", async () => {
    const first = await inReplica(replicaEnv.viaRudderTransformerSettings(), [
      event({ type: 'group', userId: 'replica-user', groupId: 'org_a', traits: { name: 'A' } }, 1),
    ]);
    expect(first.map((o) => o.statusCode)).toEqual([200]);

    const second = await inReplica(replicaEnv.viaOurUrl(), [
      event({ type: 'track', userId: 'replica-user', event: 'Report Exported' }, 2),
      event({ type: 'group', userId: 'replica-user', groupId: 'org_b', traits: { name: 'B' } }, 3),
    ]);
    expect(second[0]?.batchedRequest.body.JSON).toEqual({ type: 'track', payload: { name: 'Report Exported', profileId: 'replica-user', groups: ['org_a'] } });

    const third = await inReplica(replicaEnv.viaRudderTransformerSettings(), [event({ type: 'track', userId: 'replica-user', event: 'Invite Sent' }, 4)]);
    expect(third.map((o) => o.batchedRequest.body.JSON.payload.groups)).toEqual([['org_a', 'org_b']]);
  });
});
