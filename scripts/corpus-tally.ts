/**
 * Rewrites test/corpus/expected-tally.json from the current transform (`npm run corpus-tally`).
 * Review the diff: it is the change in behaviour on real events.
 */
import { writeFileSync } from 'node:fs';
import { corpusDir, corpusMissing, readCorpus, tally, transformCorpus } from '../test/corpus/corpus.js';

if (corpusMissing !== undefined) throw new Error(corpusMissing);

const corpus = readCorpus();
const events = corpus.map((line) => line.event);
const counts = tally(events, await transformCorpus(events));
writeFileSync(`${corpusDir}expected-tally.json`, `${JSON.stringify(counts, null, 2)}\n`);
const byStatus = Object.entries(counts.outcomes).reduce<Record<string, number>>((sum, [key, n]) => {
  const status = key.split(' ')[1]?.replace(':', '') ?? '';
  sum[status] = (sum[status] ?? 0) + n;
  return sum;
}, {});
console.log(`${counts.events} events:`, byStatus);
