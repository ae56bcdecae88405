#!/usr/bin/env node
/**
 * Rebuilds test/corpus/*.ndjson from git checkouts of the source repositories (see test/corpus/README.md):
 *   node --require ./node_modules/tsx/dist/cjs/index.cjs scripts/corpus/build-corpus.cjs \
 *     <rudder-transformer git dir> <rudder-sdk-js git dir> <segment-docs git dir>
 * Only the input events are kept, each with where it came from; duplicates (the same event JSON) are kept once.
 */
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readdirSync, existsSync, writeFileSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const Module = require('node:module');

const [transformerGit, sdkJsGit, segmentDocsGit] = process.argv.slice(2);
if (!transformerGit || !sdkJsGit || !segmentDocsGit) {
  console.error('usage: build-corpus.cjs <rudder-transformer git dir> <rudder-sdk-js git dir> <segment-docs git dir>');
  process.exit(2);
}
const corpusDir = path.join(__dirname, '../../test/corpus');
const git = (dir, ...args) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const headOf = (dir) => git(dir, 'rev-parse', 'HEAD').trim();

function checkout(dir, ...paths) {
  const into = mkdtempSync(path.join(tmpdir(), 'corpus-'));
  execFileSync('sh', ['-c', `git --git-dir "${dir}" archive HEAD ${paths.join(' ')} | tar -x -C "${into}"`]);
  return into;
}

/** rudder-transformer: test/integrations/destinations/<d>/{processor,router}/data.ts, each case's input messages. */
function transformerEvents(root) {
  const own = path.join(root, 'test/integrations/');
  const stub = path.join(__dirname, 'stub-module.cjs');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    let resolved;
    try {
      resolved = resolve.call(this, request, parent, ...rest);
    } catch {
      return stub;
    }
    return resolved.startsWith(own) || !resolved.includes('/') ? resolved : stub;
  };
  const events = [];
  const skipped = [];
  const destinations = readdirSync(path.join(own, 'destinations')).sort();
  for (const destination of destinations) {
    for (const feature of ['processor', 'router']) {
      const rel = `test/integrations/destinations/${destination}/${feature}/data.ts`;
      if (!existsSync(path.join(root, rel))) continue;
      let data;
      try {
        data = require(path.join(root, rel)).data;
      } catch (error) {
        skipped.push(`${rel}: ${String(error.message).split('\n')[0]}`);
        continue;
      }
      (Array.isArray(data) ? data : []).forEach((testCase, i) => {
        const body = testCase?.input?.request?.body;
        const items = Array.isArray(body) ? body : Array.isArray(body?.input) ? body.input : [];
        items.forEach((item, j) => {
          const message = item?.message;
          if (message !== null && typeof message === 'object' && !Array.isArray(message)) events.push({ from: `${rel}#${i}.${j}`, event: message });
        });
      });
    }
  }
  Module._resolveFilename = resolve;
  return { events, skipped };
}

/** rudder-sdk-js: the sanity suite's expected payloads (what the browser SDK sends) under __fixtures__. */
function sdkJsEvents(root) {
  const dir = 'packages/sanity-suite/__fixtures__';
  return readdirSync(path.join(root, dir))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((file) => ({ from: `${dir}/${file}`, json: JSON.parse(readFileSync(path.join(root, dir, file), 'utf8')) }))
    .filter(({ json }) => json.message !== null && typeof json.message === 'object')
    .map(({ from, json }) => ({ from, event: json.message }));
}

const specTypes = new Set(['track', 'page', 'screen', 'identify', 'group', 'alias']);

/**
 * segment-docs: the example payloads in the JSON code blocks of src/connections/**.md (the spec pages, the mobile
 * spec, destination and source pages): blocks that parse as an event, an array of events or a {batch}.
 * Read blob by blob (git cat-file), since the repository's large binaries may be absent from the snapshot.
 */
function segmentDocsEvents(dir) {
  const files = git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'src/connections')
    .split('\n')
    .filter((file) => file.endsWith('.md'))
    .sort();
  const events = [];
  for (const file of files) {
    const text = git(dir, 'show', `HEAD:${file}`);
    let block = 0;
    for (const match of text.matchAll(/```(?:json|js|javascript)?[^\n]*\n([\s\S]*?)```/g)) {
      block++;
      let value;
      try {
        value = JSON.parse(match[1]);
      } catch {
        continue;
      }
      const list = Array.isArray(value) ? value : Array.isArray(value?.batch) ? value.batch : [value];
      list.forEach((event, i) => {
        const isEvent = event !== null && typeof event === 'object' && !Array.isArray(event) && typeof event.type === 'string';
        if (isEvent && specTypes.has(event.type.toLowerCase())) events.push({ from: `${file}#${block}.${i}`, event });
      });
    }
  }
  return events;
}

function write(name, events) {
  const seen = new Set();
  const lines = [];
  for (const { from, event } of events) {
    const key = JSON.stringify(event);
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(JSON.stringify({ from, event }));
  }
  writeFileSync(path.join(corpusDir, name), `${lines.join('\n')}\n`);
  return lines.length;
}

const transformerDir = checkout(transformerGit, 'test/integrations', 'src');
const sdkJsDir = checkout(sdkJsGit, 'packages/sanity-suite/__fixtures__');
const transformer = transformerEvents(transformerDir);
const sdkJs = sdkJsEvents(sdkJsDir);
const segmentDocs = segmentDocsEvents(segmentDocsGit);
const sources = [
  { file: 'rudder-transformer.ndjson', repo: 'rudderlabs/rudder-transformer', commit: headOf(transformerGit), events: write('rudder-transformer.ndjson', transformer.events) },
  { file: 'rudder-sdk-js.ndjson', repo: 'rudderlabs/rudder-sdk-js', commit: headOf(sdkJsGit), events: write('rudder-sdk-js.ndjson', sdkJs) },
  { file: 'segment-docs.ndjson', repo: 'segmentio/segment-docs', commit: headOf(segmentDocsGit), events: write('segment-docs.ndjson', segmentDocs) },
];
writeFileSync(path.join(corpusDir, 'sources.json'), `${JSON.stringify(sources, null, 2)}\n`);
for (const dir of [transformerDir, sdkJsDir]) rmSync(dir, { recursive: true, force: true });
for (const s of sources) console.log(`${s.file}: ${s.events} events from ${s.repo}@${s.commit}`);
if (transformer.skipped.length > 0) console.log(`data files that would not load without the transformer's own code:\n  ${transformer.skipped.join('\n  ')}`);
