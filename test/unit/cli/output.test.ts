import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { watchOutput, writeOrStop } from '../../../src/entry/cli/output.js';

/** A stream whose reader takes each chunk only when `take()` is called: full after one chunk. */
function slowReader() {
  const waiting: Array<() => void> = [];
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString());
      waiting.push(callback);
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, received, take: () => waiting.shift()?.() };
}

const listeners = (stream: NodeJS.WriteStream) => stream.listenerCount('drain') + stream.listenerCount('close');

describe('writeOrStop', () => {
  it('waits while the reader is behind, goes on at drain, and leaves no listener behind', async () => {
    const { stream, received, take } = slowReader();
    const before = listeners(stream);
    let done = false;
    const written = writeOrStop('chunk one', stream).then((open) => ((done = true), open));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    take();
    expect(await written).toBe(true);
    expect(received).toEqual(['chunk one']);
    expect(listeners(stream)).toBe(before);
  });

  it('stops waiting when the stream closes instead, and answers false once its reader went away (EPIPE)', async () => {
    const { stream } = slowReader();
    watchOutput([stream]);
    const written = writeOrStop('chunk one', stream);
    stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(await written).toBe(false);
    expect(await writeOrStop('more', stream)).toBe(false);
  });
});
