/**
 * What one kill -9 of a delivering process may send twice (docs/outbox.md "Delivery"): the requests handed to the
 * default sender (2 × `concurrency`) plus the answers not yet written (settled in groups of an eighth of them).
 */
export const doublesBoundPerKill = (concurrency: number): number => 2 * concurrency + Math.max(1, Math.floor(concurrency / 8));
