/** `npm run manifest`: regenerates manifest.json from src/config (a unit test fails while it is stale). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestText } from '../src/config/manifest.js';

const target = fileURLToPath(new URL('../manifest.json', import.meta.url));
writeFileSync(target, manifestText());
console.log(`wrote ${target}`);
