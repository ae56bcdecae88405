import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setMaxListeners } from 'node:events';
import { networkFailure, type Sender, type SenderOptions } from './sender.js';

/**
 * axios with its own http adapter on keep-alive agents: Node's http module end to end, which is what nock
 * intercepts (the unit tests of the delivery engine use it) and what some proxies and tracing hooks expect.
 */
export function createAxiosSender({ url, connections, timeoutMs }: SenderOptions): Sender {
  const agentOptions = { keepAlive: true, maxSockets: connections };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal); // every request in flight listens for destroy()
  const http = axios.create({
    adapter: 'http',
    httpAgent,
    httpsAgent,
    timeout: timeoutMs,
    // Every status is an answer to classify, not an exception; redirects would turn the POST into a GET.
    validateStatus: () => true,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    transitional: { clarifyTimeoutError: true },
    signal: cancel.signal,
  });
  const release = (): void => {
    httpAgent.destroy();
    httpsAgent.destroy();
  };
  return {
    async post(body, headers) {
      try {
        const response = await http.post<string>(url, body, { headers });
        const retryAfter = response.headers['retry-after'];
        return { status: response.status, body: String(response.data ?? ''), ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return networkFailure(error, typeof code === 'string' ? code : undefined);
      }
    },
    async close() {
      release();
    },
    async destroy() {
      cancel.abort();
      release();
    },
  };
}
