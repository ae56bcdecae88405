import { Pool } from 'undici';
import type { OpenPanelRequest } from '../src/openpanel/contract.js';

/** Posts one request on `pool`; true when it was answered 200 with JSON. */
type Fire = (request: OpenPanelRequest) => Promise<boolean>;

function trackPoster(apiUrl: string, clientSecret: string, concurrency: number): { fire: Fire; close(): Promise<void> } {
  const url = new URL(`${apiUrl.replace(/\/+$/, '')}/track`);
  const pool = new Pool(url.origin, { connections: concurrency });
  const fire: Fire = async (request) => {
    const response = await pool.request({
      path: url.pathname,
      method: 'POST',
      // Object.assign, as the client does: spread of hyphenated keys is a slow path in V8 and would flatter us.
      headers: Object.assign({}, request.headers, { 'content-type': 'application/json', 'openpanel-client-secret': clientSecret }),
      body: JSON.stringify(request.body),
    });
    const text = await response.body.text();
    return response.statusCode === 200 && typeof JSON.parse(text) === 'object';
  };
  return { fire, close: () => pool.close() };
}

/**
 * The raw delivery floor: an undici Pool firing the given requests with `concurrency` in flight, no ordering,
 * retries or bookkeeping. Returns how many were not answered 200 with JSON.
 */
export async function firePool(apiUrl: string, clientSecret: string, requests: OpenPanelRequest[], concurrency: number): Promise<number> {
  const { fire, close } = trackPoster(apiUrl, clientSecret, concurrency);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let request = requests[next++]; request; request = requests[next++]) if (!(await fire(request))) failed++;
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await close();
  return failed;
}

/**
 * The same Pool under the outbox's ordering contract and nothing else: one request of a lane on the wire at a time,
 * each lane's in input order, and of the lanes with a request ready, the one whose next request came first. What
 * per-user order alone costs (the tail, where fewer lanes than `concurrency` are left). Returns the failures.
 */
export async function fireOrderedPool(
  apiUrl: string,
  clientSecret: string,
  requests: ReadonlyArray<{ lane: string; request: OpenPanelRequest }>,
  concurrency: number,
): Promise<number> {
  const { fire, close } = trackPoster(apiUrl, clientSecret, concurrency);
  const lanes = new Map<string, number[]>();
  requests.forEach(({ lane }, position) => (lanes.get(lane) ?? lanes.set(lane, []).get(lane)!).push(position));
  // Lanes ready to send, as their queues, ordered by the position of their next request (a sorted array: few lanes).
  const ready = [...lanes.values()].sort((a, b) => a[0]! - b[0]!);
  const makeReady = (queue: number[]): void => {
    let at = ready.length;
    while (at > 0 && ready[at - 1]![0]! > queue[0]!) at--;
    ready.splice(at, 0, queue);
  };
  let failed = 0;
  let onWire = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (ready.length === 0 && onWire === 0) resolve();
      while (onWire < concurrency && ready.length > 0) {
        const queue = ready.shift()!;
        onWire++;
        void fire(requests[queue.shift()!]!.request).then((ok) => {
          if (!ok) failed++;
          onWire--;
          if (queue.length > 0) makeReady(queue);
          pump();
        });
      }
    };
    pump();
  });
  await close();
  return failed;
}
