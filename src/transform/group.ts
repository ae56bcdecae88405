import type { GroupPayload } from '../openpanel/contract.js';
import type { GroupEvent } from '../events/schema.js';
import { request, type TransformContext, type TypeTransform } from './context.js';
import { fingerprint } from './fingerprint.js';

/**
 * The group upsert for this call, or undefined when the call has no traits or they are what was last upserted
 * for the group: the seed guide's advice is to upsert on change, not on every call.
 */
async function changedUpsert(event: GroupEvent, ctx: TransformContext): Promise<GroupPayload | undefined> {
  if (!event.traits || Object.keys(event.traits).length === 0) return undefined;
  const payload = ctx.mappings.group.apply(event, ctx.config) as GroupPayload;
  const print = fingerprint(payload);
  if ((await ctx.membership.lastUpsert(payload.id)) === print) return undefined;
  await ctx.membership.rememberUpsert(payload.id, print);
  return payload;
}

/**
 * group -> upsertGroup (`group`) when its traits changed, then setGroup (`assign_group`) for a known user.
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
