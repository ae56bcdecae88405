import type { TrackEvent } from '../events/schema.js';
import { request, type TypeTransform } from './context.js';
import { eventListSkipReason } from './filter.js';
import { revenuePayload } from './revenue.js';
import { trackPayload } from './track-payload.js';

export const transformTrack: TypeTransform<TrackEvent> = async (event, ctx) => {
  const skip = eventListSkipReason(event.event, ctx.config);
  if (skip) return { skip };
  const payload = await trackPayload(event, ctx.mappings.track, 'event', ctx);
  const revenue = revenuePayload(event, payload, ctx.config);
  const requests = [request(ctx, { type: 'track', payload })];
  if (revenue) requests.push(request(ctx, { type: 'track', payload: revenue }));
  return requests;
};
