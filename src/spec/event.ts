import { z } from 'zod';

/**
 * Incoming Segment/RudderStack-spec events (segment.com/docs/connections/spec, RudderStack's event spec).
 * Ids may arrive as numbers from some senders: they are normalised to strings here so the rest of the
 * pipeline sees one shape.
 */
const idOf = (missing: string) =>
  z
    .union([z.string(), z.number()], { error: (issue) => (issue.input === undefined ? missing : 'must be a string or a number') })
    .transform(String)
    .pipe(z.string().trim().min(1, 'must not be empty'));
const zId = idOf('is required');
const zIsoTime = z.union([z.iso.datetime({ offset: true, local: true }), z.iso.date()], { error: 'must be an ISO-8601 date-time' });
const zObject = z.record(z.string(), z.unknown());

export const zEventContext = z
  .object({
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    groupId: zId.optional(),
    page: z.object({ url: z.string().optional(), path: z.string().optional(), referrer: z.string().optional(), title: z.string().optional() }).passthrough().optional(),
    os: z.object({ name: z.string().optional(), version: z.string().optional() }).passthrough().optional(),
    device: z
      .object({ type: z.string().optional(), manufacturer: z.string().optional(), model: z.string().optional(), name: z.string().optional() })
      .passthrough()
      .optional(),
    traits: zObject.optional(),
  })
  .passthrough();

const zCommon = z.object({
  messageId: zId.optional(),
  userId: zId.nullish().transform((v) => v ?? undefined),
  anonymousId: zId.nullish().transform((v) => v ?? undefined),
  timestamp: zIsoTime.optional(),
  originalTimestamp: zIsoTime.optional(),
  sentAt: zIsoTime.optional(),
  receivedAt: zIsoTime.optional(),
  context: zEventContext.optional(),
  integrations: zObject.optional(),
  channel: z.string().optional(),
});

export const zTrackEvent = zCommon.extend({
  type: z.literal('track'),
  event: z.string({ error: 'is required for a track call' }).min(1, 'must not be empty'),
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
    if (e.userId === undefined && e.anonymousId === undefined) {
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
