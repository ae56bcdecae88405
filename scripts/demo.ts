/**
 * `npm run demo`: the real `serve` on embedded defaults, fed the Groups guide's flows (examples/seed-flows.ndjson)
 * through Segment's Node SDK, delivering to a local OpenPanel-compatible sink. Prints what "OpenPanel" received.
 */
import { Analytics } from '@segment/analytics-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOpenPanelSink, type SinkRequest } from './openpanel-sink.js';
import { startServe, writeConfig } from './serve-process.js';

type SeedEvent = Record<string, unknown> & { type: string };

const writeKey = 'demo-write-key';
const work = mkdtempSync(join(tmpdir(), 'openpanel-demo-'));
const seed = readFileSync(new URL('../examples/seed-flows.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as SeedEvent);

const sink = await startOpenPanelSink();
const config = writeConfig({ ...JSON.parse(readFileSync(new URL('../examples/config.json', import.meta.url), 'utf8')), apiUrl: sink.url, writeKey }, work);
const serve = await startServe(['--config', config, '--host', '127.0.0.1', '--data-dir', join(work, 'data')]);
console.log(`serve listening at ${serve.url}, delivering to a local OpenPanel sink at ${sink.url}\n`);

// Checked after cleanup, so an error of the demo itself is not replaced by serve's exit code.
let code: Awaited<ReturnType<typeof serve.stop>> | undefined;
try {
  // The SDK exactly as an app uses it; only `host` points at serve.
  const analytics = new Analytics({ writeKey, host: serve.url, flushAt: 50 });
  const calls = {
    identify: analytics.identify,
    group: analytics.group,
    track: analytics.track,
    page: analytics.page,
    screen: analytics.screen,
    alias: analytics.alias,
  };
  for (const { type, ...fields } of seed) {
    const call = calls[type as keyof typeof calls];
    if (call === undefined) throw new Error(`seed event of unknown type ${type}`);
    call.call(analytics, fields as never);
  }
  await analytics.closeAndFlush();

  // Delivery is asynchronous: wait until serve has nothing queued.
  for (;;) {
    const health = (await (await fetch(`${serve.url}/health`)).json()) as { queuedEvents: number };
    if (health.queuedEvents === 0) break;
    await sleep(50);
  }

  const show = (value: unknown): string => JSON.stringify(value);
  const of = (type: string): Array<SinkRequest['payload']> => sink.received.filter((r) => r.type === type).map((r) => r.payload);
  console.log(`OpenPanel received ${sink.received.length} requests for ${seed.length} events:\n`);
  console.log('group upserts (upsertGroup):');
  for (const g of of('group'))
    console.log(`  ${g['id']}  type=${g['type']} name=${show(g['name'])}${g['properties'] ? ` properties=${show(g['properties'])}` : ''}`);
  console.log('\ngroup assignments (setGroup):');
  for (const a of of('assign_group')) console.log(`  ${a['profileId']} -> ${show(a['groupIds'])}`);
  console.log('\nidentified profiles:');
  for (const p of of('identify')) console.log(`  ${p['profileId']}${p['email'] ? ` <${p['email']}>` : ''}`);
  console.log('\ntracks, each with its groups:');
  for (const t of of('track')) console.log(`  ${String(t['profileId']).padEnd(10)} ${String(t['name']).padEnd(18)} groups=${show(t['groups'] ?? [])}`);
} finally {
  code = await serve.stop();
  await sink.close();
  rmSync(work, { recursive: true, force: true });
}
if (code !== 0) throw new Error(`serve exited with ${code}:\n${serve.output()}`);
