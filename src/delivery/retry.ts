import type { DestinationConfig } from '../config/schema.js';

export type RetryConfig = Pick<DestinationConfig, 'maxAttempts' | 'maxRetryAgeMs' | 'backoffBaseMs' | 'backoffMaxMs'>;

/** Where one request stands after a transient failure. */
export interface RetryState {
  /** Attempts made so far (at least 1). */
  attempts: number;
  firstAttemptAt: number;
  now: number;
  /** The server's `Retry-After`, in ms. */
  retryAfterMs?: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempts - 1))). */
export function backoffMs(attempts: number, config: RetryConfig, random: () => number): number {
  return random() * Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** (attempts - 1));
}

/**
 * Whether to try again and after how long. A Retry-After is a floor on the wait. The budget is both an attempt
 * count and an age: a retry that would start later than maxRetryAgeMs after the first attempt is not made.
 */
export function nextRetry(state: RetryState, config: RetryConfig, random: () => number): RetryDecision {
  const elapsedS = Math.round((state.now - state.firstAttemptAt) / 1000);
  if (state.attempts >= config.maxAttempts) {
    return { retry: false, reason: `gave up after ${state.attempts} attempts in ${elapsedS}s` };
  }
  const delayMs = Math.max(state.retryAfterMs ?? 0, backoffMs(state.attempts, config, random));
  if (state.now + delayMs - state.firstAttemptAt > config.maxRetryAgeMs) {
    const budgetS = Math.round(config.maxRetryAgeMs / 1000);
    return { retry: false, reason: `gave up after ${state.attempts} attempts in ${elapsedS}s (retry budget ${budgetS}s)` };
  }
  return { retry: true, delayMs };
}
