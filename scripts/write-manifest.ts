/**
 * `npm run manifest`: writes manifest.json and the three rudder-integrations-config files from src/config
 * (test/unit/config/definition-files.test.ts fails while any of them is stale).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definitionFiles } from './definition-files.js';

for (const [path, text] of Object.entries(await definitionFiles())) {
  const target = fileURLToPath(new URL(`../${path}`, import.meta.url));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${path}`);
}
