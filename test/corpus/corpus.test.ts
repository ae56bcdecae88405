import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TransformResult } from '../../src/index.js';
import { zOpenPanelBody } from '../../src/openpanel/contract.js';
import { openPanelSees } from '../support/openpanel-user-agent.js';
import { corpusDir, corpusMissing, corpusSecret, readCorpus, tally, transformCorpus, type CorpusLine } from './corpus.js';

// The corpus is read from beside the checkout (test/corpus/README.md); without it these tests are skipped, saying why.
if (corpusMissing !== undefined) console.warn(corpusMissing);

/** Real events written by others (test/corpus/README.md) through `transform`. */
(corpusMissing === undefined ? describe : describe.skip)('corpus of real Segment/RudderStack events', () => {
  let corpus: CorpusLine[];
  let results: TransformResult[];
  beforeAll(async () => {
    corpus = readCorpus();
    results = await transformCorpus(corpus.map((line) => line.event));
  });

  it('gives one outcome per event, in order', () => {
    expect(corpus.length).toBeGreaterThan(5000);
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

  /** [event, track request] for every ok track-like request, to state rules over the whole corpus. */
  const tracks = () =>
    results.flatMap((result, i) =>
      result.status === 'ok'
        ? result.requests.filter((r) => r.body.type === 'track').map((request) => [corpus[i]?.event as Record<string, any>, request] as const)
        : [],
    );

  it('sends mobile events (iOS, Android context) with a user-agent OpenPanel takes for a device, not a server', () => {
    const mobile = tracks().filter(([event]) => /^(ios|android)$/i.test(String(event.context?.os?.name ?? '')));
    expect(mobile.length).toBeGreaterThan(100);
    const seenAsServer = mobile.filter(([, request]) => {
      const ua = request.headers['user-agent'];
      return ua === undefined || openPanelSees(ua).server;
    });
    expect(seenAsServer.map(([event]) => event.context?.userAgent)).toEqual([]);
  });

  it('sends web tracks and pages with the page they happened on', () => {
    const web = tracks().filter(([event]) => typeof event.context?.page?.url === 'string' && event.context.page.url !== '');
    expect(web.length).toBeGreaterThan(100);
    expect(web.filter(([, request]) => request.body.type === 'track' && request.body.payload.properties?.['__path'] === undefined)).toEqual([]);
  });

  it('never prints the client secret', () => {
    expect(JSON.stringify(results)).not.toContain(corpusSecret);
  });

  it('tallies outcomes and what reached OpenPanel as committed (npm run corpus-tally rewrites it)', () => {
    const expected = JSON.parse(readFileSync(`${corpusDir}expected-tally.json`, 'utf8')) as unknown;
    expect(
      tally(
        corpus.map((line) => line.event),
        results,
      ),
    ).toEqual(expected);
  });
});
