/**
 * Groups an async stream into arrays of at most `max` items, ending a group early when the next item takes
 * longer than `pauseMs` to arrive: a file fills whole groups (one commit each), a trickle on stdin is not held back.
 */
export async function* batches<T>(source: AsyncIterable<T>, max: number, pauseMs: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let batch: T[] = [];
  for (;;) {
    pending ??= iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const paused = batch.length === 0 ? undefined : new Promise<'paused'>((resolve) => (timer = setTimeout(() => resolve('paused'), pauseMs)));
    const next = await (paused ? Promise.race([pending, paused]) : pending);
    clearTimeout(timer);
    if (next === 'paused') {
      yield batch;
      batch = [];
      continue;
    }
    pending = undefined;
    if (next.done) break;
    batch.push(next.value);
    if (batch.length >= max) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
