import { z } from 'zod';
import { eventNameProblem } from '../openpanel/event-name.js';

/** An event name OpenPanel accepts (checked here so a config cannot make every page call a 400); '' may mean "none". */
const zEventName = (emptyMeansNone = false) =>
  (emptyMeansNone ? z.string() : z.string().min(1)).superRefine((name, ctx) => {
    const problem = emptyMeansNone && name === '' ? undefined : eventNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The destination's settings: the single source of manifest.json's configSchema (scripts/write-manifest.ts).
 * Keys are flat, as a CDP settings form stores them. `meta` carries the UI label/hint and `secret` marks keys
 * that must never be printed.
 */
export const configSchema = z.object({
  clientId: z.guid().meta({ title: 'Client ID', description: 'OpenPanel client ID (a UUID), from Project settings > Clients.' }),
  clientSecret: z
    .string()
    .min(1)
    .meta({ title: 'Client secret', description: 'Secret of a server-side OpenPanel client; server-to-server events need it.', secret: true }),
  apiUrl: z
    .url({ protocol: /^https?$/ })
    .default('https://api.openpanel.dev')
    .meta({ title: 'API URL', description: 'OpenPanel API base URL. Self-hosted installs: https://your-host/api.' }),
  defaultGroupType: z
    .string()
    .min(1)
    .default('company')
    .meta({ title: 'Default group type', description: 'Group type when a group call has no traits.type or traits.groupType.' }),
  pageEventName: zEventName().default('screen_view').meta({ title: 'Page event name', description: 'OpenPanel event name for page calls.' }),
  screenEventName: zEventName().default('screen_view').meta({ title: 'Screen event name', description: 'OpenPanel event name for screen calls.' }),
  deviceIdFromAnonymousId: z
    .boolean()
    .default(true)
    .meta({ title: 'Device ID from anonymousId', description: "Send anonymousId as OpenPanel's device id, so devices and sessions follow the CDP's stable id." }),
  revenueEventName: zEventName(true)
    .default('Order Completed')
    .meta({ title: 'Revenue event', description: 'Track event whose revenue property also yields an OpenPanel revenue event. Empty: none.' }),
  revenueProperty: z.string().min(1).default('revenue').meta({ title: 'Revenue property', description: 'Property of the revenue event holding the amount in major units (e.g. 12.34).' }),
  eventAllowlist: z.array(z.string().min(1)).default([]).meta({ title: 'Only these track events', description: 'When not empty, other track event names are skipped.' }),
  eventDenylist: z.array(z.string().min(1)).default([]).meta({ title: 'Never these track events', description: 'Track event names that are skipped.' }),
  membershipMaxKeys: z.int().positive().default(100_000).meta({ title: 'Membership cache size', description: 'Users (or anonymous ids) whose group membership the in-memory store keeps.' }),
  membershipTtlDays: z.number().positive().default(90).meta({ title: 'Membership TTL (days)', description: 'Membership not touched for this long is forgotten.' }),
  concurrency: z.int().positive().max(1024).default(64).meta({ title: 'Requests in flight', description: 'Concurrent requests to OpenPanel.' }),
  timeoutMs: z.int().positive().default(10_000).meta({ title: 'Request timeout (ms)' }),
  maxAttempts: z.int().positive().default(12).meta({ title: 'Attempts per request', description: 'Transient failures (408, 429, 5xx, network) are retried up to this many attempts in all.' }),
  maxRetryAgeMs: z.int().positive().default(15 * 60_000).meta({ title: 'Retry budget (ms)', description: 'A request still failing this long after its first attempt is dead-lettered.' }),
  backoffBaseMs: z.int().positive().default(250).meta({ title: 'Backoff base (ms)' }),
  backoffMaxMs: z.int().positive().default(30_000).meta({ title: 'Backoff cap (ms)' }),
  dedupeTtlHours: z.number().positive().default(72).meta({ title: 'Dedupe window (hours)', description: 'Delivered messageIds remembered for this long.' }),
  dedupeMaxIds: z.int().positive().default(1_000_000).meta({ title: 'Dedupe capacity', description: 'Delivered messageIds remembered at most.' }),
  // Server (operator) settings: `serve` only, not part of a CDP's destination form.
  writeKey: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Write key', description: 'serve: Basic-auth user the Segment-compatible /v1 API requires (SDKs send their write key).', secret: true }),
  webhookSecret: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Webhook secret', description: 'serve: /webhook requires X-Signature (hex HMAC-SHA1 of the body with it) or Authorization: Bearer <it>.', secret: true }),
  adminToken: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Admin token', description: 'serve: bearer token for /dead-letters; without it those routes are off.', secret: true }),
  transformerApi: z
    .boolean()
    .default(false)
    .meta({ title: 'Transformer API', description: "serve: RudderStack's transformer routes (unauthenticated: private networks only)." }),
});

/** Keys only `serve` reads: kept out of the CDP destination definition (manifest.json). */
export const serverKeys = ['writeKey', 'webhookSecret', 'adminToken', 'transformerApi'] as const;

/** Config as written by a user (defaults optional). */
export type DestinationConfigInput = z.input<typeof configSchema>;
/** Config after parsing: every default filled in. */
export type DestinationConfig = z.output<typeof configSchema>;

/** Keys whose values are secrets: never logged, printed or echoed in errors. */
export const secretKeys = Object.entries(configSchema.shape)
  .filter(([, schema]) => (schema.meta() as { secret?: boolean } | undefined)?.secret === true)
  .map(([key]) => key);
