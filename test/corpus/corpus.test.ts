import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TransformResult } from '../../src/index.js';
import { zOpenPanelBody } from '../../src/openpanel/contract.js';
import { corpusDir, corpusSecret, readCorpus, tally, transformCorpus, type CorpusLine } from './corpus.js';

/** Real events written by others (test/corpus/README.md) through `transform`. */
describe('corpus of real Segment/RudderStack events', () => {
  let corpus: CorpusLine[];
  let results: TransformResult[];
  beforeAll(async () => {
    corpus = readCorpus();
    results = await transformCorpus(corpus.map((line) => line.event));
  });

  it('gives one outcome per event, in order', () => {
    expect(corpus.length).toBeGreaterThan(2000);
    expect(results.map((r) => r.index)).toEqual(corpus.map((_, i) => i));
  });

  it('sends only bodies OpenPanel accepts', () => {
    const refused = results.flatMap((result, i) =>
      result.status !== 'ok'
        ? []
        : result.requests.flatMap((request) => {
            const parsed = zOpenPanelBody.safeParse(request.body);
            return parsed.success ? [] : [`${corpus[i]?.from}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`];
          }),
    );
    expect(refused).toEqual([]);
  });

  it('sends header values an HTTP client accepts', () => {
    const bad = results.flatMap((result, i) =>
      result.status !== 'ok'
        ? []
        : result.requests.flatMap((request) =>
            Object.entries(request.headers)
              .filter(([, value]) => !/^[\t\x20-\x7e\x80-\xff]*$/.test(value) || value !== value.trim() || value === '')
              .map(([name]) => `${corpus[i]?.from}: ${name}`),
          ),
    );
    expect(bad).toEqual([]);
  });

  it('never prints the client secret', () => {
    expect(JSON.stringify(results)).not.toContain(corpusSecret);
  });

  it('tallies outcomes and what reached OpenPanel as committed (scripts/corpus-tally.ts rewrites it)', () => {
    const expected = JSON.parse(readFileSync(`${corpusDir}expected-tally.json`, 'utf8')) as unknown;
    expect(tally(corpus.map((line) => line.event), results)).toEqual(expected);
  });
});
