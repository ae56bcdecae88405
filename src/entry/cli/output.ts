import { once } from 'node:events';

/**
 * The CLI's stdout and stderr when their reader may go away (`transform … | head -1`): the EPIPE marks the stream
 * closed instead of crashing the process with a stack trace, and Node drops later writes to it. A filter
 * (`transform`) stops when stdout closes and exits 0, as other Unix filters do; `send` and `replay` carry on
 * (their output is a report, the work is in the outbox) and keep their exit code.
 */
const closed = new Set<NodeJS.WritableStream>();

export function watchOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed.add(stream);
    });
  }
}

/**
 * Writes and waits while a slow reader drains the pipe, so a large output is never buffered whole; false once
 * the reader has gone (an EPIPE is reported a tick after the write that met it, so the caller sees it next time).
 */
export async function writeOrStop(text: string, stream: NodeJS.WriteStream = process.stdout): Promise<boolean> {
  if (closed.has(stream)) return false;
  if (!stream.write(text)) {
    const done = new AbortController();
    await Promise.race([once(stream, 'drain', { signal: done.signal }), once(stream, 'close', { signal: done.signal })]).catch(() => undefined);
    done.abort();
  }
  return !closed.has(stream);
}
