import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countLines, readInput } from '../../../src/entry/cli/input.js';

describe('--input files', () => {
  it('split only at \\n: U+2028/U+2029 inside a JSON string (valid NDJSON, a line end for readline since Node 24), CRLF, lines longer than a read chunk', async () => {
    const events = [
      { type: 'track', userId: 'u', event: 'line\u2028separator' },
      { type: 'track', userId: 'u', event: 'paragraph\u2029separator' },
      { type: 'track', userId: 'u', event: 'long', properties: { text: 'x'.repeat(200_000) } },
      { type: 'track', userId: 'u', event: 'last, no newline' },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'op-input-'));
    try {
      const file = join(dir, 'events.ndjson');
      writeFileSync(
        file,
        `${events
          .slice(0, 3)
          .map((event) => JSON.stringify(event))
          .join('\r\n')}\n\n${JSON.stringify(events[3])}`,
      );
      const items = [];
      for await (const item of readInput(file)) items.push(item);
      expect(items).toEqual(events.map((value) => ({ value, storable: true })));
      expect(await countLines(file)).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
