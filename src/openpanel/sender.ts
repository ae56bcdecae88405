import type { Attempt } from './response.js';

/** One way of putting a request on the wire: resolves with what came back, never throws. */
export interface Sender {
  post(body: string, headers: Record<string, string>): Promise<Attempt>;
  /**
   * After an answer that was not a delivery, whether requests queued behind it go on (`go`) or come back as
   * `notSent` (`recall`: delivery paused or OpenPanel failing). Only a sender that queues has any.
   */
  after?(verdict: 'go' | 'recall'): void;
  /** Lets requests in flight finish, then closes the connections. */
  close(): Promise<void>;
  /** Closes the connections now; requests in flight end as ERR_CANCELED. */
  destroy(): Promise<void>;
}

export interface SenderOptions {
  /** Full URL of {apiUrl}/track. */
  url: string;
  /** Keep-alive connections. */
  connections: number;
  timeoutMs: number;
}

/** A network failure as an attempt: the error's code (ECONNRESET, ETIMEDOUT, ...) and message. */
export function networkFailure(error: unknown, code: string | undefined): Attempt {
  const message = error instanceof Error ? error.message : String(error);
  return { code: code ?? 'ERR_NETWORK', message };
}
