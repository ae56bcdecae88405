import { isPlainObject } from '../helpers/values.js';
import type { IdentifyPayload, OpenPanelRequest } from '../openpanel/contract.js';
import type { GroupEvent, IdentifyEvent } from '../events/schema.js';
import { request, type TypeTransform } from './context.js';
import { transformGroup } from './group.js';

/** traits.company with an id, as the group call it stands for (Segment's reserved `company` trait). */
function companyGroupCall(event: IdentifyEvent, traits: Record<string, unknown> | undefined): GroupEvent | undefined {
  const company = traits?.['company'];
  if (!isPlainObject(company)) return undefined;
  const { id, ...companyTraits } = company;
  if ((typeof id !== 'string' || id.trim() === '') && typeof id !== 'number') return undefined;
  const { traits: _, ...rest } = event;
  // Only an id: no upsert (it would overwrite the group's dashboard name with the id), just the assignment.
  const groupTraits = Object.keys(companyTraits).length > 0 ? { type: 'company', ...companyTraits } : {};
  return { ...rest, type: 'group', groupId: String(id), traits: groupTraits };
}

/** RudderStack's SDKs put traits in context.traits; both are read, the event's own traits winning. */
function mergedTraits(event: IdentifyEvent): Record<string, unknown> | undefined {
  const contextTraits = event.context?.['traits'];
  if (!isPlainObject(contextTraits)) return event.traits;
  return event.traits ? { ...contextTraits, ...event.traits } : contextTraits;
}

/**
 * identify -> OpenPanel identify; the anonymous id's membership moves with the user (sent as assign_group for
 * the groups the profile did not have yet); a traits.company with an id becomes that company's group call.
 */
export const transformIdentify: TypeTransform<IdentifyEvent> = async (event, ctx) => {
  const traits = mergedTraits(event);
  const company = companyGroupCall(event, traits);
  const requests: OpenPanelRequest[] = [];
  if (event.userId !== undefined) {
    const payload = ctx.mappings.identify.apply({ ...event, traits }, ctx.config) as IdentifyPayload;
    if (company && payload.properties) {
      delete payload.properties['company'];
      if (Object.keys(payload.properties).length === 0) delete payload.properties;
    }
    // Like OpenPanel's SDK, an identify that carries nothing but the profileId sends no identify request.
    if (Object.keys(payload).length > 1) requests.push(request(ctx, { type: 'identify', payload }));
    if (event.anonymousId !== undefined) {
      const linked = await ctx.membership.link(event.anonymousId, event.userId);
      if (linked.length > 0) requests.push(request(ctx, { type: 'assign_group', payload: { groupIds: linked, profileId: event.userId } }));
    }
  }
  if (company) {
    const companyRequests = await transformGroup(company, ctx);
    if (Array.isArray(companyRequests)) requests.push(...companyRequests);
  }
  if (requests.length > 0) return requests;
  if (event.userId === undefined) return { skip: 'identify without userId: OpenPanel profiles need a profileId (traits not sent)' };
  return { skip: 'identify without traits: nothing to send (OpenPanel creates the profile from its events)' };
};
