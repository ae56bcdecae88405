import { afterEach, describe, expect, it } from '@jest/globals';
import { startFakeOpenPanel, type FakeOpenPanel, type FakeOpenPanelOptions } from '../../support/fake-openpanel.js';

const track = { type: 'track', payload: { name: 'Signed Up', profileId: 'u1', groups: ['acme'], properties: { plan: 'pro' } } };

describe('fake OpenPanel ingestion API', () => {
  let fake: FakeOpenPanel | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const start = async (options: FakeOpenPanelOptions = {}) => (fake = await startFakeOpenPanel(options));
  const post = (f: FakeOpenPanel, body: unknown, headers: Record<string, string> = {}, path = '/track') =>
    fetch(`${f.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'openpanel-client-id': f.clientId,
        'openpanel-client-secret': f.clientSecret,
        'user-agent': 'test-agent/1.0',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('stores an accepted request with its headers, minus the secret, and answers deviceId and sessionId', async () => {
    const f = await start();
    const res = await post(f, track, { 'openpanel-client-ip': '203.0.113.9' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deviceId: 'device-u1', sessionId: 'session-device-u1' });
    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]?.body).toEqual(track);
    expect(f.requests[0]?.headers).toMatchObject({ 'openpanel-client-ip': '203.0.113.9', 'user-agent': 'test-agent/1.0' });
    expect(f.requests[0]?.headers).not.toHaveProperty('openpanel-client-secret');
    expect(f.tracksOf('u1')).toEqual([track.payload]);
    expect(f.stats).toEqual({ received: 1, injectedFailures: 0, rejected: 0, accepted: 1 });
  });

  it.each([
    ['an unknown path', track, {}, '/event', 404, /not found/],
    ['a body that is not JSON', '{oops', {}, '/track', 400, /not valid JSON/],
    ['a payload that breaks the contract', { type: 'identify', payload: { profileId: 'u1', email: 'nope' } }, {}, '/track', 400, /email/],
    ['a reserved track name', { type: 'track', payload: { name: 'session_start' } }, {}, '/track', 400, /reserved/],
    ['a missing client id', track, { 'openpanel-client-id': '' }, '/track', 401, /Missing client id/],
    ['a client id that is not a UUID', track, { 'openpanel-client-id': 'abc' }, '/track', 401, /valid UUID/],
    ['another client id', track, { 'openpanel-client-id': '00000000-0000-4000-8000-000000000000' }, '/track', 401, /Invalid client id/],
    ['a wrong secret', track, { 'openpanel-client-secret': 'wrong' }, '/track', 401, /Invalid cors or secret/],
    [
      '__revenue without a secret',
      { type: 'track', payload: { name: 'revenue', properties: { __revenue: 1299 } } },
      { 'openpanel-client-secret': '' },
      '/track',
      401,
      /Revenue tracking/,
    ],
    ['alias', { type: 'alias', payload: { profileId: 'u1', alias: 'a1' } }, {}, '/track', 400, /Alias is not supported/],
  ])('rejects %s', async (_, body, headers, path, status, message) => {
    const f = await start();
    const res = await post(f, body, headers, path);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
    expect(f.requests).toHaveLength(0);
    expect(f.stats.rejected).toBe(1);
  });

  it("holds each group as OpenPanel's group buffer merges upserts: flattened, merged over what it held, name and type as sent", async () => {
    const f = await start();
    const upsert = (name: string, type: string, properties: Record<string, unknown>) =>
      post(f, { type: 'group', payload: { id: 'acme', name, type, properties } });
    await upsert('Acme', 'company', { plan: 'free', seats: 5, address: { city: 'Lyon', zip: '69001' }, meta: '{"tier":1}', broken: '{"a":', note: ' hi ' });
    await upsert('Acme Inc', 'workspace', { plan: null, address: { city: 'Oslo' }, seats: '', flag: false });
    expect(f.groups.get('acme')).toEqual({
      name: 'Acme Inc',
      type: 'workspace',
      // null and '' under a held key remove it; a nested object merges path by path; JSON strings are expanded.
      properties: { 'address.city': 'Oslo', 'address.zip': '69001', 'meta.tier': '1', note: 'hi', flag: 'false' },
    });
  });

  it('returns the zod issues of an invalid body', async () => {
    const f = await start();
    const res = await post(f, { type: 'assign_group', payload: { groupIds: [] } });
    expect(await res.json()).toMatchObject({ statusCode: 400, issues: [{ path: ['payload', 'groupIds'] }] });
  });

  it('rejects a body that is not JSON content', async () => {
    const f = await start();
    const res = await post(f, track, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('serves under /api for self-hosted installs', async () => {
    const f = await start({ basePath: '/api' });
    expect(f.url).toMatch(/\/api$/);
    expect((await post(f, track)).status).toBe(200);
    const atRoot = await fetch(`${new URL(f.url).origin}/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(track),
    });
    expect(atRoot.status).toBe(404);
    expect(f.requests).toHaveLength(1);
  });

  it('rejects group calls like an old self-hosted version, and keeps taking tracks', async () => {
    const f = await start({ rejectGroupCalls: true });
    expect((await post(f, { type: 'group', payload: { id: 'acme', type: 'company', name: 'Acme' } })).status).toBe(400);
    expect((await post(f, { type: 'assign_group', payload: { groupIds: ['acme'], profileId: 'u1' } })).status).toBe(400);
    expect((await post(f, track)).status).toBe(200);
    expect(f.requests.map((r) => r.body.type)).toEqual(['track']);
  });

  it('answers 200 with a text body and stores nothing when misconfigured', async () => {
    const f = await start({ textBody200: true });
    const res = await post(f, track);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ingestion: Invalid cors or secret');
    expect(f.requests).toHaveLength(0);
  });

  describe('failure injection', () => {
    const outcomes = async (f: FakeOpenPanel, n: number) => {
      const seen: string[] = [];
      for (let i = 0; i < n; i++) {
        try {
          const res = await post(f, track);
          seen.push(res.status === 429 ? `429 retry-after=${res.headers.get('retry-after')}` : String(res.status));
          await res.arrayBuffer();
        } catch {
          seen.push('reset');
        }
      }
      return seen;
    };

    it('repeats the same sequence for the same seed, and stores only what was answered 200', async () => {
      const f = await start({ failRate: 0.5, seed: 7, retryAfterSeconds: 0 });
      const first = await outcomes(f, 24);
      expect(new Set(first)).toEqual(new Set(['200', '503', '500', '429 retry-after=0', 'reset']));
      expect(f.requests).toHaveLength(first.filter((s) => s === '200').length);
      expect(f.stats).toEqual({ received: 24, injectedFailures: 24 - f.requests.length, rejected: 0, accepted: f.requests.length });

      f.reset();
      expect(f.requests).toHaveLength(0);
      expect(await outcomes(f, 24)).toEqual(first);
    });

    it('limits failures to the chosen kinds', async () => {
      const f = await start({ failRate: 1, failKinds: ['503'] });
      expect(await outcomes(f, 3)).toEqual(['503', '503', '503']);
    });
  });
});
