import type { DestinationConfig } from '../config/schema.js';
import { createAxiosSender } from './axios-sender.js';
import type { OpenPanelRequest } from './contract.js';
import type { Attempt } from './response.js';
import type { Sender } from './sender.js';
import { createUndiciSender } from './undici-sender.js';

/** 'undici' (default): lowest CPU per request. 'http': axios' http adapter, what nock intercepts in unit tests. */
export type Transport = 'undici' | 'http';

export type ClientConfig = Pick<DestinationConfig, 'apiUrl' | 'clientSecret' | 'concurrency' | 'timeoutMs'>;

/** Sends one request to POST {apiUrl}/track and reports what came back; never throws. */
export class OpenPanelClient {
  readonly url: string;
  private readonly sender: Sender;

  constructor(
    private readonly config: ClientConfig,
    transport: Transport = 'undici',
  ) {
    this.url = `${config.apiUrl.replace(/\/+$/, '')}/track`;
    const options = { url: this.url, connections: config.concurrency, timeoutMs: config.timeoutMs };
    this.sender = transport === 'undici' ? createUndiciSender(options) : createAxiosSender(options);
  }

  async post(request: OpenPanelRequest): Promise<Attempt> {
    const headers = { ...request.headers, 'openpanel-client-secret': this.config.clientSecret, 'content-type': 'application/json' };
    const attempt = await this.sender.post(JSON.stringify(request.body), headers);
    // A misbehaving proxy could echo request headers back: the secret must never reach reasons or dead letters.
    if (attempt.body !== undefined) attempt.body = this.scrub(attempt.body);
    if (attempt.message !== undefined) attempt.message = this.scrub(attempt.message);
    return attempt;
  }

  close(): Promise<void> {
    return this.sender.close();
  }

  /** Cuts requests still in flight (they end as ERR_CANCELED). */
  destroy(): Promise<void> {
    return this.sender.destroy();
  }

  private scrub(text: string): string {
    return text.includes(this.config.clientSecret) ? text.replaceAll(this.config.clientSecret, '[redacted]') : text;
  }
}
