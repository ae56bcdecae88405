import { z } from 'zod';
import type { GroupAssignment } from './store.js';

/**
 * Event-time membership rules shared by every store, so they all answer alike (docs/mapping.md "Group membership").
 * A key's assignments are kept as the list the SDK instance would hold had it seen the calls in event-time
 * order: earliest assignedAt first, ties in arrival order, one entry per group at its earliest assignedAt.
 */

/** Groups of a track at event time `at`: those assigned at or before it, in assignment order. */
export function groupsAt(assignments: readonly GroupAssignment[], at: number): string[] {
  const groups: string[] = [];
  for (const a of assignments) if (a.assignedAt <= at) groups.push(a.groupId); // runs for every track: no filter+map copies
  return groups;
}

/** The assignments one call makes: every distinct groupId at event time `at`. */
export function assignmentsAt(groupIds: readonly string[], at: number): GroupAssignment[] {
  if (!Number.isFinite(at)) throw new RangeError(`assignment time must be a finite number of ms, got ${at}`);
  return [...new Set(groupIds)].map((groupId) => ({ groupId, assignedAt: at }));
}

export interface MergeResult {
  assignments: GroupAssignment[];
  /** groupIds the current list did not have, in the order they arrived. */
  added: string[];
}

/**
 * Merges `incoming` (arriving now, in its own order) into `current`. A group already held keeps the earlier
 * assignedAt; when an incoming one is earlier the group moves there. An arriving entry goes after every entry
 * with the same or an earlier time: it arrived last. Pure: neither input is changed.
 */
export function mergeAssignments(current: readonly GroupAssignment[], incoming: readonly GroupAssignment[]): MergeResult {
  const merged = current.map((a) => ({ ...a }));
  const added: string[] = [];
  for (const next of incoming) {
    const held = merged.findIndex((a) => a.groupId === next.groupId);
    if (held === -1) added.push(next.groupId);
    else if (merged[held]!.assignedAt <= next.assignedAt) continue;
    else merged.splice(held, 1);
    const after = merged.findIndex((a) => a.assignedAt > next.assignedAt);
    merged.splice(after === -1 ? merged.length : after, 0, { groupId: next.groupId, assignedAt: next.assignedAt });
  }
  return { assignments: merged, added };
}

/** Stored form of one key's assignments (SQLite column, Redis value): compact `[groupId, assignedAt]` pairs. */
const zStoredAssignments = z.array(z.tuple([z.string().min(1), z.number()]));

export function encodeAssignments(assignments: readonly GroupAssignment[]): string {
  return JSON.stringify(assignments.map((a) => [a.groupId, a.assignedAt]));
}

export function decodeAssignments(stored: string): GroupAssignment[] {
  return zStoredAssignments.parse(JSON.parse(stored)).map(([groupId, assignedAt]) => ({ groupId, assignedAt }));
}
