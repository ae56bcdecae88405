import type { ScreenEvent } from '../events/schema.js';
import { request, type TypeTransform } from './context.js';
import { trackPayload } from './track-payload.js';

export const transformScreen: TypeTransform<ScreenEvent> = async (event, ctx) => [
  request(ctx, { type: 'track', payload: await trackPayload(event, ctx.mappings.screen, 'config.screenEventName', ctx) }),
];
