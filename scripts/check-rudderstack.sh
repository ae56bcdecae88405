#!/usr/bin/env bash
# Puts the generated RudderStack definition through rudder-integrations-config's own CI checks:
#   scripts/check-rudderstack.sh DIR
# DIR is a local clone of rudderlabs/rudder-integrations-config (this script changes files in it; use a scratch
# clone). It regenerates integrations/rudderstack/openpanel/ (`npm run manifest`), copies the three files in as
# src/configurations/destinations/openpanel, and runs what that repository's CI runs for a changed destination:
# its jest suite (`npm run test:ci`: definition validation, consent-management fields integrity, ...), the schema
# check (`scripts/run-schema-validation.sh`, which fails on any schemaGenerator warning), eslint and prettier.
# Needs python3 with requests, jsonschema and jsondiff >= 2.2; if pip cannot install jsondiff, put a copy of its
# 2.2.1 sources on PYTHONPATH (the folder holding `jsondiff/`, with a jsondiff/_version.py).
set -euo pipefail

dir="${1:?usage: scripts/check-rudderstack.sh DIR (a clone of rudder-integrations-config)}"
dir="$(cd "$dir" && pwd)"
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$dir/scripts/schemaGenerator.py" ] || { echo "$dir is not a rudder-integrations-config clone" >&2; exit 2; }
dest="src/configurations/destinations/openpanel"
status=0

(cd "$repo" && npm run --silent manifest >/dev/null)
mkdir -p "$dir/$dest"
cp "$repo"/integrations/rudderstack/openpanel/{db-config,schema,ui-config}.json "$dir/$dest/"
# Their validation test runs each destination's configs in test/data/validation against its schema.
cp "$repo/integrations/rudderstack/validation/openpanel.json" "$dir/test/data/validation/destinations/openpanel.json"

python3 -c 'import jsondiff, jsonschema, requests, sys; sys.exit(0 if tuple(map(int, jsondiff.__version__.split(".")[:2])) >= (2, 2) else 1)' ||
  { echo "python3 needs requests, jsonschema and jsondiff >= 2.2 (see the header of this script)" >&2; exit 2; }

if [ ! -d "$dir/node_modules/jest" ]; then
  # Their lockfile pins @rudderstack/json-template-engine, which only scripts/preProcess.js (not CI's tests) uses:
  # install without it when the registry does not serve that version.
  if ! npm view "@rudderstack/json-template-engine@$(node -p "require('$dir/package-lock.json').packages['node_modules/@rudderstack/json-template-engine']?.version ?? ''")" version >/dev/null 2>&1; then
    echo "== @rudderstack/json-template-engine is not in the registry: installing without it"
    node - "$dir" <<'EOF'
const fs = require('fs');
const dir = process.argv[2];
const name = '@rudderstack/json-template-engine';
const pkg = JSON.parse(fs.readFileSync(`${dir}/package.json`, 'utf8'));
delete pkg.devDependencies[name];
fs.writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
const lock = JSON.parse(fs.readFileSync(`${dir}/package-lock.json`, 'utf8'));
delete lock.packages[''].devDependencies[name];
for (const key of Object.keys(lock.packages)) if (key.endsWith(`node_modules/${name}`)) delete lock.packages[key];
fs.writeFileSync(`${dir}/package-lock.json`, `${JSON.stringify(lock, null, 2)}\n`);
EOF
  fi
  (cd "$dir" && npm ci --no-audit --no-fund)
fi

cd "$dir"
echo "== jest: npm run test:ci (their whole suite, as their CI runs it)"
npm run test:ci -- --coverage=false 2>&1 | tail -n 40 || status=1

echo "== jest: the tests that read the new destination"
npx jest --coverage=false test/consentManagementFieldsIntegrity.test.ts test/validation.test.ts -t openpanel 2>&1 |
  grep -E 'openpanel|Tests:|Test Suites:|✕' || status=1

echo "== scripts/run-schema-validation.sh (schemaGenerator.py; any warning fails)"
output="$(bash scripts/run-schema-validation.sh "$dest/db-config.json $dest/schema.json $dest/ui-config.json" 2>&1)" || status=1
echo "$output"
python3 scripts/schemaGenerator.py -name=openpanel destination 2>&1 | tee "$dir/.openpanel-schema-check.log"
if grep -qi 'warning\|diff' "$dir/.openpanel-schema-check.log"; then echo "schemaGenerator reports a difference" >&2; status=1; fi
rm -f "$dir/.openpanel-schema-check.log"

echo "== eslint (their lint job)"
npx eslint "$dest/"*.json test/data/validation/destinations/openpanel.json || status=1

echo "== prettier --check"
npx prettier --check "$dest/db-config.json" "$dest/schema.json" "$dest/ui-config.json" test/data/validation/destinations/openpanel.json || status=1

[ "$status" -eq 0 ] && echo "rudder-integrations-config checks: all passed" || echo "rudder-integrations-config checks: FAILED" >&2
exit "$status"
