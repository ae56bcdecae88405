import { InstrumentationError } from '../errors.js';
import type { CompiledMapping } from '../mapping/engine.js';
import { groupsAt } from '../membership/rules.js';
import type { TrackPayload } from '../openpanel/contract.js';
import { eventNameProblem } from '../openpanel/event-name.js';
import type { PageEvent, ScreenEvent, TrackEvent } from '../events/schema.js';
import type { TransformContext } from './context.js';
import { withCampaign } from './campaign.js';
import { perEventGroups } from './event-groups.js';

/**
 * The OpenPanel track payload shared by track, page and screen: the type's mapping, the shared specials, the
 * event's context.campaign as UTM in __path, and
 * groups = the user's membership at the event's time ∪ the per-event groups, in that order and deduplicated,
 * as OpenPanel's SDK merges `[...new Set([...this.groups, ...override])]`; omitted when empty.
 * `nameSource` names where the event name came from, for the rejection message.
 */
export async function trackPayload(
  event: TrackEvent | PageEvent | ScreenEvent,
  mapping: CompiledMapping,
  nameSource: string,
  ctx: TransformContext,
): Promise<TrackPayload> {
  const payload = mapping.apply(event, ctx.config) as TrackPayload;
  const problem = eventNameProblem(payload.name);
  if (problem) throw new InstrumentationError(`${nameSource}: ${problem}`);
  const specials = ctx.mappings['track-specials'].apply(event, ctx.config).properties as Record<string, unknown> | undefined;
  // The mapping built `properties` fresh for this payload, so it can take the specials in place.
  if (specials) payload.properties = Object.assign(payload.properties ?? {}, specials);
  const path = payload.properties?.['__path'];
  const campaign = event.context?.['campaign'];
  if (typeof path === 'string' && campaign !== undefined) (payload.properties as Record<string, unknown>)['__path'] = withCampaign(path, campaign);
  const override = perEventGroups(event);
  const member = groupsAt(await ctx.membership.get(ctx.userKey), ctx.at);
  const groups = override.length === 0 ? member : [...new Set([...member, ...override])];
  if (groups.length > 0) payload.groups = groups;
  return payload;
}
