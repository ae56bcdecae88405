import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from './harness.js';

const Config = { clientId: '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', clientSecret: 'sec_rudder_route_1', apiUrl: 'https://op.example.com/api' };
// Membership outlives a run (a SQLite file per destination ID on the host): a fresh ID per run.
const destination = { ID: `dest-route-${randomUUID()}`, Config };
const input = (message: object, jobId: number) => ({ message, destination, metadata: { jobId } });

describe('RudderStack transformer API routes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { transformerApi: true } });
  });
  afterAll(() => t.close());

  it('processor transform: one item per request, each with its event metadata; failures with their status', async () => {
    // rudder-server announces that it takes 298 for filtered events with this header.
    const response = await t.request(
      'POST',
      '/v0/destinations/openpanel',
      [
        input({ type: 'group', userId: 'u-rs', groupId: 'org_rs', traits: { name: 'RS' } }, 1),
        input({ type: 'track', userId: 'u-rs', event: 'Done' }, 2),
        input({ type: 'track', userId: 'u-rs' }, 3),
        input({ type: 'track', userId: 'u-rs', event: 'Skipped', integrations: { OpenPanel: false } }, 4),
      ],
      { 'x-feature-filter-code': '?1' },
    );
    expect(response.status).toBe(200);
    const items = response.json();
    expect(items.map((i: { metadata: { jobId: number }; statusCode: number }) => [i.metadata.jobId, i.statusCode])).toEqual([
      [1, 200],
      [1, 200],
      [2, 200],
      [3, 400],
      [4, 298],
    ]);
    expect(items[0].output).toMatchObject({ type: 'REST', method: 'POST', endpoint: 'https://op.example.com/api/track', body: { JSON: { type: 'group' } } });
    expect(items[2].output.body.JSON).toEqual({ type: 'track', payload: { name: 'Done', profileId: 'u-rs', groups: ['org_rs'] } });
    expect(items[3]).toMatchObject({ error: expect.stringContaining('event'), statTags: expect.any(Object) });
  });

  it('a filtered event is a 400 when the caller does not announce the filter-code feature', async () => {
    const skipped = input({ type: 'track', userId: 'u-rs', event: 'Skipped', integrations: { OpenPanel: false } }, 5);
    const [item] = (await t.request('POST', '/v0/destinations/openpanel', [skipped])).json();
    expect(item).toMatchObject({ statusCode: 400, error: expect.stringMatching(/integrations/) });
    const { output } = (await t.request('POST', '/routerTransform', { input: [skipped] }, { 'x-feature-filter-code': 'true' })).json();
    expect(output[0]).toMatchObject({ statusCode: 298, statTags: { errorType: 'filtered' } });
  });

  it('router transform: {input} -> {output}, in order, membership carried', async () => {
    const response = await t.request('POST', '/routerTransform', {
      destType: 'OPENPANEL',
      input: [input({ type: 'group', userId: 'u-router', groupId: 'org_r' }, 10), input({ type: 'track', userId: 'u-router', event: 'Routed' }, 11)],
    });
    const { output } = response.json();
    expect(output.map((o: { metadata: unknown[]; statusCode: number }) => [o.metadata, o.statusCode])).toEqual([
      [[{ jobId: 10 }], 200],
      [[{ jobId: 11 }], 200],
    ]);
    expect(output[1].batchedRequest.body.JSON.payload.groups).toEqual(['org_r']);
  });

  it('refuses bodies of the wrong shape with a 400 naming it', async () => {
    const processor = await t.request('POST', '/v0/destinations/openpanel', { message: {} });
    expect(processor.status).toBe(400);
    expect(processor.json().message).toMatch(/an array of \{message, destination: \{Config\}, metadata\}/);
    const router = await t.request('POST', '/routerTransform', { input: [{ message: {} }] });
    expect(router.status).toBe(400);
    const other = await t.request('POST', '/routerTransform', { destType: 'POSTHOG', input: [] });
    expect(other.json().message).toMatch(/POSTHOG is not served here/);
  });
});

describe('transformer API off (the default)', () => {
  it('is not served', async () => {
    const t = await startTestServer();
    try {
      expect((await t.request('POST', '/routerTransform', { input: [] })).status).toBe(404);
      expect((await t.request('POST', '/v0/destinations/openpanel', [])).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
