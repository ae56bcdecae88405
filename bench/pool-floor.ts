import { Pool } from 'undici';
import type { OpenPanelRequest } from '../src/openpanel/contract.js';

/**
 * The raw delivery floor: an undici Pool firing the given requests with `concurrency` in flight, no ordering,
 * retries or bookkeeping. Returns how many were not answered 200 with JSON.
 */
export async function firePool(apiUrl: string, clientSecret: string, requests: OpenPanelRequest[], concurrency: number): Promise<number> {
  const url = new URL(`${apiUrl.replace(/\/+$/, '')}/track`);
  const pool = new Pool(url.origin, { connections: concurrency });
  let next = 0;
  let failed = 0;
  const worker = async () => {
    for (let request = requests[next++]; request; request = requests[next++]) {
      const response = await pool.request({
        path: url.pathname,
        method: 'POST',
        // Object.assign, as the client does: spread of hyphenated keys is a slow path in V8 and would flatter us.
        headers: Object.assign({}, request.headers, { 'content-type': 'application/json', 'openpanel-client-secret': clientSecret }),
        body: JSON.stringify(request.body),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200 || typeof JSON.parse(text) !== 'object') failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return failed;
}
