import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));

/** One `npm run lint` step: its exit code and output, so a failure shows what to fix. */
async function step(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    await run(`${root}node_modules/.bin/${bin}`, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: '' };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: `${failed.stdout}${failed.stderr}`.slice(0, 4000) };
  }
}

/** `npm run lint` as part of `npm test` (so CI runs it), each tool its own test so one failing does not hide the others. */
describe('npm run lint', () => {
  it('eslint: no problem found', async () => {
    expect(await step('eslint', ['.'])).toEqual({ code: 0, output: '' });
  });

  it('depcruise: every import runs down the flow (docs/architecture.md "Layers")', async () => {
    expect(await step('depcruise', ['src', '--config', '.dependency-cruiser.cjs'])).toEqual({ code: 0, output: '' });
  });

  it('prettier: every source file formatted (.prettierrc.json)', async () => {
    expect(await step('prettier', ['--check', '**/*.{ts,js,mjs,cjs}'])).toEqual({ code: 0, output: '' });
  });
});
