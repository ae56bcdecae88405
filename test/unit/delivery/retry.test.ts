import { describe, expect, it } from '@jest/globals';
import { backoffMs, nextRetry } from '../../../src/delivery/retry.js';
import { testConfig } from './harness.js';

const config = { maxAttempts: 5, maxRetryAgeMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 1_000 };

describe('backoffMs', () => {
  it('doubles from the base up to the cap, scaled by the jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempts) => backoffMs(attempts, config, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffMs(3, config, () => 0.25)).toBe(100);
    expect(backoffMs(3, config, () => 0)).toBe(0);
  });
});

describe('nextRetry', () => {
  const at = 1_000_000;

  it('retries after the jittered backoff', () => {
    expect(nextRetry({ attempts: 2, firstAttemptAt: at, now: at + 50 }, config, () => 0.5)).toEqual({ retry: true, delayMs: 100 });
  });

  it('waits at least Retry-After', () => {
    expect(nextRetry({ attempts: 1, firstAttemptAt: at, now: at, retryAfterMs: 5_000 }, config, () => 1)).toEqual({ retry: true, delayMs: 5_000 });
    expect(nextRetry({ attempts: 4, firstAttemptAt: at, now: at, retryAfterMs: 10 }, config, () => 1)).toEqual({ retry: true, delayMs: 800 });
  });

  it('stops at maxAttempts', () => {
    expect(nextRetry({ attempts: 5, firstAttemptAt: at, now: at + 3_000 }, config, () => 0)).toEqual({
      retry: false,
      reason: 'gave up after 5 attempts in 3s',
    });
  });

  it('stops when the retry would start after maxRetryAgeMs, Retry-After included', () => {
    expect(nextRetry({ attempts: 2, firstAttemptAt: at, now: at + 59_950 }, config, () => 1)).toEqual({
      retry: false,
      reason: 'gave up after 2 attempts in 60s (retry budget 60s)',
    });
    expect(nextRetry({ attempts: 1, firstAttemptAt: at, now: at, retryAfterMs: 61_000 }, config, () => 0)).toMatchObject({ retry: false });
  });

  it('by default a request is retried for 4 hours (the age budget binds, not the attempt count), waits capped at 5 minutes', () => {
    const defaults = testConfig();
    let waited = 0;
    let attempts = 1;
    for (;;) {
      const decision = nextRetry({ attempts, firstAttemptAt: at, now: at + waited }, defaults, () => 1);
      if (!decision.retry) break;
      expect(decision.delayMs).toBeLessThanOrEqual(5 * 60_000);
      waited += decision.delayMs;
      attempts++;
    }
    expect(waited).toBeGreaterThan(3.9 * 3_600_000);
    expect(attempts).toBeLessThan(defaults.maxAttempts);
  });
});
