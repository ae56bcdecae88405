import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the sink received it: what OpenPanel would have ingested. */
export interface SinkRequest {
  type: string;
  payload: Record<string, unknown>;
}

export interface OpenPanelSink {
  /** The apiUrl to configure. */
  url: string;
  received: SinkRequest[];
  close(): Promise<void>;
}

/**
 * A local stand-in for OpenPanel's ingestion API, for the demo and trials without an account: `POST /track`
 * with a client id header and a `{type, payload}` body is recorded and answered as OpenPanel answers
 * (`{deviceId, sessionId}`); anything else gets OpenPanel's 4xx.
 */
export async function startOpenPanelSink(): Promise<OpenPanelSink> {
  const received: SinkRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (status: number, body: object): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/track') return answer(404, { message: `Route ${req.method}:${req.url} not found` });
      if (!req.headers['openpanel-client-id']) return answer(401, { message: 'Ingestion: Missing client id' });
      let body: SinkRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SinkRequest;
      } catch {
        return answer(400, { message: 'Body is not valid JSON' });
      }
      if (typeof body?.type !== 'string' || typeof body.payload !== 'object' || body.payload === null)
        return answer(400, { message: 'body must be {type, payload}' });
      received.push({ type: body.type, payload: body.payload });
      const deviceId = String(body.payload['profileId'] ?? 'anonymous');
      answer(200, { deviceId, sessionId: `session-${deviceId}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
