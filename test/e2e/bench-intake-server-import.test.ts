import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

// The bench imports intake-server.ts for its exports; a server started on import kept `npm run bench` from exiting.
test('importing the bench intake server starts nothing: the importing process exits by itself', async () => {
  const script = "await import('./bench/intake-server.ts'); console.log('imported');";
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 15_000 });
  expect(stdout.trim()).toBe('imported');
});
