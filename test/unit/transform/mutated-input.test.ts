import { describe, expect, it } from '@jest/globals';
import { createDestination } from '../../../src/entry/library/destination.js';
import { zOpenPanelBody } from '../../../src/openpanel/contract.js';
import { generateEvents } from '../../support/event-stream.js';
import { seededRandom, type Random } from '../../support/seeded-random.js';

/**
 * Bad input gets one clear outcome and never an exception: valid events with one field at a time replaced by
 * an arbitrary JSON value (wrong types, empty strings, nulls, nested junk) must each end ok, skipped or
 * rejected, and whatever is ok must still be a body OpenPanel accepts.
 */
const junk = (random: Random): unknown => {
  const pick = [null, '', '   ', 0, -1, 1e21, true, [], {}, [null], { a: { b: [1, 'x'] } }, 'x'.repeat(200), '../etc', '${x}', '2025-13-45T99:99:99Z'];
  return pick[Math.floor(random() * pick.length)];
};

function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix.length > 0 ? [prefix] : [];
  const nested = Object.entries(value).flatMap(([key, child]) => fieldPaths(child, [...prefix, key]));
  return prefix.length > 0 ? [prefix, ...nested] : nested;
}

function mutate(event: Record<string, unknown>, random: Random): Record<string, unknown> {
  const copy = structuredClone(event);
  const paths = fieldPaths(copy);
  const path = paths[Math.floor(random() * paths.length)] ?? ['type'];
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1] as string] = junk(random);
  return copy;
}

// MUTATION_SEEDS=1-200 npm test -- test/unit/transform/mutated explores further.
const [from, to] = (process.env.MUTATION_SEEDS ?? '1-5').split('-').map(Number) as [number, number];
const seeds = Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('mutated events', () => {
  it.each(seeds)('seed %i: each ends ok, skipped (with why) or rejected (naming the field); nothing throws; ok bodies stay valid', async (seed) => {
    const random = seededRandom(seed);
    const events = generateEvents({ users: 40, eventsPerUser: 15, seed: 5 }).map((event) => mutate(event, random));
    const destination = createDestination({ clientId: '7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b', clientSecret: 'sec_mutation' });
    const results = await destination.transform(events);
    await destination.close();

    expect(results).toHaveLength(events.length);
    expect(results.some((r) => r.status === 'ok') && results.some((r) => r.status === 'rejected')).toBe(true);
    for (const result of results) {
      if (result.status === 'ok') {
        for (const { body } of result.requests) expect(zOpenPanelBody.safeParse(body).error).toBeUndefined();
      } else if (result.status === 'rejected') {
        expect(result.reason).toMatch(/^[\w.[\]]+: \S/); // names the field, then the rule
      } else {
        expect(result.reason.length).toBeGreaterThan(10);
      }
    }
  });
});
