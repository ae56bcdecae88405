import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { formatEta, progressBar } from '../../../src/entry/cli/progress.js';

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
    expect(tty.text()).toMatch(/100% \| 4\/4 events \| \S+ ev\/s \| ETA \S+ \| failed 1/);
  });

  it('shows no ETA (nor rate) before the rate is known, then one from the rate', () => {
    const tty = terminal(true);
    let clock = 0;
    const bar = progressBar(1_000, tty.stream, () => clock);
    try {
      // The first frame, drawn at start.
      expect(tty.text()).toMatch(/0\/1000 events \| -- ev\/s \| ETA -- \|/);
      bar.tick({ index: 0, status: 'delivered' });
      clock = 2_000;
      for (let i = 1; i < 100; i++) bar.tick({ index: i, status: 'delivered' });
    } finally {
      bar.stop();
    }
    expect(tty.text()).not.toMatch(/ETA \d+h/);
    // 100 events in 2 s: 50 ev/s, 900 left: 18 s.
    expect(tty.text()).toMatch(/100\/1000 events \| 50 ev\/s \| ETA 18s \|/);
  });

  it('formats an ETA as seconds, minutes or hours', () => {
    expect([formatEta(42), formatEta(185), formatEta(7_620)]).toEqual(['42s', '3m05s', '2h07m']);
  });

  it('draws nothing when the output is not a terminal (piped, CI)', () => {
    const pipe = terminal(false);
    const bar = progressBar(2, pipe.stream);
    bar.tick({ index: 0, status: 'delivered' });
    bar.stop();
    expect(pipe.text()).toBe('');
  });
});
