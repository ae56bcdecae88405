import { describe, expect, it } from '@jest/globals';
import { applyPatch, groupPatch, mergePatches } from '../../../src/openpanel/group-properties.js';
import { mergeGroup } from '../../support/openpanel-groups.js';

/** OpenPanel's merge applied to each upsert in turn (test/support/openpanel-groups.ts, written from its source). */
const sequential = (held: Record<string, string>, upserts: Array<Record<string, unknown>>): Record<string, string> =>
  upserts.reduce<Record<string, string>>(
    (properties, incoming) => mergeGroup({ name: 'n', type: 't', properties }, { name: 'n', type: 't', properties: incoming }).properties,
    held,
  );

describe('group properties as patches (one upsert carrying several)', () => {
  const held = { plan: 'free', 'address.city': 'Lyon', address: 'legacy', 'meta.tier': '0', seats: '5' };
  it.each<[string, Array<Record<string, unknown>>]>([
    ['values replace, null and "" remove', [{ plan: 'pro' }, { plan: null, seats: '' }, { trial: true }]],
    ['a nested object merges path by path and replaces a leaf of its name', [{ address: { zip: 69001 } }, { address: { city: 'Oslo' } }]],
    ['an object replaced by a leaf keeps its paths', [{ address: { city: 'Oslo' } }, { address: 'plain' }]],
    ['a JSON string expands, then a plain string lands beside its paths', [{ meta: '{"tier":2,"region":"eu"}' }, { meta: 'none' }]],
    ['broken JSON removes its key only at the top level', [{ plan: '{"oops' }, { address: { city: '[x' } }]],
    ['arrays become indexed paths; strings are trimmed', [{ tags: ['a', 'b'] }, { tags: ['c'], note: '  hi  ' }]],
    ['a nested null leaves the held path', [{ address: { city: null } }]],
  ])('%s: the merged patch does what the upserts do one by one', (_, upserts) => {
    const merged = upserts.map(groupPatch).reduce(mergePatches, {});
    expect(applyPatch(held, merged)).toEqual(sequential(held, upserts));
    // And OpenPanel itself, given the merged patch as one upsert's properties, ends the same.
    expect(sequential(held, [merged])).toEqual(sequential(held, upserts));
  });
});
