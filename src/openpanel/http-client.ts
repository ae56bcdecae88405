import type { DestinationConfig } from '../config/schema.js';
import type { OpenPanelRequest } from './contract.js';
import type { Attempt } from './response.js';
import type { Sender, SenderOptions } from './sender.js';

/**
 * 'undici' (default): an undici Pool in a worker thread of its own, lowest CPU per request on the delivery thread.
 * 'http': axios' http adapter in this thread, what nock intercepts in unit tests.
 */
export type Transport = 'undici' | 'http';

export type ClientConfig = Pick<DestinationConfig, 'apiUrl' | 'clientSecret' | 'concurrency' | 'timeoutMs'>;

/** Loaded on first use: a dry run (`transform`) never pays for an HTTP stack's start-up. */
async function loadSender(transport: Transport, options: SenderOptions): Promise<Sender> {
  if (transport === 'undici') return (await import('./thread-sender.js')).createThreadSender(options);
  return (await import('./axios-sender.js')).createAxiosSender(options);
}

/** Sends one request to POST {apiUrl}/track and reports what came back; never throws. */
export class OpenPanelClient {
  readonly url: string;
  /**
   * How many requests, as a multiple of the connections, the sender should be handed: the thread sender queues
   * those beyond the connections and sends each as soon as a connection is free (docs/outbox.md "Delivery").
   */
  readonly handOver: number;
  private readonly sender: Promise<Sender>;
  private readonly sendHeaders: Record<string, string>;

  constructor(
    private readonly config: ClientConfig,
    transport: Transport = 'undici',
  ) {
    this.url = `${config.apiUrl.replace(/\/+$/, '')}/track`;
    this.handOver = transport === 'undici' ? 2 : 1;
    const options = { url: this.url, connections: config.concurrency, timeoutMs: config.timeoutMs };
    this.sender = loadSender(transport, options);
    this.sendHeaders = { 'openpanel-client-secret': config.clientSecret, 'content-type': 'application/json' };
  }

  async post(request: OpenPanelRequest): Promise<Attempt> {
    // Object.assign, not spread: spread copies hyphenated keys through a slow path in V8.
    const headers = Object.assign({}, request.headers, this.sendHeaders);
    const attempt = await (await this.sender).post(JSON.stringify(request.body), headers);
    // A misbehaving proxy could echo request headers back: the secret must never reach reasons or dead letters.
    if (attempt.body !== undefined) attempt.body = this.scrub(attempt.body);
    if (attempt.message !== undefined) attempt.message = this.scrub(attempt.message);
    return attempt;
  }

  /** See Sender.after. */
  async after(verdict: 'go' | 'recall'): Promise<void> {
    (await this.sender).after?.(verdict);
  }

  async close(): Promise<void> {
    await (await this.sender).close();
  }

  /** Cuts requests still in flight (they end as ERR_CANCELED). */
  async destroy(): Promise<void> {
    await (await this.sender).destroy();
  }

  private scrub(text: string): string {
    return text.includes(this.config.clientSecret) ? text.replaceAll(this.config.clientSecret, '[redacted]') : text;
  }
}
