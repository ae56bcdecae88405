import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { laneRequests } from '../../src/delivery/lanes.js';
import { QueueFullError, type ChangeSet, type NewOutboxEvent, type Outbox, type OutboxEntry } from '../../src/delivery/outbox.js';
import type { OpenPanelRequest } from '../../src/openpanel/contract.js';
import type { State } from '../../src/state/state.js';
import { backends, type OpenedState } from './backends.js';

const headers = { 'content-type': 'application/json' };
const trackOf = (name: string, profileId: string): OpenPanelRequest => ({ headers, body: { type: 'track', payload: { name, profileId } } });
const upsertOf = (id: string, plan: string): OpenPanelRequest => ({ headers, body: { type: 'group', payload: { id, type: 'company', name: id, properties: { plan } } } });

function event(messageId: string, userKey: string | undefined, requests: OpenPanelRequest[], index = 0): NewOutboxEvent {
  return { index, messageId, ...(userKey !== undefined ? { userKey } : {}), event: { messageId, userId: userKey }, requests: laneRequests(messageId, userKey, requests) };
}

const noMembership = { merges: [], upserts: [] };
const changeSet = (events: NewOutboxEvent[], now: number, membership: ChangeSet['membership'] = noMembership): ChangeSet => ({ membership, events, now });
const names = (entries: OutboxEntry[]): string[] => entries.map((e) => (e.request.body.type === 'track' ? e.request.body.payload.name : `${e.request.body.type}:${JSON.stringify(e.request.body.payload.properties ?? {})}`));
const LEASE = 10_000;

