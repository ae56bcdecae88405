import { describe, expect, it } from '@jest/globals';
import { laneRequests } from '../../src/delivery/lanes.js';
import { QueueFullError, type ChangeSet, type NewOutboxEvent, type Outbox, type OutboxEntry, type Settlement } from '../../src/delivery/outbox.js';
import type { MembershipChanges } from '../../src/membership/store.js';
import type { OpenPanelRequest } from '../../src/openpanel/contract.js';
import type { State } from '../../src/state/state.js';

/**
 * The Outbox contract (src/delivery/outbox.ts), run against every backend: `open()` gives a fresh state,
 * `reopen(state)` (durable backends) closes it and opens the same storage again, as a restart would.
 */
export interface OutboxBackend {
  name: string;
  open(): Promise<State>;
  reopen?: (state: State) => Promise<State>;
  /** Several processes share the storage (Redis): a restart cannot tell its own leases from a live instance's, so they stand until they expire. */
  sharedLeases?: boolean;
}

const T0 = Date.UTC(2025, 0, 1);
const LEASE = 60_000;
const noMembership: MembershipChanges = { merges: [] };

const headers = { 'openpanel-client-id': '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60' };
const track = (name: string, profileId = 'u1'): OpenPanelRequest => ({ headers, body: { type: 'track', payload: { name, profileId } } });
const upsert = (id: string, plan: string): OpenPanelRequest => ({
  headers,
  body: { type: 'group', payload: { id, type: 'company', name: id, properties: { plan } } },
});
const groupCall = (id: string, name: string, type: string, properties: Record<string, unknown>): OpenPanelRequest => ({
  headers,
  body: { type: 'group', payload: { id, name, type, properties } },
});
const assign = (id: string, profileId = 'u1'): OpenPanelRequest => ({ headers, body: { type: 'assign_group', payload: { groupIds: [id], profileId } } });

function event(index: number, messageId: string, userKey: string | undefined, requests: OpenPanelRequest[]): NewOutboxEvent {
  return { index, messageId, ...(userKey !== undefined ? { userKey } : {}), event: { messageId }, requests: laneRequests(messageId, userKey, requests) };
}
const changes = (events: NewOutboxEvent[], membership = noMembership, now = T0): ChangeSet => ({ membership, events, now });
const names = (entries: OutboxEntry[]): string[] =>
  entries.map((e) => (e.request.body.type === 'track' ? e.request.body.payload.name : `${e.request.body.type}:${e.lane}`));
const settleOne = async (outbox: Outbox, entry: OutboxEntry, settlement: Settlement, now: number) => (await outbox.settle([{ entry, settlement }], now))[0];
const delivered = (entry: OutboxEntry) => ({ result: 'delivered' as const, attempts: entry.attempts + 1 });

