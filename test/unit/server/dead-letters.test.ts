import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminToken, basic, drained, startTestServer, writeKey, type TestServer } from './harness.js';

describe('dead letters over HTTP', () => {
  let t: TestServer;
  const admin = { authorization: `Bearer ${adminToken}` };
  beforeAll(async () => {
    // An old self-hosted OpenPanel: group calls are refused (400), so each group call ends as a dead letter.
    t = await startTestServer({ fake: { rejectGroupCalls: true } });
    const batch = ['org_a', 'org_b', 'org_c'].map((groupId, i) => ({
      type: 'group',
      messageId: `dl-${i}`,
      userId: 'u-dl',
      groupId,
      traits: { name: groupId },
    }));
    await t.request('POST', '/v1/batch', { batch }, { authorization: basic(writeKey) });
    await drained(t);
  });
  afterAll(() => t.close());

  it('need the admin token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: basic(writeKey) }] as Array<Record<string, string>>) {
      const response = await t.request('GET', '/dead-letters', undefined, headers);
      expect(response.status).toBe(401);
      expect(response.json().message).toMatch(/Bearer <adminToken>/);
    }
    expect((await t.request('POST', '/dead-letters/replay', undefined, {})).status).toBe(401);
  });

  it('pages oldest first with the response that refused them', async () => {
    const first = await t.request('GET', '/dead-letters?limit=2', undefined, admin);
    expect(first.status).toBe(200);
    const page = first.json();
    expect(page.deadLetters.map((d: { messageId: string }) => d.messageId)).toEqual(['dl-0', 'dl-1']);
    expect(page.deadLetters[0]).toMatchObject({ lastResponse: { status: 400 }, requests: [{ body: { type: 'group' } }, { body: { type: 'assign_group' } }] });
    expect(page.next).toBe(page.deadLetters[1].id);
    const second = (await t.request('GET', `/dead-letters?limit=2&after=${page.next}`, undefined, admin)).json();
    expect(second.deadLetters.map((d: { messageId: string }) => d.messageId)).toEqual(['dl-2']);
    expect(second.next).toBeUndefined();
    expect(JSON.stringify([page, second])).not.toContain(t.fake.clientSecret);
  });

  it('refuses a bad page query with 400', async () => {
    const response = await t.request('GET', '/dead-letters?limit=0', undefined, admin);
    expect(response.status).toBe(400);
    expect(response.json().message).toMatch(/limit must be a whole number from 1 to 1000/);
  });

  it('logs one warn line per dead-lettered event, with its id, messageId and reason, and no secret', async () => {
    const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'event dead-lettered');
    expect(lines.map((line) => line.messageId)).toEqual(['dl-0', 'dl-1', 'dl-2']);
    expect(lines[0]).toMatchObject({ level: 40, eventId: expect.any(String), reason: expect.stringMatching(/400/) });
    expect(t.logs.join('')).not.toContain(t.fake.clientSecret);
  });

  it('replays them all; what OpenPanel still refuses stays a dead letter', async () => {
    const replay = await t.request('POST', '/dead-letters/replay', undefined, admin);
    expect(replay.json()).toEqual({ delivered: 0, failed: 3 });
    const after = (await t.request('GET', '/dead-letters', undefined, admin)).json();
    expect(after.deadLetters).toHaveLength(3);
  });

  it('discards one dead letter with DELETE /dead-letters/:id (404 when there is none)', async () => {
    const [first] = (await t.request('GET', '/dead-letters', undefined, admin)).json().deadLetters as Array<{ id: string }>;
    expect((await t.request('DELETE', `/dead-letters/${first!.id}`, undefined, { ...admin, 'content-type': 'text/plain' })).status).toBe(204);
    const again = await t.request('DELETE', `/dead-letters/${first!.id}`, undefined, { ...admin, 'content-type': 'text/plain' });
    expect(again.status).toBe(404);
    expect(again.json().message).toBe(`no dead letter ${first!.id}`);
    expect((await t.request('DELETE', `/dead-letters/${first!.id}`, undefined, { 'content-type': 'text/plain' })).status).toBe(401);
    expect((await t.request('GET', '/dead-letters', undefined, admin)).json().deadLetters).toHaveLength(2);
  });
});

describe('without an adminToken', () => {
  it('the dead-letter routes are not served', async () => {
    const t = await startTestServer({ config: { adminToken: undefined } });
    try {
      expect((await t.request('GET', '/dead-letters', undefined, { authorization: 'Bearer x' })).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
