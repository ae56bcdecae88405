import { isPlainObject } from '../helpers/values.js';

/** What one HTTP attempt produced: a response (status, text body) or a network error (code, message). */
export interface Attempt {
  status?: number;
  /** Response text, with the client secret scrubbed by the client. */
  body?: string;
  /** Raw `Retry-After` header. */
  retryAfter?: string;
  /** Network error code (ECONNRESET, ECONNREFUSED, ETIMEDOUT, ...). */
  code?: string;
  message?: string;
}

/** A request the sender handed back without sending it: its lane is released, not retried (docs/outbox.md "Delivery"). */
export const notSent: Readonly<Attempt> = { code: 'ERR_NOT_SENT', message: 'handed back unsent' };

/** How the delivery engine must treat an attempt (docs/openpanel-contract.md, docs/outbox.md "Delivery"). */
export type Verdict = { kind: 'delivered' } | { kind: 'retry'; reason: string; retryAfterMs?: number } | { kind: 'fatal'; reason: string; unhealthy?: string };

const reasonBodyChars = 200;

/** One line of at most `max` characters, so reasons and stored bodies stay readable and bounded. */
export function truncateText(text: string, max = reasonBodyChars): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function describeStatus(attempt: Attempt): string {
  const body = attempt.body ? truncateText(attempt.body) : '';
  return body ? `HTTP ${attempt.status}: ${body}` : `HTTP ${attempt.status}`;
}

/** OpenPanel's answer is a JSON object ({deviceId, sessionId}) or the text `Duplicate event`. */
function isOpenPanelSuccessBody(body: string | undefined): boolean {
  if (body === undefined) return false;
  if (body.trim() === 'Duplicate event') return true;
  if (!body.trimStart().startsWith('{')) return false;
  try {
    const answer: unknown = JSON.parse(body);
    return isPlainObject(answer);
  } catch {
    return false;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function classifyAttempt(attempt: Attempt, now: number): Verdict {
  const { status } = attempt;
  if (status === undefined) {
    const code = attempt.code ?? 'ERR_NETWORK';
    return { kind: 'retry', reason: `network error ${code}${attempt.message ? `: ${truncateText(attempt.message)}` : ''}` };
  }
  // 202: OpenPanel took it for a bot (no secret sent); it is stored all the same.
  if (status === 202) return { kind: 'delivered' };
  if (status >= 200 && status < 300) {
    if (isOpenPanelSuccessBody(attempt.body)) return { kind: 'delivered' };
    return {
      kind: 'fatal',
      reason: `${describeStatus(attempt)} (not OpenPanel's answer, nothing was stored: check apiUrl and the client secret)`,
    };
  }
  if (isRetryableStatus(status)) {
    return { kind: 'retry', reason: describeStatus(attempt), retryAfterMs: parseRetryAfter(attempt.retryAfter, now) };
  }
  if (status === 401) {
    const reason = describeStatus(attempt);
    return { kind: 'fatal', reason, unhealthy: `OpenPanel refused the credentials (${reason}): check clientId and clientSecret` };
  }
  return { kind: 'fatal', reason: describeStatus(attempt) };
}
