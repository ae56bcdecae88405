import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DestinationConfigInput } from '../../src/config/schema.js';
import { openDestination, paceAheadEvents, type DestinationRunner } from '../../src/entry/library/destination.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';
import { eventually } from '../support/eventually.js';

/**
 * The CLI's send commits its input paced by delivery (`acceptWhenRoom` with `paced`): at most paceAheadEvents
 * queued while delivery has all the work it can take, more at once when it runs short (README, Performance).
 */
describe('paced intake', () => {
  let fake: FakeOpenPanel;
  beforeAll(async () => {
    fake = await startFakeOpenPanel({ latencyMs: 10 });
  });
  afterAll(() => fake.close());

  const concurrency = 2;
  const ahead = paceAheadEvents({ concurrency });
  const batch = 20;
  const open = (extra: Partial<DestinationConfigInput> = {}): DestinationRunner =>
    openDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency, ...extra });
  const tracks = (prefix: string, n: number, users: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: `${prefix}-${i}`, userId: `${prefix}-user-${i % users}`, event: 'Tick' }));

  /** Commits `events` in batches as send does; resolves with the most events the outbox held after a commit. */
  async function feed(destination: DestinationRunner, events: unknown[], paced: boolean): Promise<number> {
    let most = 0;
    for (let start = 0; start < events.length; start += batch) {
      await destination.acceptWhenRoom(events.slice(start, start + batch), undefined, undefined, { paced });
      most = Math.max(most, (await destination.stats()).queuedEvents);
    }
    return most;
  }

  /** Every event delivered once, each user's count as sent. */
  async function everyEventDelivered(destination: DestinationRunner, events: Array<{ messageId: string; userId: string }>): Promise<void> {
    expect(await destination.drained()).toBe('drained');
    const stored = fake.requests.map((request) => request.body).filter((body) => body.type === 'track');
    expect(stored).toHaveLength(events.length);
    for (const userId of new Set(events.map((event) => event.userId))) {
      expect(stored.filter((body) => body.payload.profileId === userId)).toHaveLength(events.filter((event) => event.userId === userId).length);
    }
  }

  it('with many users queued, a batch waits while paceAheadEvents are queued; unpaced, the whole input is committed ahead', async () => {
    fake.reset();
    const events = tracks('many', 300, 30);
    const paced = open();
    const mostPaced = await feed(paced, events, true);
    expect(mostPaced).toBeGreaterThanOrEqual(ahead);
    expect(mostPaced).toBeLessThan(ahead + batch);
    await everyEventDelivered(paced, events);
    await paced.close();

    fake.reset();
    const unpaced = open();
    const mostUnpaced = await feed(unpaced, events, false);
    expect(mostUnpaced).toBeGreaterThan(events.length / 2);
    await everyEventDelivered(unpaced, events);
    await unpaced.close();
  });

  it('delivery short of work (one user: one request at a time) takes more at once, up to maxQueuedEvents', async () => {
    fake.reset();
    const events = tracks('one', 150, 1);
    const destination = open({ maxQueuedEvents: 120 });
    const most = await feed(destination, events, true);
    expect(most).toBeGreaterThan(ahead + batch);
    expect(most).toBeLessThanOrEqual(120);
    await everyEventDelivered(destination, events);
    await destination.close();
  });

  it('in an outage delivery is not short of work: the intake stays paceAheadEvents ahead until OpenPanel answers again', async () => {
    fake.reset();
    fake.outage('503');
    const events = tracks('outage', 300, 30);
    const destination = open({ backoffBaseMs: 20, backoffMaxMs: 50, outageProbeMs: 50 });
    let fed = false;
    const feeding = feed(destination, events, true).then((most) => ((fed = true), most));
    await eventually(() => destination.health().cause === 'outage');
    // Recognised as an outage, delivery takes no more: the queue stops growing short of the input.
    const stalled = (await destination.stats()).queuedEvents;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await destination.stats()).queuedEvents).toBe(stalled);
    expect(stalled).toBeLessThan(events.length);
    expect(fed).toBe(false);
    fake.outage(undefined);
    expect(await feeding).toBeLessThan(events.length);
    await everyEventDelivered(destination, events);
    await destination.close();
  });
});