describe.each(backends)('%s outbox (contract)', (_name, open) => {
  let time: number;
  let opened: OpenedState;
  let state: State;
  let outbox: Outbox;
  beforeEach(() => {
    time = 1_700_000_000_000;
    opened = open(() => time);
    ({ state } = opened);
    ({ outbox } = state);
  });
  afterEach(() => opened.dispose());

  it('commits membership and requests together, and hands out one head per lane in order', async () => {
    const result = await outbox.commit(
      changeSet([event('m1', 'u1', [trackOf('first', 'u1')]), event('m2', 'u1', [trackOf('second', 'u1')]), event('m3', 'u2', [trackOf('other', 'u2')])], time, {
        merges: [['u1', [{ groupId: 'acme', assignedAt: 5 }]]],
        upserts: [['acme', 'print-1']],
      }),
    );
    expect(result.events.map((e) => ('eventId' in e ? e.queuedRequests : 'dup'))).toEqual([1, 1, 1]);
    expect(await state.membership.get('u1')).toEqual([{ groupId: 'acme', assignedAt: 5 }]);
    expect(await state.membership.lastUpsert('acme')).toBe('print-1');
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 3, queuedRequests: 3, oldestQueuedAt: time, deadLetters: 0 });

    const claimed = await outbox.claim(10, time, LEASE);
    expect(names(claimed).sort()).toEqual(['first', 'other']);
    expect(await outbox.claim(10, time, LEASE)).toEqual([]); // both lanes leased
    const first = claimed.find((e) => e.lane === 'u:u1')!;
    expect(first).toMatchObject({ attempts: 0, key: 'm1:track:first' });
    expect(first.firstAttemptAt).toBeUndefined();
    expect(await outbox.settle(first, { result: 'delivered', attempts: 1 }, time)).toMatchObject({ status: 'delivered', messageId: 'm1', attempts: 1, index: 0 });
    expect(names(await outbox.claim(10, time, LEASE))).toEqual(['second']);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
  });

  it('reports an event whose requests are delivered or queued as a duplicate', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time));
    const again = await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time));
    expect(again.events).toEqual([{ duplicate: true }]);
    const [entry] = await outbox.claim(1, time, LEASE);
    await outbox.settle(entry!, { result: 'delivered', attempts: 1 }, time);
    expect(await state.dedupe.delivered(['m1:track:a', 'm1:track:b'])).toEqual(new Set(['m1:track:a']));
    // Re-sent after delivery: only the request not yet delivered is queued.
    const resent = await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1'), trackOf('b', 'u1')])], time));
    expect(resent.events).toEqual([{ eventId: expect.any(String), queuedRequests: 1 }]);
    // After the dedupe window the key may be sent again.
    time += 3_600_001;
    expect(await state.dedupe.delivered(['m1:track:a'])).toEqual(new Set());
  });

  it('refuses a commit over maxQueuedEvents as a whole, writing nothing', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time), 2);
    const over = outbox.commit(changeSet([event('m2', 'u2', [trackOf('b', 'u2')]), event('m3', 'u3', [trackOf('c', 'u3')])], time, { merges: [['u2', [{ groupId: 'g', assignedAt: 1 }]]], upserts: [] }), 2);
    await expect(over).rejects.toBeInstanceOf(QueueFullError);
    await expect(over).rejects.toMatchObject({ queuedEvents: 1, maxQueuedEvents: 2 });
    expect(await state.membership.get('u2')).toEqual([]);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 1 });
  });

  it('keeps a retried request at its lane head until its ready time, counting attempts', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')]), event('m2', 'u1', [trackOf('b', 'u1')])], time));
    const [entry] = await outbox.claim(5, time, LEASE);
    const last = { status: 503, body: 'busy' };
    expect(await outbox.settle(entry!, { result: 'retry', at: time + 1000, attempts: 1, firstAttemptAt: time, last }, time)).toBeUndefined();
    expect(await outbox.claim(5, time + 999, LEASE)).toEqual([]);
    expect(await outbox.nextReadyAt()).toBeLessThanOrEqual(time + 1000);
    const [again] = await outbox.claim(5, time + 1000, LEASE);
    expect(again).toMatchObject({ id: entry!.id, attempts: 1, firstAttemptAt: time });
    expect(await outbox.settle(again!, { result: 'delivered', attempts: 2 }, time + 1000)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('releases a claimed lane untouched', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time));
    const [entry] = await outbox.claim(1, time, LEASE);
    expect(await outbox.settle(entry!, { result: 'released' }, time)).toBeUndefined();
    expect(await outbox.claim(1, time, LEASE)).toEqual([expect.objectContaining({ id: entry!.id, attempts: 0 })]);
  });

  it('lets a lane be claimed again once its lease has expired (its owner died)', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time));
    const [entry] = await outbox.claim(1, time, 100);
    expect(await outbox.claim(1, time + 99, 100)).toEqual([]);
    const [reclaimed] = await outbox.claim(1, time + 100, 100);
    expect(reclaimed).toMatchObject({ id: entry!.id, key: entry!.key });
    // The first owner's late settle still counts once: the event is final, the lane empty.
    expect(await outbox.settle(entry!, { result: 'delivered', attempts: 1 }, time + 150)).toMatchObject({ status: 'delivered' });
    expect(await outbox.settle(reclaimed!, { result: 'delivered', attempts: 1 }, time + 150)).toBeUndefined();
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 0, queuedRequests: 0 });
  });

  it('dead-letters a failed request with its event and reason; a requeue puts it back, attempts counted on', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1'), trackOf('b', 'u1')], 7)], time));
    const [a] = await outbox.claim(1, time, LEASE);
    const last = { status: 400, body: 'bad name' };
    expect(await outbox.settle(a!, { result: 'failed', reason: 'OpenPanel refused it (400)', attempts: 1, firstAttemptAt: time, last }, time)).toBeUndefined();
    const [b] = await outbox.claim(1, time, LEASE);
    const final = await outbox.settle(b!, { result: 'delivered', attempts: 1 }, time + 5);
    expect(final).toMatchObject({ status: 'dead_lettered', index: 7, messageId: 'm1', attempts: 2, reason: '1 of 2 requests not delivered: track: OpenPanel refused it (400)' });
    expect(final!.deadLetterId).toEqual(expect.any(String));
    const [letter] = await state.deadLetters.list();
    expect(letter).toMatchObject({ id: final!.deadLetterId, messageId: 'm1', userKey: 'u1', index: 7, lastResponse: last, attempts: 2, requests: [trackOf('a', 'u1')] });
    expect(letter!.event).toEqual({ messageId: 'm1', userId: 'u1' });
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 0, deadLetters: 1 });

    expect(await outbox.requeueDeadLetters(10, time + 10)).toBe(1);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 1, deadLetters: 0 });
    const [replayed] = await outbox.claim(1, time + 10, LEASE);
    expect(replayed).toMatchObject({ key: 'm1:track:a', lane: 'u:u1' });
    expect(await outbox.settle(replayed!, { result: 'delivered', attempts: 1 }, time + 10)).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('ends an event only when every lane it touched has settled', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [upsertOf('acme', 'pro'), trackOf('joined', 'u1')])], time));
    const entries = await outbox.claim(10, time, LEASE);
    expect(entries.map((e) => e.lane).sort()).toEqual(['g:acme', 'u:u1']);
    expect(await outbox.settle(entries[0]!, { result: 'delivered', attempts: 1 }, time)).toBeUndefined();
    expect(await outbox.settle(entries[1]!, { result: 'delivered', attempts: 1 }, time)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it("drops a group's superseded upserts that are not on the wire, keeping the newest", async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [upsertOf('acme', 'free')])], time));
    const [onWire] = await outbox.claim(10, time, LEASE);
    await outbox.commit(changeSet([event('m2', 'u2', [upsertOf('acme', 'pro')])], time));
    const third = await outbox.commit(changeSet([event('m3', 'u3', [upsertOf('acme', 'enterprise')])], time));
    // m2 was never sent: the newer upsert carries the latest traits, so m2 is done.
    expect(third.settled).toEqual([expect.objectContaining({ messageId: 'm2', status: 'delivered' })]);
    expect(await state.dedupe.delivered(['m2:group:acme'])).toEqual(new Set(['m2:group:acme']));
    await outbox.settle(onWire!, { result: 'delivered', attempts: 1 }, time);
    expect(names(await outbox.claim(10, time, LEASE))).toEqual(['group:{"plan":"enterprise"}']);
    expect(await outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 1 });
  });

  it('tells an idle worker when the next lane is ready', async () => {
    await outbox.commit(changeSet([event('m1', 'u1', [trackOf('a', 'u1')])], time));
    expect(await outbox.nextReadyAt()).toBeLessThanOrEqual(time);
  });
});
