import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = new URL('../../', import.meta.url).pathname;

/**
 * A host project (as rudder-transformer is) that installed this package with `npm ci --ignore-scripts`: the package's
 * published files (package.json `files`, built by `npm test`'s pretest), every other dependency linked from this
 * repository's node_modules, and better-sqlite3's JavaScript without its native addon, which only its install script builds.
 * `integrationsLib: false` leaves out @rudderstack/integrations-lib, the optional peer, as a plain install of the package does.
 */
export function hostWithoutNativeAddon({ integrationsLib = true } = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'openpanel-host-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  const repoModules = join(repoRoot, 'node_modules');
  for (const name of readdirSync(repoModules)) {
    if (name.startsWith('.') || name === 'better-sqlite3' || (!integrationsLib && name === '@rudderstack')) continue;
    symlinkSync(join(repoModules, name), join(modules, name));
  }
  const unbuilt = join(modules, 'better-sqlite3');
  for (const part of ['package.json', 'lib']) cpSync(join(repoModules, 'better-sqlite3', part), join(unbuilt, part), { recursive: true });

  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  const installed = join(modules, 'openpanel-destination');
  for (const part of ['package.json', ...pkg.files]) cpSync(join(repoRoot, part), join(installed, part), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'host', private: true }));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
