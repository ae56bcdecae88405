import { groupPatch, mergePatches } from '../openpanel/group-properties.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';

/**
 * A group upsert that supersedes unsent ones of its group (outbox.ts): it carries their properties merged under
 * its own, older first (README, "Groups as OpenPanel holds them"), so OpenPanel ends as if each had been sent.
 * Name and type are the newest's: OpenPanel takes them as sent.
 */
export function supersedingUpsert(older: readonly OpenPanelRequest[], newest: OpenPanelRequest): OpenPanelRequest {
  if (newest.body.type !== 'group') return newest;
  let patch = {};
  for (const request of older) if (request.body.type === 'group') patch = mergePatches(patch, groupPatch(request.body.payload.properties));
  patch = mergePatches(patch, groupPatch(newest.body.payload.properties));
  return { ...newest, body: { type: 'group', payload: { ...newest.body.payload, properties: patch } } };
}
