import { Pool } from 'undici';
import type { Attempt } from './response.js';
import { networkFailure, type Sender, type SenderOptions } from './sender.js';

// undici's codes, as the ones Node's http module reports, so one classifier serves both senders.
const undiciCodes: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_ABORTED: 'ERR_CANCELED',
  UND_ERR_CLOSED: 'ERR_CANCELED',
  UND_ERR_DESTROYED: 'ERR_CANCELED',
};

export interface UndiciSender extends Sender {
  /** `waitedMs`: how long the request already waited for a connection, which its timeoutMs includes. */
  post(body: string, headers: Record<string, string>, waitedMs?: number): Promise<Attempt>;
}

/**
 * An undici Pool of keep-alive connections to OpenPanel's origin, called directly: what the default sender runs
 * in its own thread (src/openpanel/thread-sender.ts).
 * Measured here it costs about half the CPU per request of axios on the same pool (axios' per-request config
 * merging and header normalisation are most of the difference), which the delivery CPU goal needs.
 */
export function createUndiciSender({ url, connections, timeoutMs }: SenderOptions): UndiciSender {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, { connections, pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const timedOut = (): Error => Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
  return {
    async post(body, headers, waitedMs = 0) {
      // The whole attempt, time waiting for a connection included, within timeoutMs: the lane's lease is
      // timeoutMs plus a margin (docs/outbox.md "Delivery").
      const left = timeoutMs - waitedMs;
      if (left <= 0) return networkFailure(timedOut(), 'ETIMEDOUT');
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(timedOut()), left);
      try {
        const answer = await pool.request({ method: 'POST', path, headers, body, signal: deadline.signal });
        const text = await answer.body.text();
        const retryAfter = answer.headers['retry-after'];
        return { status: answer.statusCode, body: text, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return networkFailure(error, typeof code === 'string' ? (undiciCodes[code] ?? code) : undefined);
      } finally {
        clearTimeout(timer);
      }
    },
    // Either ends the pool for good; a second call (close after a shutdown's destroy) has nothing left to do.
    close: () => (pool.closed || pool.destroyed ? Promise.resolve() : pool.close()),
    destroy: () => (pool.destroyed ? Promise.resolve() : pool.destroy()),
  };
}
