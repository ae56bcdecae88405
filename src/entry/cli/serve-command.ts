import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { combineObservers } from '../../delivery/deliverer.js';
import type { Transport } from '../../openpanel/http-client.js';
import { createDestination } from '../library/destination.js';
import { buildServer } from '../server/app.js';
import { createActivity } from '../server/console/activity.js';
import { deadLetterLog, loggerOptions } from '../server/logging.js';
import { createMetrics } from '../server/metrics.js';
import { configOrExit, EXIT_CONFIG } from './config-option.js';

export interface ServeOptions {
  config?: string;
  port: string;
  host?: string;
  dataDir: string;
  /** false with --no-auth. */
  auth: boolean;
  transport?: Transport;
  logLevel: string;
}

/** Requests on the wire get this long to finish at SIGTERM; what is still queued stays for the next start. */
const SHUTDOWN_DEADLINE_MS = 10_000;
const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);

function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT_CONFIG);
}

/**
 * `serve`: the HTTP intake (Segment-compatible API, webhook, optional transformer API) in front of the
 * destination. Refuses to run open to the network: without a writeKey or webhookSecret only --no-auth starts it,
 * and then on loopback only. SIGTERM/SIGINT stop intake, let deliveries on the wire finish, and exit 0.
 */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const config = configOrExit(options.config);
  if (options.auth && config.writeKey === undefined && config.webhookSecret === undefined) {
    usageError('serve: refusing to start without credentials: set writeKey and/or webhookSecret in the config, or pass --no-auth (loopback only)');
  }
  const host = options.host ?? (options.auth ? '0.0.0.0' : '127.0.0.1');
  if (!options.auth && !loopbackHosts.has(host)) usageError(`serve: --no-auth listens on loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) usageError(`serve: --port must be a whole number from 0 to 65535`);

  const logger = pino(loggerOptions(options.logLevel));
  // The gauges read the outbox when scraped; the deliverer reports attempts and outcomes to the metrics.
  const metrics = createMetrics(() => destination.stats());
  // What this instance sees happen, for the console (only served with an adminToken).
  const activity = config.adminToken === undefined ? undefined : createActivity();
  const observer = combineObservers(metrics.observer, deadLetterLog(logger), ...(activity ? [activity.observer] : []));
  const destination = createDestination(config, { dataDir: options.dataDir, observer, transport: options.transport });
  const consoleOptions = activity && { destination, activity, instanceId: `${hostname()}:${process.pid}` };
  const server = buildServer({ config, intake: destination, metrics, logger, open: !options.auth, ...(consoleOptions ? { console: consoleOptions } : {}) });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string): void =>
    void (stopping ??= (async () => {
      logger.info({ signal }, 'stopping: intake and readiness answer 503, requests and deliveries on the wire finish');
      // The listener stays up meanwhile, so load balancers see readiness fail instead of refused connections.
      const deadline = Date.now() + SHUTDOWN_DEADLINE_MS;
      await Promise.race([server.stopIntake(), delay(SHUTDOWN_DEADLINE_MS)]);
      // The outbox keeps what was not delivered for the next start; the wire gets the rest of the deadline.
      try {
        const left = await destination.close({ deadlineMs: Math.max(0, deadline - Date.now()) });
        logger.info({ queuedEvents: left.queuedEvents, deadLetters: left.deadLetters }, 'stopped');
      } catch (error) {
        // Redis unreachable: what it holds stays queued there; nothing else is left to do.
        logger.warn({ reason: (error as Error).message }, 'stopped without reading the queue');
      }
      await server.app.close();
      process.exit(0);
    })());
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  try {
    const address = await server.app.listen({ port, host });
    logger.info({ address, config, dataDir: options.dataDir, auth: options.auth, transformerApi: config.transformerApi }, 'serving');
  } catch (error) {
    process.stderr.write(`serve: cannot listen on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    await destination.close({ deadlineMs: 0 });
    process.exit(1);
  }
}
