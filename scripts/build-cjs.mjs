// The CommonJS entry (dist/cjs/index.cjs) beside tsc's ESM build, for hosts that `require` the package, such as
// rudder-transformer. Only this package's own code is bundled: every dependency can be required, and stays external so
// the host's own copy is used (a second @rudderstack/integrations-lib would break its `instanceof BaseError`).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].flatMap((name) => [name, `${name}/*`]);

// The sender's worker thread is started from a file beside the bundle (src/openpanel/thread-sender.ts).
await build({
  entryPoints: { index: 'src/index.ts', 'sender-thread-worker': 'src/openpanel/sender-thread-worker.ts' },
  outdir: 'dist/cjs',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  // Files next to the package (mappings/) are found from the module's own URL, as in the ESM build.
  define: { 'import.meta.url': '__moduleUrl' },
  banner: { js: "const __moduleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: true,
  logLevel: 'warning',
});
