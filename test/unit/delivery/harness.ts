import nock from 'nock';
import { configSchema, type DestinationConfig, type DestinationConfigInput } from '../../../src/config/schema.js';
import { MemoryDeadLetterStore } from '../../../src/delivery/dead-letters.js';
import { MemoryDedupeStore } from '../../../src/delivery/dedupe.js';
import { Deliverer, type DelivererOptions, type DeliveryJob } from '../../../src/delivery/deliverer.js';
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

export function job(index: number, messageId: string, userKey: string | undefined, requests: OpenPanelRequest[]): DeliveryJob {
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


export function newDeliverer(config: DestinationConfig, options: Partial<DelivererOptions> = {}) {
  const dedupe = options.dedupe ?? new MemoryDedupeStore(config);
  const deadLetters = options.deadLetters ?? new MemoryDeadLetterStore();
  const { sleep, now } = fakeClock();
  const deliverer = new Deliverer({ config, transport: 'http', dedupe, deadLetters, sleep, now, random: () => 0.5, ...options });
  return { deliverer, dedupe, deadLetters };
}
export { useNock } from '../../support/nock.js';
