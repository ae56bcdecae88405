import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from '@jest/globals';

const run = promisify(execFile);
const floor = fileURLToPath(new URL('../../bench/transform-floor.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opd-floor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The floor must read the lines the CLI reads (src/entry/cli/input.ts): a U+2028 or U+2029 inside a JSON string
// does not end a line (node:readline ends one there since Node 24); blank lines and CRLF endings are skipped.
test('the transform floor splits its input at \\n only, as the CLI does', async () => {
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, '{"type":"track","event":"a\u2028b","userId":"u"}\r\n\n{"type":"track","event":"c\u2029d","userId":"u"}\n  \n');
  const { stdout } = await run(process.execPath, [floor, input], { timeout: 15_000 });
  const names = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { body: { payload: { name: string } } }).body.payload.name);
  expect(names).toEqual(['a\u2028b', 'c\u2029d']);
});
