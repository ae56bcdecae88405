import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The Redis scripts, one `.lua` file per script under lua/ (KEYS and ARGV documented at the top of each), their
 * shared functions under lua/lib/. The build copies lua/ beside the compiled module and the CommonJS bundle
 * (scripts/copy-lua.mjs), so it is found from this module's URL in every form of the package.
 */
const luaDir = fileURLToPath(new URL('./lua/', import.meta.url));
const includeLine = /^-- include: (\S+)$/gm;

/** A script's text, its `-- include: lib/x.lua` lines replaced by those files (each once, in place of its first include). */
export function luaScript(name: string): string {
  const included = new Set<string>();
  const expand = (file: string): string =>
    readFileSync(`${luaDir}${file}`, 'utf8').replace(includeLine, (_, lib: string) => {
      if (included.has(lib)) return '';
      included.add(lib);
      return expand(lib);
    });
  return expand(`${name}.lua`);
}
