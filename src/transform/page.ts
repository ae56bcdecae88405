import type { PageEvent } from '../events/schema.js';
import { request, type TypeTransform } from './context.js';
import { trackPayload } from './track-payload.js';

export const transformPage: TypeTransform<PageEvent> = async (event, ctx) => [
  request(ctx, { type: 'track', payload: await trackPayload(event, ctx.mappings.page, 'config.pageEventName', ctx) }),
];
