import nock from 'nock';
import { configSchema, type DestinationConfig, type DestinationConfigInput } from '../../../src/config/schema.js';
import { Deliverer, type DelivererOptions } from '../../../src/delivery/deliverer.js';
import { laneRequests } from '../../../src/delivery/lanes.js';
import type { FinalOutcome } from '../../../src/delivery/outbox.js';
import type { EventOutcome } from '../../../src/delivery/outcome.js';
import { openSqliteState } from '../../../src/state/sqlite/index.js';
import type { OpenPanelBody, OpenPanelRequest } from '../../../src/openpanel/contract.js';

/** Shared setup for the delivery tests: config, request builders, a nock-backed OpenPanel and an injected clock. */
export const secret = 'sec_delivery_test_0123456789abcdef';
export const apiUrl = 'http://openpanel.test';

export function testConfig(overrides: Partial<DestinationConfigInput> = {}): DestinationConfig {
  return configSchema.parse({ clientId: '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', clientSecret: secret, apiUrl, ...overrides });
}

const headers = { 'openpanel-client-id': '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' };
export const track = (name: string, profileId = 'u1'): OpenPanelRequest => ({ headers, body: { type: 'track', payload: { name, profileId } } });
export const group = (id: string): OpenPanelRequest => ({ headers, body: { type: 'group', payload: { id, type: 'company', name: id } } });
export const assignGroup = (id: string, profileId = 'u1'): OpenPanelRequest => ({
  headers,
  body: { type: 'assign_group', payload: { groupIds: [id], profileId } },
});

/** One event to deliver: its requests go to their lanes (the user's, or the group's for an upsert). */
export interface Job {
  index: number;
  messageId: string;
  userKey?: string;
  requests: OpenPanelRequest[];
  event: unknown;
}

export function job(index: number, messageId: string, userKey: string | undefined, requests: OpenPanelRequest[]): Job {
  return { index, messageId, userKey, requests, event: { type: 'track', messageId, userId: userKey } };
}

/** A Node-style network error for nock's replyWithError (an Error instance: plain objects trip nock 14). */
export const networkError = (code: string): Error => Object.assign(new Error(`${code} (simulated)`), { code });

/** What the fake OpenPanel received, in arrival order. */
export interface Received {
  body: OpenPanelBody;
  headers: Record<string, string | string[] | undefined>;
}

export type Reply = [status: number, body?: string | object, headers?: Record<string, string>];

/** A nock-backed /track whose answer `respond` picks per request (the 'http' transport is what nock sees). */
export function fakeOpenPanel(respond: (body: OpenPanelBody, n: number) => Reply = () => [200, { deviceId: 'd', sessionId: 's' }]) {
  const received: Received[] = [];
  nock(apiUrl)
    .persist()
    .post('/track')
    .reply(function (_uri, requestBody) {
      const body = (typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody) as OpenPanelBody;
      received.push({ body, headers: this.req.headers });
      return respond(body, received.length);
    });
  return { received, names: () => received.map(({ body }) => (body.type === 'track' ? body.payload.name : body.type)) };
}

/** A clock that moves only when the deliverer sleeps: backoffs cost no real time. */
export function fakeClock(start = Date.UTC(2025, 0, 1)) {
  const clock = { time: start, delays: [] as number[] };
  const sleep = async (ms: number): Promise<void> => {
    clock.delays.push(ms);
    clock.time += ms;
  };
  return { clock, sleep, now: () => clock.time };
}

/** A sleep that waits until the test releases it: holds a request in backoff for as long as a test needs. */
export function heldSleep() {
  const waiting: Array<() => void> = [];
  return {
    sleep: (): Promise<void> => new Promise<void>((resolve) => waiting.push(resolve)),
    get waiting() {
      return waiting.length;
    },
    release(): void {
      waiting.splice(0).forEach((resolve) => resolve());
    },
  };
}

/** Resolves once `condition` holds, checking after each turn of the event loop; fails instead of spinning forever. */
export async function until(condition: () => boolean, turns = 10_000): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn === turns) throw new Error(`condition not reached after ${turns} event-loop turns`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A deliverer over an in-memory outbox, with `deliver(job)` committing one event and resolving with its final
 * outcome (what the destination does for `send`), and the fake clock unless a test brings its own.
 */
export function newDeliverer(config: DestinationConfig, options: Partial<Omit<DelivererOptions, 'config' | 'outbox' | 'onFinal'>> = {}) {
  const clock = fakeClock();
  const now = options.now ?? clock.now;
  const state = openSqliteState(undefined, config, { now });
  const waiting = new Map<string, (outcome: FinalOutcome) => void>();
  const deliverer = new Deliverer({
    config,
    outbox: state.outbox,
    transport: 'http',
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
    now,
    onFinal: (outcome) => waiting.get(outcome.eventId)?.(outcome),
  });
  deliverer.start();
  async function deliver(job: Job): Promise<EventOutcome> {
    const event = { index: job.index, messageId: job.messageId, ...(job.userKey !== undefined ? { userKey: job.userKey } : {}), event: job.event };
    const committed = await state.outbox.commit({
      membership: { merges: [] },
      events: [{ ...event, requests: laneRequests(job.messageId, job.userKey, job.requests) }],
      now: now(),
    });
    const entry = committed.events[0]!;
    if ('duplicate' in entry) return { index: job.index, messageId: job.messageId, status: 'skipped', reason: 'duplicate' };
    const final = new Promise<FinalOutcome>((resolve) => waiting.set(entry.eventId, resolve));
    deliverer.wake();
    const { eventId: _, ...outcome } = await final;
    return outcome;
  }
  return { deliverer, deliver, outbox: state.outbox, dedupe: state.dedupe, deadLetters: state.deadLetters };
}
export { useNock } from '../../support/nock.js';
