import { z } from 'zod';
import type { OpenPanelRequest } from '../openpanel/contract.js';

/** The last thing OpenPanel (or the network) answered; `body` is truncated and never holds the secret. */
export const zLastResponse = z.object({
  status: z.int().optional(),
  body: z.string().optional(),
  code: z.string().optional(),
});

// Structural check only: a record must stay readable (and replayable) even if the body rules tighten later.
const zRequestShape = z.object({
  headers: z.record(z.string(), z.string()),
  body: z.object({ type: z.string(), payload: z.record(z.string(), z.unknown()) }),
});
export const zDeadLetterRequest = z.custom<OpenPanelRequest>((value) => zRequestShape.safeParse(value).success, 'not an OpenPanel request');

/** An event whose requests could not all be delivered: `requests` holds only the undelivered ones. */
export const zDeadLetter = z.object({
  id: z.string(),
  messageId: z.string(),
  userKey: z.string().optional(),
  index: z.int().optional(),
  /** The original input event. */
  event: z.unknown(),
  requests: z.array(zDeadLetterRequest).min(1),
  /**
   * Each request's dedupe key, in the same order, so replay queues it under its own key (a repeated request's
   * `#2` cannot be recomputed from the failed requests alone). Absent in records written before keys were kept.
   */
  keys: z.array(z.string().min(1)).optional(),
  lastResponse: zLastResponse,
  attempts: z.int().nonnegative(),
  reason: z.string(),
  firstAttemptAt: z.iso.datetime(),
  lastAttemptAt: z.iso.datetime(),
});

export type LastResponse = z.infer<typeof zLastResponse>;
export type DeadLetter = z.infer<typeof zDeadLetter>;
export type NewDeadLetter = Omit<DeadLetter, 'id'>;

/** Where undeliverable events wait for `replay`; list() is oldest first, so replay keeps each user's order. */
export interface DeadLetterStore {
  add(record: NewDeadLetter): Promise<string>;
  /** Oldest first; `afterId` pages on from a record returned earlier. */
  list(options?: { limit?: number; afterId?: string }): Promise<DeadLetter[]>;
  /** One record by its id (the console opens and replays one); undefined when there is none. */
  get(id: string): Promise<DeadLetter | undefined>;
  /** Returns how many of `ids` existed. */
  remove(ids: string[]): Promise<number>;
  count(): Promise<number>;
}
