import { describe, expect, it } from '@jest/globals';
import { zCdpEvent } from '../../../src/events/schema.js';
import { generateEvents } from '../../support/event-stream.js';

type Loose = Record<string, any>;

describe('generated event stream', () => {
  const events = generateEvents({ users: 40, eventsPerUser: 12, seed: 42 }) as Loose[];
  const userOf = (e: Loose) => (e['type'] === 'alias' ? e['userId'] : (e['userId'] ?? e['anonymousId']));

  it('is the same for the same seed and differs for another', () => {
    expect(generateEvents({ users: 40, eventsPerUser: 12, seed: 42 })).toEqual(events);
    expect(generateEvents({ users: 40, eventsPerUser: 12, seed: 43 })).not.toEqual(events);
  });

  it('holds only valid Segment-spec events with unique messageIds', () => {
    for (const event of events) expect(zCdpEvent.safeParse(event).error).toBeUndefined();
    expect(new Set(events.map((e) => e['messageId'])).size).toBe(events.length);
  });

  it("interleaves users while each user's timestamps strictly increase", () => {
    const byAnonymousId = new Map<string, number[]>();
    for (const e of events) byAnonymousId.set(e['anonymousId'], [...(byAnonymousId.get(e['anonymousId']) ?? []), Date.parse(e['timestamp'])]);
    expect(byAnonymousId.size).toBe(40);
    for (const times of byAnonymousId.values()) expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(events.slice(0, 20).map(userOf)).size).toBeGreaterThan(1);
  });

  it('gives every user an identify and a group call, and one revenue-bearing Order Completed', () => {
    const users = new Set(events.filter((e) => e['userId']).map((e) => e['userId']));
    expect(users.size).toBe(40);
    for (const userId of users) {
      const own = events.filter((e) => e['userId'] === userId);
      expect(own.filter((e) => e['type'] === 'identify')).toHaveLength(1);
      expect(own.some((e) => e['type'] === 'group')).toBe(true);
      const orders = own.filter((e) => e['event'] === 'Order Completed');
      expect(orders).toHaveLength(1);
      expect(typeof orders[0]?.['properties']['revenue']).toBe('number');
    }
  });

  it('mixes in the cases the mapping must handle', () => {
    const has = (p: (e: Loose) => boolean) => events.some(p);
    expect(has((e) => e['type'] === 'identify' && e['traits'].company?.id)).toBe(true);
    expect(has((e) => e['type'] === 'group' && ['workspace', 'company'].includes(e['traits'].type))).toBe(true);
    expect(has((e) => e['type'] === 'track' && Array.isArray(e['properties'].groups))).toBe(true);
    expect(has((e) => e['type'] === 'page' && e['context'].page.url)).toBe(true);
    expect(has((e) => e['type'] === 'screen' && e['context'].os.name && e['context'].device.model)).toBe(true);
    expect(has((e) => e['type'] === 'alias' && e['previousId'] === e['anonymousId'])).toBe(true);
    expect(has((e) => !e['userId'] && e['type'] !== 'alias')).toBe(true);
    expect(events.every((e) => e['context'].ip && e['context'].userAgent)).toBe(true);

    const groupCalls = events.filter((e) => e['type'] === 'group').map((e) => `${e['userId']} ${e['groupId']} ${JSON.stringify(e['traits'])}`);
    expect(new Set(groupCalls).size).toBeLessThan(groupCalls.length);
  });
});
