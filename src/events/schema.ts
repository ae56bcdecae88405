import { z } from 'zod';
import { isPlainObject } from '../helpers/values.js';

/**
 * Incoming Segment/RudderStack-spec events (segment.com/docs/connections/spec, RudderStack's event spec).
 * Ids may arrive as numbers from some senders: they are normalised to strings here so the rest of the
 * pipeline sees one shape.
 */
// Hand-written checks (one transform each) instead of unions and pipes: this runs for every event.
const idOf = (missing: string) =>
  z.unknown().transform((value, ctx) => {
    const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
    if (id !== undefined && id !== '') return id;
    ctx.addIssue({ code: 'custom', message: value === undefined ? missing : typeof value === 'string' ? 'must not be empty' : 'must be a string or a number' });
    return z.NEVER;
  });
const zId = idOf('is required');
/** userId/anonymousId: senders write null or "" for "none"; only the other shapes are errors. */
const zOptionalId = z.preprocess((value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value), zId.optional());
/** Times arrive here already read by lenient.ts: ISO-8601 UTC or absent. */
const zTime = z.string().optional();
/** Any JSON object, checked without copying it (properties and traits can be large). */
const zObject = z.custom<Record<string, unknown>>(isPlainObject, {
  error: 'must be a JSON object',
});
/** Names arrive here stringified by lenient.ts when they were numbers. */
const zName = (missing?: string) =>
  z.string({ error: (issue) => (issue.input === undefined && missing !== undefined ? missing : 'must be a string or a number') });

/**
 * The context is read only through mapping paths whose formatters check each value's type (and per-event
 * groups are checked where they are read), so it is not validated field by field: that would cost more than
 * the rest of the transform, for every event.
 */
export const zEventContext = zObject;

const zCommon = z.object({
  messageId: zId.optional(),
  userId: zOptionalId,
  anonymousId: zOptionalId,
  timestamp: zTime,
  originalTimestamp: zTime,
  sentAt: zTime,
  receivedAt: zTime,
  context: zEventContext.optional(),
  integrations: zObject.optional(),
  channel: z.string().optional(),
  /** RudderStack's server-side record of the client IP (context.ip is the sender's own claim). */
  request_ip: z.string().optional(),
});

export const zTrackEvent = zCommon.extend({
  type: z.literal('track'),
  event: zName('is required for a track call').refine((name) => name.trim() !== '', 'must not be empty'),
  properties: zObject.optional(),
});
export const zPageEvent = zCommon.extend({
  type: z.literal('page'),
  name: zName().optional(),
  category: zName().optional(),
  properties: zObject.optional(),
});
export const zScreenEvent = zCommon.extend({
  type: z.literal('screen'),
  name: zName().optional(),
  /** RudderStack's auto-tracked screens may name the screen here. */
  event: zName().optional(),
  properties: zObject.optional(),
});
export const zIdentifyEvent = zCommon.extend({ type: z.literal('identify'), traits: zObject.optional() });
export const zGroupEvent = zCommon.extend({
  type: z.literal('group'),
  groupId: idOf('is required for a group call'),
  traits: zObject.optional(),
});
export const zAliasEvent = zCommon.extend({
  type: z.literal('alias'),
  previousId: idOf('is required for an alias call'),
});

export const zCdpEvent = z
  .discriminatedUnion('type', [zTrackEvent, zPageEvent, zScreenEvent, zIdentifyEvent, zGroupEvent, zAliasEvent], {
    error: 'must be one of identify, group, track, page, screen, alias',
  })
  .superRefine((e, ctx) => {
    if (e.userId === undefined && e.anonymousId === undefined && e.type !== 'alias') {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'userId or anonymousId is required' });
    }
    if (e.type === 'alias' && e.userId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'is required for an alias call' });
    }
  });

export type TrackEvent = z.infer<typeof zTrackEvent>;
export type PageEvent = z.infer<typeof zPageEvent>;
export type ScreenEvent = z.infer<typeof zScreenEvent>;
export type IdentifyEvent = z.infer<typeof zIdentifyEvent>;
export type GroupEvent = z.infer<typeof zGroupEvent>;
export type AliasEvent = z.infer<typeof zAliasEvent> & { userId: string };
export type CdpEvent = TrackEvent | PageEvent | ScreenEvent | IdentifyEvent | GroupEvent | AliasEvent;
export type CdpEventType = CdpEvent['type'];

/**
 * Events as a library caller writes them (README "Library"), before lenient.ts reads them: times as ISO-8601
 * text or epoch numbers, ids as strings or numbers. TypeScript then rejects a misspelt `type` or a missing `event`.
 */
type Written<T extends z.ZodType> = Omit<z.input<T>, 'timestamp' | 'originalTimestamp' | 'sentAt' | 'receivedAt'> & {
  timestamp?: string | number;
  originalTimestamp?: string | number;
  sentAt?: string | number;
  receivedAt?: string | number;
};
export type TrackEventInput = Written<typeof zTrackEvent>;
export type PageEventInput = Written<typeof zPageEvent>;
export type ScreenEventInput = Written<typeof zScreenEvent>;
export type IdentifyEventInput = Written<typeof zIdentifyEvent>;
export type GroupEventInput = Written<typeof zGroupEvent>;
export type AliasEventInput = Written<typeof zAliasEvent>;
export type CdpEventInput = TrackEventInput | PageEventInput | ScreenEventInput | IdentifyEventInput | GroupEventInput | AliasEventInput;
