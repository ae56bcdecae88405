import type { Destination } from '../library/destination.js';

/**
 * What the routes use of the destination (`createDestination`): `accept` resolves once the events are committed
 * to the outbox (QueueFullError over `maxQueuedEvents`), plus health, queue stats, dead letters and replay.
 * Narrowed to this so the intake benchmark can put a take-everything floor behind the same routes.
 */
export type Intake = Pick<Destination, 'accept' | 'health' | 'stats' | 'replay' | 'deadLetters'>;
