import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { luaScript } from '../../../src/state/redis/scripts.js';
import { testRedisUrl } from '../../support/redis.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const luaDir = `${root}src/state/redis/lua/`;
const scripts = readdirSync(luaDir)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => file.replace(/\.lua$/, ''));

describe('Redis scripts in .lua files', () => {
  const client = new Redis(testRedisUrl);
  afterAll(() => client.quit());

  it.each(scripts)('%s documents KEYS and ARGV at its top, and Redis compiles it with its includes', async (name) => {
    const head = readFileSync(`${luaDir}${name}.lua`, 'utf8').split('\n').slice(0, 8).join('\n');
    expect(head).toMatch(/^-- KEYS: /m);
    expect(head).toMatch(/^-- ARGV: /m);
    const lua = luaScript(name);
    expect(lua).not.toMatch(/^-- include: /m);
    // SCRIPT LOAD compiles without running: a syntax error (or an include gone missing) is refused here.
    expect(await client.script('LOAD', lua)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('includes each shared file once, where it is first included', () => {
    const commit = luaScript('outbox-commit');
    expect(commit.match(/local function mem_merge/g)).toHaveLength(1);
    expect(commit.match(/local function dd_mark/g)).toHaveLength(1);
    expect(commit.indexOf('local P = ARGV[1]')).toBeLessThan(commit.indexOf('local function mem_merge'));
  });

  it('ships them in the package, beside the ESM build and the CommonJS bundle, which load them at start', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    for (const name of scripts) {
      expect(files).toContain(`dist/state/redis/lua/${name}.lua`);
      expect(files).toContain(`dist/cjs/lua/${name}.lua`);
    }
    expect(files).toContain('dist/cjs/lua/lib/outbox.lua');
    // The bundle reads every script when it is required; a missing file would throw here.
    await run(process.execPath, ['-e', "require('./dist/cjs/index.cjs')"], { cwd: root });
    await run(process.execPath, ['--input-type=module', '-e', "await import('./dist/state/redis/index.js')"], { cwd: root });
  });
});
