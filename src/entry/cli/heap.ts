import { setFlagsFromString } from 'node:v8';

/**
 * Between two full collections the old generation may grow by this share of what survived the last one, instead
 * of V8's own factor (up to 4×, from GC and mutator speed). A backfill's live data stays small (the outbox's
 * in-memory keys and lanes, the batch in hand, the requests on the wire: ~40 MB) but it promotes much short-lived
 * garbage, and V8's factor let the heap reach 3-4× that (README, Performance). Not a cap: a JSON-array input,
 * held whole, grows the heap as far as it needs, in smaller steps.
 */
export const HEAP_GROWING_PERCENT = 20;

/** For the rest of the process (V8 reads it at every full collection); flags are process-wide, workers included. */
export function keepHeapNearLive(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
