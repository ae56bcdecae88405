import { z } from 'zod';
import { isPlainObject } from '../mapping/paths.js';

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
const isoTime = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
// A date-time without an offset is UTC, as in the spec's examples; left as is, Date.parse would read it in the
// server's own time zone.
const zIsoTime = z.unknown().transform((value, ctx) => {
  const match = typeof value === 'string' ? isoTime.exec(value) : null;
  if (match && !Number.isNaN(Date.parse(value as string))) return match[1] === undefined && (value as string).includes('T') ? `${value}Z` : (value as string);
  ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time' });
  return z.NEVER;
});
/** Any JSON object, checked without copying it (properties and traits can be large). */
const zObject = z.custom<Record<string, unknown>>(isPlainObject, {
  error: 'must be a JSON object',
});

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
  timestamp: zIsoTime.optional(),
  originalTimestamp: zIsoTime.optional(),
  sentAt: zIsoTime.optional(),
  receivedAt: zIsoTime.optional(),
  context: zEventContext.optional(),
  integrations: zObject.optional(),
  channel: z.string().optional(),
  /** RudderStack's server-side record of the client IP (context.ip is the sender's own claim). */
  request_ip: z.string().optional(),
});

export const zTrackEvent = zCommon.extend({
  type: z.literal('track'),
  event: z.string({ error: 'is required for a track call' }).refine((name) => name.trim() !== '', 'must not be empty'),
  properties: zObject.optional(),
});
export const zPageEvent = zCommon.extend({
  type: z.literal('page'),
  name: z.string().optional(),
  category: z.string().optional(),
  properties: zObject.optional(),
});
export const zScreenEvent = zCommon.extend({
  type: z.literal('screen'),
  name: z.string().optional(),
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
