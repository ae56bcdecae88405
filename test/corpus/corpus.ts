import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDestination } from '../../src/entry/library/destination.js';
import { type TransformResult } from '../../src/index.js';
import type { OpenPanelRequest } from '../../src/openpanel/contract.js';
import { openPanelSees } from '../support/openpanel-user-agent.js';

/**
 * The corpus (test/corpus/README.md) run through `transform`, and the tally of what came out: outcomes by
 * event type and reason, and how much of what OpenPanel's dashboards use reached its requests. The tally is
 * committed (expected-tally.json, written by scripts/corpus-tally.ts) so a change in behaviour is a diff.
 */
export const corpusDir = fileURLToPath(new URL('./', import.meta.url));
/**
 * The events are not in this repository (others wrote them): they are read from `../shared/corpus/` beside the
 * checkout, or from `OPENPANEL_CORPUS_DIR`.
 */
export const eventsDir = process.env['OPENPANEL_CORPUS_DIR'] ?? fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
/** Why the corpus cannot be read, or undefined when it can. */
export const corpusMissing = existsSync(`${eventsDir}/sources.json`)
  ? undefined
  : `corpus tests skipped: no corpus at ${eventsDir} (put the shared corpus beside the checkout as ../shared/corpus/, or set OPENPANEL_CORPUS_DIR)`;
export const corpusSecret = 'sec_corpus_secret_must_never_leave';
const config = { clientId: '0b6f7c1e-4a2d-4c1b-9e8f-5a3d2c1b0a99', clientSecret: corpusSecret };
/** Receive time of events without a usable time, fixed so the output does not depend on the day. */
const now = () => Date.parse('2025-03-01T12:00:00.000Z');

export interface CorpusLine {
  file: string;
  from: string;
  event: unknown;
}

const linesOf = (file: string) =>
  readFileSync(`${eventsDir}/${file}`, 'utf8')
    .split('\n')
    .filter((line) => line !== '');

/**
 * The files named in the corpus' sources.json (lines `{"from", "event"}`), then rudder-transformer-inputs.ndjson
 * (one bare event a line; its .sources.txt maps line number -> the file it came from).
 */
export function readCorpus(): CorpusLine[] {
  const sources = JSON.parse(readFileSync(`${eventsDir}/sources.json`, 'utf8')) as Array<{ file: string }>;
  const described = sources.flatMap(({ file }) => linesOf(file).map((line) => ({ file, ...(JSON.parse(line) as { from: string; event: unknown }) })));
  const file = 'rudder-transformer-inputs.ndjson';
  const origin = new Map(linesOf('rudder-transformer-inputs.sources.txt').map((line) => line.split('\t') as [string, string]));
  const bare = linesOf(file).map((line, i) => ({ file, from: `${origin.get(String(i)) ?? file}#${i}`, event: JSON.parse(line) as unknown }));
  return [...described, ...bare];
}

/** One destination for the whole corpus, as one `transform` run: membership carries from event to event. */
export async function transformCorpus(events: unknown[]): Promise<TransformResult[]> {
  const destination = createDestination(config, { now });
  try {
    return await destination.transform(events);
  } finally {
    await destination.close();
  }
}

/** Ids, names and numbers vary per event; the tally counts the rule, not the value. */
const ruleOf = (reason: string) =>
  reason
    .replace(/"[^"]*"/g, '"…"')
    .replace(/; groups .* merged into .*$/, '; groups merged')
    .replace(/group .* unchanged/, 'group … unchanged')
    .replace(/membership of .* recorded/, 'membership of … recorded')
    .replace(/\(has \d+\)/, '(has N)');

const typeOf = (event: unknown) => {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type.toLowerCase() || '(empty)' : `(${type === null ? 'null' : typeof type})`;
};

const agentKind = (ua: string | undefined) => (ua === undefined ? 'none' : openPanelSees(ua).server ? 'server' : 'device');

function countRequest(request: OpenPanelRequest, add: (key: string) => void) {
  const { body } = request;
  if (body.type === 'identify') {
    for (const key of ['firstName', 'lastName', 'email', 'avatar'] as const) if (body.payload[key] !== undefined) add(`identify with ${key}`);
    return;
  }
  if (body.type !== 'track') return;
  const properties = body.payload.properties ?? {};
  const kind = body.payload.name === 'revenue' ? 'revenue' : 'track';
  add(`${kind} requests`);
  for (const key of ['__timestamp', '__path', '__referrer', '__title', '__deviceId', '__os', '__model'])
    if (properties[key] !== undefined) add(`${kind} with ${key}`);
  if (typeof properties['__path'] === 'string' && /[?&]utm_/.test(properties['__path'])) add(`${kind} with utm_* in __path`);
  add(`${kind} user-agent: ${agentKind(request.headers['user-agent'])}`);
}

export interface Tally {
  events: number;
  /** `<event type> <status>: <request types | reason>` -> events. */
  outcomes: Record<string, number>;
  /** What reached OpenPanel's requests. */
  requests: Record<string, number>;
  /** Notes of ok outcomes (what was read leniently), by rule. */
  notes: Record<string, number>;
}

export function tally(events: unknown[], results: TransformResult[]): Tally {
  const outcomes: Record<string, number> = {};
  const requests: Record<string, number> = {};
  const notes: Record<string, number> = {};
  const add = (into: Record<string, number>) => (key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };
  results.forEach((result, i) => {
    const detail = result.status === 'ok' ? result.requests.map((r) => r.body.type).join('+') : ruleOf(result.reason);
    add(outcomes)(`${typeOf(events[i])} ${result.status}: ${detail}`);
    if (result.status !== 'ok') return;
    for (const request of result.requests) countRequest(request, add(requests));
    if (result.note !== undefined) add(notes)(ruleOf(result.note));
  });
  const sorted = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { events: events.length, outcomes: sorted(outcomes), requests: sorted(requests), notes: sorted(notes) };
}
