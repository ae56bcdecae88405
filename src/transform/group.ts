import { withUpsert } from '../membership/group-state.js';
import type { GroupPayload } from '../openpanel/contract.js';
import type { GroupEvent } from '../events/schema.js';
import { request, type TransformContext, type TypeTransform } from './context.js';

/**
 * The group upsert for this call, or undefined when the call has no traits or OpenPanel's group would not
 * change (its merged state, README "Groups as OpenPanel holds them"): the seed guide's advice is to upsert on
 * change, not on every call. A call without a name or type keeps the group's known ones: backends often send
 * only what changed, and OpenPanel takes name and type as sent.
 */
async function changedUpsert(event: GroupEvent, ctx: TransformContext): Promise<GroupPayload | undefined> {
  if (!event.traits || Object.keys(event.traits).length === 0) return undefined;
  const mapped = ctx.mappings.group.apply(event, ctx.config) as Partial<GroupPayload> & { id: string };
  const known = await ctx.membership.group(mapped.id);
  // Built in the contract's key order (zGroupPayload: id, type, name, properties) from parts that already meet it:
  // the `string` format gives non-blank text and the config's type is checked at load. zod parsing it per call
  // was most of a group call's cost.
  const payload: GroupPayload = {
    id: mapped.id,
    type: mapped.type ?? known?.type ?? ctx.config.defaultGroupType,
    name: mapped.name ?? known?.name ?? mapped.id,
  };
  if (mapped.properties !== undefined) payload.properties = mapped.properties;
  const upsert = request(ctx, { type: 'group', payload });
  // Re-sent (its upsert delivered, superseded, queued, or found unchanged then): its effect is in the state
  // already, and taking it into this batch's view would put the group back as it was then for later calls.
  if (await ctx.taken(upsert)) return undefined;
  if (withUpsert(known, payload, ctx.receivedAt) === known) {
    ctx.unchanged(upsert);
    return undefined;
  }
  await ctx.membership.upsertGroup(payload, ctx.receivedAt);
  return payload;
}

/**
 * group -> upsertGroup (`group`) when it changes the group, then setGroup (`assign_group`) for a known user.
 * Membership is recorded for the user, or the anonymous id until an identify links it.
 */
export const transformGroup: TypeTransform<GroupEvent> = async (event, ctx) => {
  await ctx.membership.assign(ctx.userKey, [event.groupId], ctx.at);
  const requests = [];
  const upsert = await changedUpsert(event, ctx);
  if (upsert) requests.push(request(ctx, { type: 'group', payload: upsert }));
  if (event.userId !== undefined) {
    requests.push(request(ctx, { type: 'assign_group', payload: { groupIds: [event.groupId], profileId: event.userId } }));
  }
  if (requests.length > 0) return requests;
  return { skip: `no request needed: group ${event.groupId} unchanged and no userId to assign; membership of ${ctx.userKey} recorded` };
};
