import type { AliasEvent } from '../events/schema.js';
import type { TypeTransform } from './context.js';

/** OpenPanel answers alias with 400, so nothing is sent; previousId's membership merges into userId. */
export const transformAlias: TypeTransform<AliasEvent> = async (event, ctx) => {
  const linked = await ctx.membership.link(event.previousId, event.userId);
  const merged = linked.length > 0 ? `groups ${linked.join(', ')} of ${event.previousId} merged into ${event.userId}` : 'no groups to merge';
  return { skip: `alias is not supported by OpenPanel (no request sent); ${merged}` };
};
