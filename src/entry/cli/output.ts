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
  if (!stream.write(text)) await drainedOrClosed(stream);
  return !closed.has(stream);
}

/**
 * Resolves at the stream's next 'drain' or 'close', whichever comes first, and leaves no listener behind. Plain
 * listeners, not two aborted `once` promises: a pipe read slower than `transform` writes waits here for nearly
 * every chunk, and each abort built an AbortError with its stack.
 */
function drainedOrClosed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
