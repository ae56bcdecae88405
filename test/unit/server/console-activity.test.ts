import { describe, expect, it } from '@jest/globals';
import { createActivity } from '../../../src/entry/server/console/activity.js';
import type { OutboxRequest } from '../../../src/delivery/outbox.js';

const request = (key: string): OutboxRequest => ({
  key,
  lane: 'u:u1',
  request: { headers: { 'openpanel-client-id': 'id' }, body: { type: 'track', payload: { name: 'Seat Added', profileId: 'u1' } } },
});

describe('console activity', () => {
  it('counts per minute over the last hour, forgetting older minutes', () => {
    let now = Date.UTC(2026, 0, 5, 10, 0, 30);
    const activity = createActivity({ now: () => now });
    const take = (eventId: string) =>
      activity.observer.onTaken!({ eventId, index: 0, event: { type: 'track', userId: 'u1' }, status: 'accepted', requests: [request(`${eventId}:k`)] });
    take('e1');
    activity.observer.onAttempt!({ eventId: 'e1', key: 'e1:k', type: 'track', status: 503, result: 'retry', durationMs: 40 });
    now += 60_000;
    activity.observer.onAttempt!({ eventId: 'e1', key: 'e1:k', type: 'track', status: 200, result: 'delivered', durationMs: 20 });
    activity.observer.onFinal!({ eventId: 'e1', index: 0, status: 'delivered' });
    const rates = activity.rates();
    expect(rates.minutes).toHaveLength(60);
    expect(rates.minutes.at(-1)).toBe(Date.UTC(2026, 0, 5, 10, 1));
    expect(rates.received.slice(-2)).toEqual([1, 0]);
    expect(rates.retried.slice(-2)).toEqual([1, 0]);
    expect(rates.delivered.slice(-2)).toEqual([0, 1]);
    expect(activity.latency()).toEqual({ request: { samples: 2, p50Ms: 40, p95Ms: 40 }, event: { samples: 1, p50Ms: 60_000, p95Ms: 60_000 } });
    now += 60 * 60_000;
    expect(activity.rates().received.every((n) => n === 0)).toBe(true);
  });

  it('keeps the last events with each request as it went, within its bound', () => {
    const activity = createActivity({ liveLimit: 3 });
    for (const id of ['e1', 'e2', 'e3', 'e4']) {
      activity.observer.onTaken!({
        eventId: id,
        index: 0,
        messageId: `m-${id}`,
        event: { type: 'track', userId: 'u1', event: 'Seat Added' },
        status: 'accepted',
        requests: [request(`${id}:k`)],
      });
    }
    const { seq, events } = activity.liveSince(0);
    expect(events.map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
    expect(events[0]).toMatchObject({
      user: 'u1',
      type: 'track',
      name: 'Seat Added',
      status: 'queued',
      requests: [{ key: 'e2:k', status: 'queued', attempts: 0 }],
    });
    activity.observer.onAttempt!({ eventId: 'e3', key: 'e3:k', type: 'track', status: 503, body: 'busy', result: 'retry', durationMs: 5 });
    const changed = activity.liveSince(seq);
    expect(changed.events).toEqual([
      expect.objectContaining({
        id: 'e3',
        status: 'retrying',
        requests: [expect.objectContaining({ status: 'retrying', attempts: 1, last: { status: 503, body: 'busy' } })],
      }),
    ]);
    // Outcomes of events taken elsewhere (another instance on the same Redis) only count.
    activity.observer.onFinal!({ eventId: 'elsewhere', index: 0, status: 'dead_lettered', reason: 'x' });
    expect(activity.liveSince(changed.seq).events).toEqual([]);
    expect(activity.rates().deadLettered.at(-1)).toBe(1);
  });
});
