import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryObserver } from '../../delivery/deliverer.js';
import type { Intake } from './intake.js';

export type Metrics = ReturnType<typeof createMetrics>;

/** HTTP status as a class label (2xx, 4xx, ...), or the network error code, so label sets stay small. */
const statusClass = (status: number | undefined, code: string | undefined): string =>
  status !== undefined ? `${Math.floor(status / 100)}xx` : (code ?? 'none');

/**
 * The server's Prometheus metrics in their own registry: intake counters fed by the routes, delivery counters
 * fed by the destination's observer, and queue gauges read from the destination when scraped.
 */
export function createMetrics(stats: () => ReturnType<Intake['stats']>) {
  const registry = new Registry();
  // Node's process metrics under their usual names (process_cpu_seconds_total, nodejs_heap_size_used_bytes), as every
  // exporter has them, so stock dashboards and alerts work; only this service's own metrics carry its prefix.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const eventsReceived = new Counter({
    name: 'openpanel_destination_events_received_total',
    help: 'Events received, by intake',
    labelNames: ['source'] as const,
    registers,
  });
  const eventsTaken = new Counter({
    name: 'openpanel_destination_events_total',
    help: 'Received events by what intake did with them: accepted (queued), skipped or rejected',
    labelNames: ['source', 'status'] as const,
    registers,
  });
  const eventOutcomes = new Counter({
    name: 'openpanel_destination_event_outcomes_total',
    help: 'Final outcomes of events: delivered, skipped, rejected, dead_lettered',
    labelNames: ['status'] as const,
    registers,
  });
  const requests = new Counter({
    name: 'openpanel_destination_requests_total',
    help: 'Requests to OpenPanel by request type, result (delivered, retry, fatal) and status class',
    labelNames: ['type', 'result', 'status_class'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'openpanel_destination_delivery_duration_seconds',
    help: 'Time of a request to OpenPanel',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  let lastStats: Promise<Awaited<ReturnType<Intake['stats']>>> | undefined;
  // One stats read per scrape, shared by the gauges below.
  const current = () => (lastStats ??= stats().finally(() => setImmediate(() => (lastStats = undefined))));
  const gauge = (name: string, help: string, read: (s: Awaited<ReturnType<Intake['stats']>>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.set(read(await current()));
      },
    });
  gauge('openpanel_destination_queued_events', 'Events accepted and not yet final', (s) => s.queuedEvents);
  gauge('openpanel_destination_queued_requests', 'Requests waiting for delivery', (s) => s.queuedRequests);
  gauge('openpanel_destination_oldest_queued_age_seconds', 'Age of the oldest queued event', (s) =>
    s.oldestQueuedAt === undefined ? 0 : Math.max(0, (Date.now() - s.oldestQueuedAt) / 1000),
  );
  gauge('openpanel_destination_dead_letters', 'Dead letters waiting for replay', (s) => s.deadLetters);

  const loopFailures = new Counter({
    name: 'openpanel_destination_delivery_loop_failures_total',
    help: 'Times the delivery loop failed (state store unreachable, disk full) and was started again',
    registers,
  });

  const observer: DeliveryObserver = {
    onLoopFailure() {
      loopFailures.inc();
    },
    onAttempt({ type, status, code, result, durationMs }) {
      requests.inc({ type, result, status_class: statusClass(status, code) });
      latency.observe({ type }, durationMs / 1000);
    },
    onFinal({ status }) {
      eventOutcomes.inc({ status });
    },
  };

  return { registry, eventsReceived, eventsTaken, eventOutcomes, observer };
}

/** `GET /metrics` in Prometheus' text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
