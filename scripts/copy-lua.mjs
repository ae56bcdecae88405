// The Redis scripts (src/state/redis/lua/) are read at start from beside the module that loads them: copied next to
// tsc's output (dist/state/redis/lua/) and next to the CommonJS bundle (dist/cjs/lua/), whose module URL is its own.
import { cpSync } from 'node:fs';

const from = new URL('../src/state/redis/lua/', import.meta.url);
for (const to of ['../dist/state/redis/lua/', '../dist/cjs/lua/']) cpSync(from, new URL(to, import.meta.url), { recursive: true });