export function outboxContract(backend: OutboxBackend): void {
  describe(`${backend.name} outbox (contract)`, () => {
    const withState = (test: (state: State) => Promise<State | void>) => async () => {
      const state = await backend.open();
      const last = await test(state);
      await (last ?? state).close();
    };

    it(
      'claims one head per lane, in order, and a lane again only once its head is settled',
      withState(async ({ outbox }) => {
        await outbox.commit(
          changes([event(0, 'a1', 'A', [track('A1', 'A')]), event(1, 'a2', 'A', [track('A2', 'A')]), event(2, 'b1', 'B', [track('B1', 'B')])]),
        );
        const first = await outbox.claim(10, T0, LEASE);
        expect(names(first)).toEqual(['A1', 'B1']);
        expect(await outbox.claim(10, T0, LEASE)).toEqual([]);
        const final = await settleOne(outbox, first[0]!, delivered(first[0]!), T0 + 1);
        expect(final).toEqual({ eventId: first[0]!.eventId, index: 0, messageId: 'a1', status: 'delivered', attempts: 1 });
        expect(names(await outbox.claim(10, T0 + 1, LEASE))).toEqual(['A2']);
      }),
    );

    it(
      'an event is final once every request is settled; a delivered key is never queued again',
      withState(async ({ outbox, dedupe }) => {
        const committed = await outbox.commit(changes([event(0, 'm1', 'u1', [assign('acme'), track('Joined')])]));
        expect(committed.events).toEqual([{ eventId: expect.any(String), queuedRequests: 2 }]);
        const [a] = await outbox.claim(10, T0, LEASE);
        expect(await settleOne(outbox, a!, delivered(a!), T0)).toBeUndefined();
        const [b] = await outbox.claim(10, T0, LEASE);
        expect(await settleOne(outbox, b!, delivered(b!), T0)).toMatchObject({ status: 'delivered', attempts: 2 });
        expect(await dedupe.delivered(['m1:assign_group:acme', 'm1:track:Joined'])).toEqual(new Set(['m1:assign_group:acme', 'm1:track:Joined']));
        expect((await outbox.commit(changes([event(5, 'm1', 'u1', [assign('acme'), track('Joined')])]))).events).toEqual([{ duplicate: true }]);
        expect(await outbox.stats()).toMatchObject({ queuedEvents: 0, queuedRequests: 0 });
      }),
    );

    it(
      'a copy committed while the first is still queued is a duplicate; a partly new copy queues only the new request',
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')])]));
        const again = await outbox.commit(changes([event(1, 'm1', 'u1', [track('A')]), event(2, 'm1', 'u1', [track('A'), track('B')])]));
        expect(again.events).toEqual([{ duplicate: true }, { eventId: expect.any(String), queuedRequests: 1 }]);
        expect(await outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
      }),
    );

    it(
      'retry keeps the head (attempts, first attempt) and holds the lane until `at`',
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')]), event(1, 'm2', 'u1', [track('B')])]));
        const [head] = await outbox.claim(10, T0, LEASE);
        const last = { status: 503, body: 'down' };
        await settleOne(outbox, head!, { result: 'retry', at: T0 + 5_000, attempts: 1, firstAttemptAt: T0, last }, T0);
        expect(await outbox.claim(10, T0 + 4_999, LEASE)).toEqual([]);
        expect(await outbox.nextReadyAt()).toBe(T0 + 5_000);
        const [again] = await outbox.claim(10, T0 + 5_000, LEASE);
        expect(again).toMatchObject({ id: head!.id, attempts: 1, firstAttemptAt: T0 });
        await settleOne(outbox, again!, { result: 'failed', reason: 'gave up after 2 attempts', attempts: 2, firstAttemptAt: T0, last }, T0 + 6_000);
        expect(names(await outbox.claim(10, T0 + 6_000, LEASE))).toEqual(['B']);
      }),
    );

    it(
      'releaseBackoffs makes every lane waiting on a backoff ready now, leaving leased lanes leased',
      withState(async ({ outbox }) => {
        await outbox.commit(
          changes([event(0, 'm1', 'u1', [track('A', 'u1')]), event(1, 'm2', 'u2', [track('B', 'u2')]), event(2, 'm3', 'u3', [track('C', 'u3')])]),
        );
        const [a, b] = await outbox.claim(3, T0, LEASE);
        const last = { status: 503 };
        await outbox.settle(
          [a!, b!].map((entry) => ({ entry, settlement: { result: 'retry', at: T0 + 3_600_000, attempts: 1, firstAttemptAt: T0, last } as const })),
          T0,
        );
        expect(await outbox.claim(10, T0 + 1_000, LEASE)).toEqual([]);
        expect(await outbox.releaseBackoffs(T0 + 1_000)).toBe(2);
        expect(names(await outbox.claim(10, T0 + 1_000, LEASE)).sort()).toEqual(['A', 'B']);
        expect(await outbox.releaseBackoffs(T0 + 1_000)).toBe(0);
      }),
    );

    it(
      'a failed request ends in the dead letter of its event, written with the outcome',
      withState(async ({ outbox, deadLetters }) => {
        await outbox.commit(changes([event(3, 'm1', 'u1', [assign('acme'), track('Joined')])]));
        const [a] = await outbox.claim(1, T0, LEASE);
        const last = { status: 400, body: 'Invalid type' };
        await settleOne(outbox, a!, { result: 'failed', reason: 'HTTP 400: Invalid type', attempts: 1, firstAttemptAt: T0, last }, T0);
        const [b] = await outbox.claim(1, T0, LEASE);
        const final = await settleOne(outbox, b!, delivered(b!), T0 + 1_000);
        expect(final).toMatchObject({
          status: 'dead_lettered',
          index: 3,
          messageId: 'm1',
          attempts: 2,
          reason: '1 of 2 requests not delivered: assign_group: HTTP 400: Invalid type',
        });
        const [record] = await deadLetters.list();
        expect(record).toMatchObject({
          id: final!.deadLetterId,
          messageId: 'm1',
          userKey: 'u1',
          index: 3,
          requests: [assign('acme')],
          lastResponse: last,
          attempts: 2,
          event: { messageId: 'm1' },
        });
        expect(await outbox.stats()).toMatchObject({ queuedEvents: 0, deadLetters: 1 });
      }),
    );

    it(
      "an event committed with its JSON text (serve's routes have it) is stored as that text: its dead letter reads it back",
      withState(async ({ outbox, deadLetters }) => {
        const json = '{"messageId":"m1","note":"as received"}';
        await outbox.commit(changes([{ ...event(0, 'm1', 'u1', [track('A')]), json }]));
        const [a] = await outbox.claim(1, T0, LEASE);
        await settleOne(outbox, a!, { result: 'failed', reason: 'HTTP 400', attempts: 1, firstAttemptAt: T0, last: { status: 400 } }, T0);
        expect((await deadLetters.list())[0]?.event).toEqual({ messageId: 'm1', note: 'as received' });
      }),
    );

    it(
      'released leaves the head as it was, claimable at once; a lease keeps others off until it expires',
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')])]));
        const [head] = await outbox.claim(1, T0, LEASE);
        expect(await outbox.claim(1, T0 + LEASE - 1, LEASE)).toEqual([]);
        expect(await outbox.nextReadyAt()).toBeUndefined();
        await settleOne(outbox, head!, { result: 'released' }, T0);
        expect(await outbox.claim(1, T0, LEASE)).toEqual([head]);
        // A dead worker's lease runs out: the request can be claimed again (at most it is sent twice).
        expect(await outbox.claim(1, T0 + LEASE, LEASE)).toEqual([head]);
      }),
    );

    it(
      'a newer upsert of a group replaces the unclaimed older one, whichever user sent it; the older key counts as settled',
      withState(async ({ outbox, dedupe }) => {
        await outbox.commit(changes([event(0, 'g1', 'u1', [upsert('acme', 'free'), assign('acme', 'u1')])]));
        const second = await outbox.commit(changes([event(1, 'g2', 'u2', [upsert('acme', 'pro')])]));
        expect(second.settled).toEqual([]);
        const claimed = await outbox.claim(10, T0, LEASE);
        expect(names(claimed).sort()).toEqual(['assign_group:u:u1', 'group:g:acme']);
        const up = claimed.find((e) => e.lane === 'g:acme')!;
        expect(up.request).toEqual(upsert('acme', 'pro'));
        expect(await dedupe.delivered(['g1:group:acme'])).toEqual(new Set(['g1:group:acme']));
        const assignEntry = claimed.find((e) => e.lane === 'u:u1')!;
        expect(await settleOne(outbox, assignEntry, delivered(assignEntry), T0)).toMatchObject({ messageId: 'g1', status: 'delivered' });
        // An upsert already on the wire is kept; the next one waits behind it and replaces nothing but the unclaimed.
        await outbox.commit(changes([event(2, 'g3', 'u3', [upsert('acme', 'team')])]));
        const third = await outbox.commit(changes([event(3, 'g4', 'u3', [upsert('acme', 'enterprise')])]));
        expect(third.settled).toMatchObject([{ messageId: 'g3', status: 'delivered' }]);
        expect(await settleOne(outbox, up, delivered(up), T0)).toMatchObject({ messageId: 'g2', status: 'delivered' });
        const [next] = await outbox.claim(10, T0, LEASE);
        expect(next?.request).toEqual(upsert('acme', 'enterprise'));
        // The replaced event, sent again, does not bring its stale traits back.
        expect((await outbox.commit(changes([event(2, 'g3', 'u3', [upsert('acme', 'team')])]))).events).toEqual([{ duplicate: true }]);
      }),
    );

    it(
      'applies membership merges with the commit',
      withState(async ({ outbox, membership }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')])], { merges: [['u1', [{ groupId: 'acme', assignedAt: 20 }]]] }));
        await outbox.commit(
          changes([], {
            merges: [
              [
                'u1',
                [
                  { groupId: 'acme', assignedAt: 10 },
                  { groupId: 'beta', assignedAt: 30 },
                ],
              ],
            ],
          }),
        );
        expect(await membership.get('u1')).toEqual([
          { groupId: 'acme', assignedAt: 10 },
          { groupId: 'beta', assignedAt: 30 },
        ]);
      }),
    );

    it(
      "folds each group upsert it queues into the group's state, as OpenPanel merges it; a re-sent (deduped) one changes nothing",
      withState(async ({ outbox, membership }) => {
        await outbox.commit(
          changes(
            [event(0, 'g1', 'u1', [groupCall('acme', 'Acme Inc', 'workspace', { plan: 'free', seats: 5, address: { city: 'Lyon' } })])],
            noMembership,
            T0,
          ),
        );
        await outbox.commit(
          changes(
            [event(1, 'g2', 'u2', [groupCall('acme', 'Acme', 'workspace', { plan: 'pro', seats: null, address: { zip: 69001 } })])],
            noMembership,
            T0 + 5,
          ),
        );
        const merged = {
          groupId: 'acme',
          name: 'Acme',
          type: 'workspace',
          properties: { plan: 'pro', 'address.city': 'Lyon', 'address.zip': '69001' },
          updatedAt: T0 + 5,
        };
        expect(await membership.group('acme')).toEqual(merged);
        // g1 again: its request is still queued (superseded: counted as delivered), so its old name is not taken.
        expect(
          (await outbox.commit(changes([event(0, 'g1', 'u1', [groupCall('acme', 'Acme Inc', 'workspace', { plan: 'free' })])], noMembership, T0 + 9))).events,
        ).toEqual([{ duplicate: true }]);
        expect(await membership.group('acme')).toEqual(merged);
        expect(await membership.group('other')).toBeUndefined();
      }),
    );

    it(
      "a superseding upsert carries the unsent ones' properties under its own, and after one on the wire only what came later",
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'g1', 'u1', [groupCall('acme', 'Acme', 'company', { plan: 'free', industry: 'retail' })])]));
        const [onWire] = await outbox.claim(1, T0, LEASE);
        await outbox.commit(changes([event(1, 'g2', 'u1', [groupCall('acme', 'Acme', 'company', { seats: 5, address: { city: 'Lyon' } })])]));
        await outbox.commit(changes([event(2, 'g3', 'u2', [groupCall('acme', 'Acme Inc', 'workspace', { seats: 8, industry: null })])]));
        const third = await outbox.commit(changes([event(3, 'g4', 'u3', [groupCall('acme', 'Acme Inc', 'workspace', { plan: 'pro' })])]));
        expect(third.settled).toMatchObject([{ messageId: 'g3', status: 'delivered' }]);
        await settleOne(outbox, onWire!, delivered(onWire!), T0);
        const [next] = await outbox.claim(10, T0, LEASE);
        // g2 and g3 were superseded by g4 (g2 by g3 first): each one's properties, older first, g4's on top.
        expect(next!.request).toEqual(
          groupCall('acme', 'Acme Inc', 'workspace', { seats: '8', address: null, 'address.city': 'Lyon', industry: null, plan: 'pro' }),
        );
      }),
    );

    it(
      'tells which keys a commit would drop: queued, delivered, superseded',
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'g1', 'u1', [upsert('acme', 'free')]), event(1, 'm1', 'u1', [track('A')])]));
        await outbox.commit(changes([event(2, 'g2', 'u2', [upsert('acme', 'pro')])]));
        const [a] = (await outbox.claim(10, T0, LEASE)).filter((e) => e.lane === 'u:u1');
        await settleOne(outbox, a!, delivered(a!), T0);
        expect(await outbox.taken(['g1:group:acme', 'g2:group:acme', 'm1:track:A', 'm9:track:A'])).toEqual(
          new Set(['g1:group:acme', 'g2:group:acme', 'm1:track:A']),
        );
        expect(await outbox.taken([])).toEqual(new Set());
      }),
    );

    it(
      'a replayed dead-lettered upsert brings its group to the current state, not back to its own',
      withState(async ({ outbox, membership }) => {
        await outbox.commit(changes([event(0, 'g1', 'u1', [groupCall('acme', 'Acme', 'company', { plan: 'free', seats: 5, trial: true })])]));
        const [first] = await outbox.claim(1, T0, LEASE);
        await settleOne(outbox, first!, { result: 'failed', reason: 'HTTP 400', attempts: 1, firstAttemptAt: T0, last: { status: 400 } }, T0);
        await outbox.commit(changes([event(1, 'g2', 'u1', [groupCall('acme', 'Acme Inc', 'workspace', { plan: 'pro', trial: null })])]));
        const [second] = await outbox.claim(1, T0, LEASE);
        await settleOne(outbox, second!, delivered(second!), T0);
        expect(await outbox.requeueDeadLetters(10, T0 + 10)).toBe(1);
        const [replayed] = await outbox.claim(1, T0 + 10, LEASE);
        expect(replayed!.request).toEqual(groupCall('acme', 'Acme Inc', 'workspace', { plan: 'pro', seats: '5', trial: null }));
        expect(await membership.group('acme')).toMatchObject({ name: 'Acme Inc', type: 'workspace', properties: { plan: 'pro', seats: '5' } });
      }),
    );

    it(
      'refuses a commit beyond maxQueuedEvents with QueueFullError, writing nothing of it',
      withState(async ({ outbox, membership }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')]), event(1, 'm2', 'u2', [track('B')])]), 3);
        const refused = outbox.commit(
          changes([event(2, 'm3', 'u3', [track('C')]), event(3, 'm4', 'u4', [track('D')])], { merges: [['u3', [{ groupId: 'g', assignedAt: 1 }]]] }),
          3,
        );
        await expect(refused).rejects.toBeInstanceOf(QueueFullError);
        expect(await membership.get('u3')).toEqual([]);
        expect(await outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
      }),
    );

    it(
      'requeues dead letters oldest first with their history, and stats count what waits',
      withState(async ({ outbox }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('A')]), event(1, 'm2', 'u1', [track('B')])], noMembership, T0));
        for (let i = 0; i < 2; i++) {
          const [head] = await outbox.claim(1, T0, LEASE);
          await settleOne(outbox, head!, { result: 'failed', reason: 'HTTP 400', attempts: 1, firstAttemptAt: T0, last: { status: 400 } }, T0);
        }
        expect(await outbox.stats()).toEqual({ queuedEvents: 0, queuedRequests: 0, deadLetters: 2 });
        expect(await outbox.requeueDeadLetters(1, T0 + 10)).toBe(1);
        expect(await outbox.requeueDeadLetters(10, T0 + 20)).toBe(1);
        expect(await outbox.stats()).toEqual({ queuedEvents: 2, queuedRequests: 2, oldestQueuedAt: T0 + 10, deadLetters: 0 });
        const [a] = await outbox.claim(10, T0 + 20, LEASE);
        expect(names([a!])).toEqual(['A']);
        expect(await settleOne(outbox, a!, delivered(a!), T0 + 20)).toMatchObject({ messageId: 'm1', status: 'delivered', attempts: 2 });
      }),
    );

    it(
      "a dead letter keeps each failed request's key: a repeated request (`#2`) that alone failed is requeued, not taken for its delivered twin",
      withState(async ({ outbox, deadLetters }) => {
        await outbox.commit(changes([event(0, 'm1', 'u1', [track('Clicked'), track('Clicked')])]));
        const [first] = await outbox.claim(1, T0, LEASE);
        expect(first!.key).toBe('m1:track:Clicked');
        await settleOne(outbox, first!, delivered(first!), T0);
        const [second] = await outbox.claim(1, T0, LEASE);
        expect(second!.key).toBe('m1:track:Clicked#2');
        const final = await settleOne(outbox, second!, { result: 'failed', reason: 'HTTP 400', attempts: 1, firstAttemptAt: T0, last: { status: 400 } }, T0);
        expect(final).toMatchObject({ status: 'dead_lettered' });
        expect(await deadLetters.list()).toEqual([expect.objectContaining({ requests: [track('Clicked')], keys: ['m1:track:Clicked#2'] })]);
        expect(await outbox.requeueDeadLetters(10, T0 + 10)).toBe(1);
        expect(await outbox.stats()).toMatchObject({ queuedEvents: 1, queuedRequests: 1, deadLetters: 0 });
        const [again] = await outbox.claim(10, T0 + 10, LEASE);
        expect(again).toMatchObject({ key: 'm1:track:Clicked#2', request: track('Clicked'), attempts: 0 });
        // The event's attempts count on from its first life: one delivered, one failed, then this one.
        expect(await settleOne(outbox, again!, delivered(again!), T0 + 10)).toMatchObject({ messageId: 'm1', status: 'delivered', attempts: 3 });
      }),
    );

    if (backend.reopen) {
      const reopen = backend.reopen;
      it(
        'keeps group states and merged superseding upserts across a restart',
        withState(async (state) => {
          await state.outbox.commit(changes([event(2, 'g1', 'u1', [groupCall('acme', 'Acme', 'workspace', { plan: 'free', seats: 5 })])]));
          await state.outbox.commit(changes([event(3, 'g2', 'u1', [groupCall('acme', 'Acme', 'workspace', { plan: 'pro' })])]));
          const group = await state.membership.group('acme');
          expect(group).toMatchObject({ name: 'Acme', type: 'workspace', properties: { plan: 'pro', seats: '5' } });
          const after = await reopen(state);
          expect(await after.membership.group('acme')).toEqual(group);
          const [head] = await after.outbox.claim(10, T0, LEASE);
          expect(head!.request).toEqual(groupCall('acme', 'Acme', 'workspace', { plan: 'pro', seats: '5' }));
          return after;
        }),
      );

      it(
        'keeps everything across a restart: queue, attempts, membership; leases of the dead process are dropped (shared storage: once expired)',
        withState(async (state) => {
          await state.outbox.commit(
            changes([event(0, 'm1', 'u1', [track('A')]), event(1, 'm2', 'u1', [track('B')])], { merges: [['u1', [{ groupId: 'acme', assignedAt: 5 }]]] }),
          );
          const [head] = await state.outbox.claim(1, T0, LEASE);
          await settleOne(state.outbox, head!, { result: 'retry', at: T0 + 10, attempts: 3, firstAttemptAt: T0, last: { status: 503 } }, T0);
          await state.outbox.claim(1, T0 + 10, LEASE);
          const after = await reopen(state);
          expect(await after.outbox.stats()).toMatchObject({ queuedEvents: 2, queuedRequests: 2 });
          expect(await after.membership.get('u1')).toEqual([{ groupId: 'acme', assignedAt: 5 }]);
          const claimAt = backend.sharedLeases ? T0 + 10 + LEASE : T0 + 10;
          if (backend.sharedLeases) expect(await after.outbox.claim(10, claimAt - 1, LEASE)).toEqual([]);
          expect(await after.outbox.claim(10, claimAt, LEASE)).toEqual([expect.objectContaining({ id: head!.id, attempts: 3, firstAttemptAt: T0 })]);
          return after;
        }),
      );
    }
  });
}
