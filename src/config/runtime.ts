import { z } from 'zod';

/**
 * What the operator of `serve`, `send` or the library tunes: throughput, retries, duplicate protection and
 * membership memory. Not part of the CDP definition: rudder-server and Segment do their own delivery.
 */
export const runtimeConfigSchema = z.object({
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
});
