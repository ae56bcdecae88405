import { describe, expect, it } from '@jest/globals';
import { zCdpEvent } from '../../../src/events/schema.js';
import { fastParseEvent } from '../../../src/events/fast-event.js';
import { readLeniently } from '../../../src/events/lenient.js';
import { isPlainObject } from '../../../src/helpers/values.js';
import { corpusMissing, readCorpus } from '../../corpus/corpus.js';
import { generateEvents } from '../../support/event-stream.js';

/** zod's parse as it is seen downstream: the value, its keys in order (present-but-undefined ones included). */
const shape = (value: unknown): unknown =>
  isPlainObject(value) ? Object.entries(value).map(([k, v]) => [k, k === 'context' || k === 'properties' || k === 'traits' ? v : shape(v)]) : value;

// The fast check (events/fast-event.ts) must be zod's schema, only faster: same event for everything it takes, and
// it leaves to zod everything zod rejects (zod then names the problem).
describe('fastParseEvent agrees with zCdpEvent', () => {
  const cases: Array<[string, unknown]> = [
    ['numeric ids become strings', { type: 'track', event: 'A', userId: 42, messageId: 7 }],
    ['null and blank userId mean none', { type: 'track', event: 'A', userId: null, anonymousId: ' a ' }],
    ['blank anonymousId with a userId', { type: 'page', userId: 'u', anonymousId: '', name: 'Home' }],
    ['unknown keys dropped', { type: 'identify', userId: 'u', traits: { a: 1 }, extra: true, version: 2 }],
    ['undefined optional keys kept', { type: 'screen', userId: 'u', name: undefined, properties: undefined }],
    ['group id trimmed', { type: 'group', userId: 'u', groupId: ' g1 ' }],
    ['alias', { type: 'alias', userId: 'u', previousId: 3 }],
    ['no user', { type: 'track', event: 'A' }],
    ['alias without userId', { type: 'alias', anonymousId: 'a', previousId: 'p' }],
    ['blank event name', { type: 'track', event: '  ', userId: 'u' }],
    ['array properties', { type: 'track', event: 'A', userId: 'u', properties: [1] }],
    ['object userId', { type: 'track', event: 'A', userId: {} }],
    ['NaN id', { type: 'track', event: 'A', userId: Number.NaN }],
    ['numeric channel', { type: 'track', event: 'A', userId: 'u', channel: 1 }],
    ['unknown type', { type: 'click', userId: 'u' }],
    ['missing groupId', { type: 'group', userId: 'u' }],
  ];
  it.each(cases)('%s', (_, raw) => {
    const input = raw as Record<string, unknown>;
    const zod = zCdpEvent.safeParse(input);
    const fast = fastParseEvent(input);
    if (zod.success) expect(shape(fast)).toEqual(shape(zod.data));
    else expect(fast).toBeUndefined();
  });

  const agreeOn = (events: unknown[]): number => {
    let taken = 0;
    for (const raw of events) {
      if (!isPlainObject(raw)) continue;
      const { input } = readLeniently(raw);
      const zod = zCdpEvent.safeParse(input);
      const fast = fastParseEvent(input);
      if (zod.success) {
        expect(JSON.stringify(shape(fast))).toBe(JSON.stringify(shape(zod.data)));
        taken++;
      } else expect(fast).toBeUndefined();
    }
    return taken;
  };

  it('on a generated stream: every event taken', () => {
    const events = generateEvents({ users: 50, eventsPerUser: 20, seed: 5 });
    expect(agreeOn(events)).toBe(events.length);
  });

  // The real corpus is read from beside the checkout (test/corpus/README.md), skipped without it.
  (corpusMissing === undefined ? it : it.skip)('on the real corpus', () => {
    // most of it is valid; the rest went to zod for its message
    expect(agreeOn(readCorpus().map((line) => line.event))).toBeGreaterThan(4000);
  });
});
