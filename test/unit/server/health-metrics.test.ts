import { afterEach, describe, expect, it } from '@jest/globals';
import { createMetrics } from '../../../src/entry/server/metrics.js';
import { basic, drained, eventually, startTestServer, writeKey, type TestServer } from './harness.js';

const auth = { authorization: basic(writeKey) };
const track = (messageId: string, userId = 'u-metrics') => ({ type: 'track', messageId, userId, event: 'Metered' });

/** A Prometheus sample's value, e.g. sample(text, 'openpanel_destination_events_total', { status: 'accepted' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('/health, /metrics and backpressure', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('/health is 200 with the queue figures while OpenPanel takes the events', async () => {
    t = await startTestServer();
    const response = await t.request('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', queuedEvents: 0, deadLetters: 0 });
    expect((await t.request('GET', '/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', queuedEvents: 0 });
  });

  it('/health is 503 with the reason once OpenPanel refuses the credentials', async () => {
    t = await startTestServer({ config: { clientSecret: 'sec_not_the_right_one' } });
    await t.request('POST', '/v1/track', track('m-401'), auth);
    await eventually(() => t.fake.stats.rejected > 0 && !t.destination.health().healthy);
    const response = await t.request('GET', '/health');
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/401/) });
    expect(response.text).not.toContain('sec_not_the_right_one');
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/401/) });
    expect((await t.request('GET', '/health/live')).status).toBe(200);
  });

  it('/metrics counts events received, taken, final outcomes and requests, and reads the queue', async () => {
    t = await startTestServer();
    await t.request(
      'POST',
      '/v1/batch',
      { batch: [track('m-1'), track('m-2'), { type: 'track', userId: 'u1' }, { ...track('m-3'), integrations: { All: false } }] },
      auth,
    );
    await drained(t);
    const response = await t.request('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = response.text;
    expect(sample(text, 'openpanel_destination_events_received_total', { source: 'tracking_api' })).toBe(4);
    expect(sample(text, 'openpanel_destination_events_total', { status: 'accepted' })).toBe(2);
    expect(sample(text, 'openpanel_destination_events_total', { status: 'rejected' })).toBe(1);
    expect(sample(text, 'openpanel_destination_events_total', { status: 'skipped' })).toBe(1);
    expect(sample(text, 'openpanel_destination_event_outcomes_total', { status: 'rejected' })).toBe(1);
    for (const name of ['queued_events', 'queued_requests', 'oldest_queued_age_seconds', 'dead_letters']) {
      expect(sample(text, `openpanel_destination_${name}`)).toBeGreaterThanOrEqual(0);
    }
    expect(sample(text, 'openpanel_destination_event_outcomes_total', { status: 'delivered' })).toBe(2);
    expect(sample(text, 'openpanel_destination_requests_total', { type: 'track', result: 'delivered' })).toBe(2);
    expect(sample(text, 'openpanel_destination_delivery_duration_seconds_count', { type: 'track' })).toBe(2);
    expect(text).toContain('\nprocess_resident_memory_bytes ');
    expect(text).toContain('\nprocess_cpu_seconds_total ');
    expect(text).not.toContain('openpanel_destination_process_');
    expect(sample(text, 'openpanel_destination_delivery_loop_failures_total')).toBe(0);
  });

  it('over maxQueuedEvents intake answers 503 with Retry-After (no room within roomWaitMs), and takes events again once the queue drains', async () => {
    t = await startTestServer({ config: { maxQueuedEvents: 3 }, fake: { latencyMs: 300 }, roomWaitMs: 0 });
    const first = await t.request('POST', '/v1/batch', { batch: [track('q-1', 'a'), track('q-2', 'b'), track('q-3', 'c')] }, auth);
    expect(first.json()).toMatchObject({ accepted: 3 });
    const full = await t.request('POST', '/v1/track', track('q-4', 'd'), auth);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(full.json().message).toMatch(/queue is full/);
    const health = await t.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/queue full/) });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'degraded', reason: 'queue full: 3 events queued (maxQueuedEvents 3)' });
    await drained(t);
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
    const again = await t.request('POST', '/v1/track', track('q-4', 'd'), auth);
    expect(again.json()).toMatchObject({ accepted: 1 });
  });
});

describe('the queue bound counts valid events only, and a batch waits for room in turn', () => {
  let t: TestServer;
  afterEach(() => t.close());

  it('a batch of only invalid events is a 400 naming them; invalid events next to valid ones take no room', async () => {
    t = await startTestServer({ config: { maxQueuedEvents: 5 }, fake: { latencyMs: 1_000 }, roomWaitMs: 0 });
    await t.request('POST', '/v1/batch', { batch: [1, 2, 3, 4].map((i) => track(`v-${i}`, `u${i}`)) }, auth);
    const invalid = await t.request('POST', '/v1/batch', { batch: Array.from({ length: 1_000 }, () => ({})) }, auth);
    expect(invalid.status).toBe(400);
    expect(invalid.json().message).toMatch(/^every event was rejected \(1000\): \[0\] type: must be one of .*; \[4\] type: .*; and 995 more$/);
    const mixed = await t.request('POST', '/v1/batch', { batch: [{}, { type: 'track' }, track('v-5', 'u5')] }, auth);
    expect(mixed.status).toBe(200);
    expect(mixed.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0 }, { index: 1 }] });
  });

  it('a batch larger than the room left gets in as soon as the queue drains, ahead of smaller batches sent after it', async () => {
    t = await startTestServer({ config: { maxQueuedEvents: 10 }, fake: { latencyMs: 150 }, roomWaitMs: 3_000 });
    await t.request('POST', '/v1/batch', { batch: [1, 2, 3, 4, 5].map((i) => track(`s-${i}`, `u${i}`)) }, auth);
    const big = t.request('POST', '/v1/batch', { batch: Array.from({ length: 12 }, (_, i) => track(`b-${i}`, `big${i}`)) }, auth);
    const small = [1, 2, 3].map((i) => t.request('POST', '/v1/batch', { batch: [track(`x-${i}`, `small${i}`)] }, auth));
    expect((await big).json()).toMatchObject({ accepted: 12 });
    for (const answer of await Promise.all(small)) expect(answer.json()).toMatchObject({ accepted: 1 });
    await drained(t);
    const order = t.fake.requests.map((r) => String((r.body.payload as { profileId?: string }).profileId));
    expect(order.findIndex((id) => id.startsWith('small'))).toBeGreaterThan(order.findIndex((id) => id.startsWith('big')));
  });

  it('/health says when the queue is near its bound', async () => {
    t = await startTestServer({ config: { maxQueuedEvents: 10 }, fake: { latencyMs: 1_000 } });
    await t.request('POST', '/v1/batch', { batch: Array.from({ length: 9 }, (_, i) => track(`n-${i}`, `n${i}`)) }, auth);
    const health = await t.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', reason: 'queue near its bound: 9 events queued (maxQueuedEvents 10)', queuedEvents: 9 });
    // Near the bound intake still takes events: still ready.
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
  });
});

describe('/metrics of the delivery loop', () => {
  it('counts each failure of the delivery loop', async () => {
    const metrics = createMetrics(async () => ({ queuedEvents: 0, queuedRequests: 0, deadLetters: 0 }));
    metrics.observer.onLoopFailure?.(new Error('SQLITE_FULL'));
    metrics.observer.onLoopFailure?.(new Error('SQLITE_FULL'));
    expect(sample(await metrics.registry.metrics(), 'openpanel_destination_delivery_loop_failures_total')).toBe(2);
  });
});
