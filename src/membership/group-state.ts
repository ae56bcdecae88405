import { z } from 'zod';
import type { GroupPayload } from '../openpanel/contract.js';
import { applyPatch, groupPatch, type GroupPatch } from '../openpanel/group-properties.js';

/**
 * One group as OpenPanel holds it once our upserts of it are delivered (README, "Groups as OpenPanel holds
 * them"): the last name and type sent, the properties merged by OpenPanel's rule, and when this changed.
 */
export const zGroupState = z.object({
  groupId: z.string().min(1),
  name: z.string().min(1),
  type: z.string().min(1),
  properties: z.record(z.string(), z.string()),
  /** ms, when the state last changed. */
  updatedAt: z.number(),
});
export type GroupState = z.infer<typeof zGroupState>;

/** The state after one more upsert of the group; `previous` itself when the upsert changes nothing. */
export function withUpsert(previous: GroupState | undefined, payload: GroupPayload, now: number): GroupState {
  const properties = applyPatch(previous?.properties ?? {}, groupPatch(payload.properties));
  if (previous && previous.name === payload.name && previous.type === payload.type && sameProperties(previous.properties, properties)) return previous;
  return { groupId: payload.id, name: payload.name, type: payload.type, properties, updatedAt: now };
}

function sameProperties(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * A dead-lettered upsert sent again after newer ones were: it brings the group to its current state rather than
 * back to its own (name and type as now; each property it touches as now, or removed when now absent).
 */
export function replayedUpsert(payload: GroupPayload, current: GroupState | undefined): GroupPayload {
  if (!current) return payload;
  const properties: GroupPatch = {};
  for (const key of Object.keys(groupPatch(payload.properties))) properties[key] = current.properties[key] ?? null;
  return { id: payload.id, name: current.name, type: current.type, properties };
}

export const encodeGroupState = (state: GroupState): string => JSON.stringify(state);
export const decodeGroupState = (stored: string): GroupState => zGroupState.parse(JSON.parse(stored));
