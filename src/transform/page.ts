import type { PageEvent } from '../spec/event.js';
import { request, type TypeTransform } from './context.js';
import { trackPayload } from './track-request.js';

export const transformPage: TypeTransform<PageEvent> = async (event, ctx) => [
  request(ctx, { type: 'track', payload: await trackPayload(event, ctx.mappings.page, 'config.pageEventName', ctx) }),
];
