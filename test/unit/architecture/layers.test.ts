import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const depcruise = join(root, 'node_modules/.bin/depcruise');
const config = join(root, '.dependency-cruiser.cjs');

/** depcruise with the repository's rules over `dir`: its exit code and what it printed. */
async function cruise(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', config], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** A tree of TypeScript files (path -> source) in a temp folder, as the rules see a checkout. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'opd-layers-'));
  const all = { 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }), ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The rules (.dependency-cruiser.cjs) on small trees; test/lint.test.ts runs them on the repository. */
describe('imports run one way (docs/architecture.md "Layers")', () => {
  it('an import against the flow fails, naming the rule and the files: incoming events reading the outbox', async () => {
    const dir = tree({
      'src/delivery/outbox.ts': 'export const queued: unknown[] = [];\n',
      'src/events/schema.ts': "import { queued } from '../delivery/outbox.js';\nexport const seen = queued.length;\n",
    });
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('events imports against the flow: src/events/schema.ts → src/delivery/outbox.ts');
  });

  it('the OpenPanel HTTP client sits above transform, its contract below', async () => {
    const dir = tree({
      'src/openpanel/contract.ts': 'export type Body = { type: string };\n',
      'src/openpanel/http-client.ts': 'export class OpenPanelClient {}\n',
      'src/transform/track.ts':
        "import type { Body } from '../openpanel/contract.js';\nimport { OpenPanelClient } from '../openpanel/http-client.js';\nexport const b: Body[] = [];\nexport const c = OpenPanelClient;\n",
    });
    const { code, output } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(output).toContain('transform imports against the flow: src/transform/track.ts → src/openpanel/http-client.ts');
    expect(output).not.toContain('src/openpanel/contract.ts');
  });
});
