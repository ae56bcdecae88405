import { describe, expect, it } from '@jest/globals';
import { assignmentsAt, decodeAssignments, encodeAssignments, groupsAt, mergeAssignments } from '../../../src/membership/rules.js';

const a = (groupId: string, assignedAt: number) => ({ groupId, assignedAt });

describe('groupsAt', () => {
  const assignments = [a('org_acme', 100), a('team_eng', 200)];

  it('gives a track only the groups assigned at or before its own time', () => {
    expect(groupsAt(assignments, 99)).toEqual([]);
    expect(groupsAt(assignments, 100)).toEqual(['org_acme']);
    expect(groupsAt(assignments, 150)).toEqual(['org_acme']);
    expect(groupsAt(assignments, 200)).toEqual(['org_acme', 'team_eng']);
  });

  it('keeps assignment order', () => {
    expect(groupsAt([a('z', 1), a('a', 2), a('m', 2)], 10)).toEqual(['z', 'a', 'm']);
  });
});

describe('assignmentsAt', () => {
  it('deduplicates the ids of one call', () => {
    expect(assignmentsAt(['x', 'y', 'x'], 5)).toEqual([a('x', 5), a('y', 5)]);
  });

  it('refuses a time that cannot be ordered', () => {
    expect(() => assignmentsAt(['x'], Number.NaN)).toThrow(RangeError);
  });
});

describe('mergeAssignments', () => {
  it('appends new groups and reports them in arrival order', () => {
    expect(mergeAssignments([a('x', 1)], [a('y', 2), a('z', 2)])).toEqual({
      assignments: [a('x', 1), a('y', 2), a('z', 2)],
      added: ['y', 'z'],
    });
  });

  it('places a late-arriving earlier assignment by its event time, after ties', () => {
    const { assignments } = mergeAssignments([a('x', 10), a('y', 30)], [a('w', 10), a('v', 5)]);
    expect(assignments).toEqual([a('v', 5), a('x', 10), a('w', 10), a('y', 30)]);
  });

  it('keeps the earlier time of a group already held and reports nothing new', () => {
    expect(mergeAssignments([a('x', 10)], [a('x', 20)])).toEqual({ assignments: [a('x', 10)], added: [] });
  });

  it('moves a held group to an earlier incoming time', () => {
    // Replayed in event-time order, y@5 came before x's (later-arriving) call at 5.
    expect(mergeAssignments([a('y', 5), a('x', 10)], [a('x', 5)])).toEqual({ assignments: [a('y', 5), a('x', 5)], added: [] });
    expect(mergeAssignments([a('y', 7), a('x', 10)], [a('x', 5)]).assignments).toEqual([a('x', 5), a('y', 7)]);
  });

  it('leaves its inputs untouched', () => {
    const current = [a('x', 10)];
    const incoming = [a('x', 1), a('y', 2)];
    mergeAssignments(current, incoming);
    expect(current).toEqual([a('x', 10)]);
    expect(incoming).toEqual([a('x', 1), a('y', 2)]);
  });
});

describe('stored form', () => {
  it('round-trips', () => {
    const assignments = [a('org_acme', 1_700_000_000_000), a('team "eng"', 1_700_000_000_001)];
    expect(decodeAssignments(encodeAssignments(assignments))).toEqual(assignments);
  });

  it('refuses a value that is not a list of assignments', () => {
    expect(() => decodeAssignments('[{"groupId":"x"}]')).toThrow();
  });
});
