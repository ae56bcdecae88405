import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { progressBar } from '../../../src/entry/cli/progress.js';

/** A stream that says it is a terminal, collecting what the bar draws. */
function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('send progress bar', () => {
  it('on a terminal shows progress, rate, ETA and failures', () => {
    const tty = terminal(true);
    const bar = progressBar(4, tty.stream);
    bar.tick({ index: 0, status: 'delivered' });
    bar.tick({ index: 1, status: 'dead_lettered', reason: 'HTTP 400' });
    bar.tick({ index: 2, status: 'skipped', reason: 'alias' });
    bar.tick({ index: 3, status: 'delivered' });
    bar.stop();
    expect(tty.text()).toMatch(/100% \| 4\/4 events \| \d+ ev\/s \| ETA \S+ \| failed 1/);
  });

  it('draws nothing when the output is not a terminal (piped, CI)', () => {
    const pipe = terminal(false);
    const bar = progressBar(2, pipe.stream);
    bar.tick({ index: 0, status: 'delivered' });
    bar.stop();
    expect(pipe.text()).toBe('');
  });
});
