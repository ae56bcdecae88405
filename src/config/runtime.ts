import { isIP } from 'node:net';
import { z } from 'zod';

/** Names Fastify's trustProxy (proxy-addr) takes for whole address ranges. */
const proxyPresets = ['loopback', 'linklocal', 'uniquelocal'];
const isCidr = (entry: string): boolean => {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  return family !== 0 && rest.length === 0 && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
};

/**
 * What the operator of `serve`, `send` or the library tunes: throughput, retries, duplicate protection and
 * membership memory, and `serve`'s credentials. Not part of the CDP definition: rudder-server and Segment do their own delivery.
 */
export const runtimeConfigSchema = z.object({
  membershipMaxKeys: z
    .int()
    .positive()
    .default(100_000)
    .meta({ title: 'Membership cache size', description: 'Users (or anonymous ids) whose group membership the in-memory store keeps.' }),
  membershipTtlDays: z
    .number()
    .positive()
    .default(90)
    .meta({ title: 'Membership TTL (days)', description: 'Membership not touched for this long is forgotten.' }),
  concurrency: z.int().positive().max(1024).default(64).meta({ title: 'Requests in flight', description: 'Concurrent requests to OpenPanel.' }),
  timeoutMs: z.int().positive().default(10_000).meta({ title: 'Request timeout (ms)' }),
  maxAttempts: z.int().positive().default(500).meta({
    title: 'Attempts per request',
    description: 'Transient failures (408, 429, 5xx, network) are retried up to this many attempts in all (and within the retry budget).',
  }),
  maxRetryAgeMs: z
    .int()
    .positive()
    .default(4 * 3_600_000)
    .meta({
      title: 'Retry budget (ms)',
      description: 'A request still failing this long after its first attempt is dead-lettered (default 4 h, like Segment).',
    }),
  backoffBaseMs: z.int().positive().default(250).meta({ title: 'Backoff base (ms)' }),
  backoffMaxMs: z
    .int()
    .positive()
    .default(5 * 60_000)
    .meta({ title: 'Backoff cap (ms)', description: 'Longest wait between two attempts of a request (full jitter below it).' }),
  dedupeTtlHours: z.number().positive().default(72).meta({ title: 'Dedupe window (hours)', description: 'Delivered messageIds remembered for this long.' }),
  dedupeMaxIds: z.int().positive().default(1_000_000).meta({
    title: 'Dedupe capacity',
    description: 'Delivered request keys beyond this make a warning (on disk they are kept until the window expires them; in memory the oldest go).',
  }),
  maxQueuedEvents: z
    .int()
    .positive()
    .default(100_000)
    .meta({ title: 'Queue bound (events)', description: 'Events waiting in the outbox at most; beyond it intake waits (send) or answers 503 (serve).' }),
  pauseProbeMs: z.int().positive().default(30_000).meta({
    title: 'Credential probe interval (ms)',
    description: 'While OpenPanel refuses the credentials (401), delivery pauses and one request tries again this often.',
  }),
  outageProbeMs: z.int().positive().default(2_000).meta({
    title: 'Outage probe interval (ms)',
    description:
      'While OpenPanel fails for many users at once (5xx, 429, network), one request tries again this often; its success releases every waiting retry.',
  }),
  store: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('sqlite') }),
      z.object({ type: z.literal('redis'), url: z.url({ protocol: /^rediss?$/ }), prefix: z.string().min(1).optional() }),
    ])
    .default({ type: 'sqlite' })
    .meta({
      title: 'State store',
      description:
        'Where the outbox, membership, delivered keys and dead letters live: sqlite (under --data-dir; in memory without one) or a Redis shared by several instances ({type: "redis", url, prefix}).',
    }),
  // `serve`'s own settings.
  writeKey: z
    .string()
    .min(1)
    .optional()
    .meta({ title: 'Write key', description: 'serve: Basic-auth user the Segment-compatible /v1 API requires (SDKs send their write key).', secret: true }),
  webhookSecret: z.string().min(1).optional().meta({
    title: 'Webhook secret',
    description: 'serve: /webhook requires X-Signature (hex HMAC-SHA1 of the body with it) or Authorization: Bearer <it>.',
    secret: true,
  }),
  adminToken: z.string().min(1).optional().meta({
    title: 'Admin token',
    description: 'serve: signs in to the console (/console) and is the bearer token for it and /dead-letters; without it those are off.',
    secret: true,
  }),
  trustProxy: z
    .array(
      z
        .string()
        .refine(
          (entry) => proxyPresets.includes(entry) || isIP(entry) !== 0 || isCidr(entry),
          `must be an IP address, a CIDR range (10.0.0.0/8) or one of ${proxyPresets.join(', ')}`,
        ),
    )
    .default([])
    .meta({
      title: 'Trusted proxies',
      description: "serve: addresses of the proxies whose X-Forwarded-For gives the client's IP (Fastify's trustProxy); none: the socket's address.",
    }),
  transformerApi: z
    .boolean()
    .default(false)
    .meta({ title: 'Transformer API', description: "serve: RudderStack's transformer routes (unauthenticated: private networks only)." }),
});
