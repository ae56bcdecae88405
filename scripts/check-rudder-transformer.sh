#!/usr/bin/env bash
# Runs rudder-transformer's own component harness on this package, plugged in as the v0 destination `openpanel`:
#   scripts/check-rudder-transformer.sh DIR
# DIR is a local clone of rudderlabs/rudder-transformer (this script changes files in it; use a scratch clone).
# It installs the clone's dependencies if missing, installs this package from `npm pack` (its CommonJS entry is
# what the host requires), copies integrations/rudder-transformer/ (transform.js that only delegates, and the
# processor/router test cases) into the clone, registers the destination (router transform, zod-validated test
# structure) and runs test/integrations/component.test.ts for it.
set -euo pipefail

dir="${1:?usage: scripts/check-rudder-transformer.sh DIR (a clone of rudder-transformer)}"
dir="$(cd "$dir" && pwd)"
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$dir/test/integrations/component.test.ts" ] || { echo "$dir is not a rudder-transformer clone" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Native addons whose install script did not run (npm may be set to run none): build them from source.
build_native() {
  local module="$1"
  [ -d "$module" ] || return 0
  if ! ls "$module"/build/Release/*.node >/dev/null 2>&1; then
    echo "== building $(basename "$module") from source"
    (cd "$module" && npx --yes node-gyp rebuild --release -j 2 --nodedir="$(dirname "$(dirname "$(command -v node)")")")
  fi
}

# A lockfile pin the registry no longer serves (seen: @aws-sdk/client-personalize) moves to the nearest later version.
repin_missing() {
  node - "$dir/package-lock.json" "$1" <<'EOF'
const fs = require('fs');
const { execFileSync } = require('child_process');
const [lockFile, name] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
const entry = lock.packages[`node_modules/${name}`];
if (!entry) process.exit(0);
const versions = JSON.parse(execFileSync('npm', ['view', name, 'versions', '--json'], { encoding: 'utf8' }));
if (versions.includes(entry.version)) process.exit(0);
const newer = versions.filter((v) => v.localeCompare(entry.version, undefined, { numeric: true }) > 0);
const version = newer[0] ?? versions.at(-1);
const integrity = execFileSync('npm', ['view', `${name}@${version}`, 'dist.integrity'], { encoding: 'utf8' }).trim();
console.log(`== ${name}@${entry.version} is not in the registry: lockfile entry moved to ${version}`);
Object.assign(entry, { version, resolved: entry.resolved.replace(/-[^-/]+\.tgz$/, `-${version}.tgz`), integrity });
fs.writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
EOF
}

if [ ! -d "$dir/node_modules/jest" ]; then
  repin_missing @aws-sdk/client-personalize
  echo "== npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
fi
build_native "$dir/node_modules/isolated-vm"

echo "== packing openpanel-destination"
(cd "$repo" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/openpanel-destination-*.tgz)"
(cd "$dir" && npm install --no-save --no-audit --no-fund "$tarball")
build_native "$dir/node_modules/better-sqlite3"
build_native "$dir/node_modules/openpanel-destination/node_modules/better-sqlite3"

echo "== adding the destination and its component tests"
cp -R "$repo/integrations/rudder-transformer/." "$dir/"
node - "$dir" <<'EOF'
const fs = require('fs');
const dir = process.argv[2];
const insertAfter = (file, anchor, line) => {
  const path = `${dir}/${file}`;
  const text = fs.readFileSync(path, 'utf8');
  if (text.includes(line.trim())) return;
  if (!text.includes(anchor)) throw new Error(`${file}: cannot find "${anchor}"`);
  fs.writeFileSync(path, text.replace(anchor, `${anchor}\n${line}`));
};
// Router transform: rudder-server sends each user's events in order, as group membership needs.
insertAfter('src/features.ts', 'const destinationCapabilities: Record<string, DestinationCapabilities> = {', '  OPENPANEL: { routerTransform: true },');
// Listed destinations have every response checked against rudder-transformer's zod response schemas.
insertAfter('test/integrations/component.test.ts', 'const INTEGRATIONS_WITH_UPDATED_TEST_STRUCTURE = [', "  'openpanel',");
EOF

echo "== component harness (processor and router, zod validation on)"
state="$(mktemp -d)"
cd "$dir"
OPENPANEL_DESTINATION_DATA_DIR="$state" NODE_OPTIONS='--no-node-snapshot' \
  npx jest -c jest.config.typescript.js test/integrations/component.test.ts --coverage=false --destination=openpanel
rm -rf "$state"
