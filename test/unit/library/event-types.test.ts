import { describe, expect, it } from '@jest/globals';
import { createDestination, type SpecEvent, type TrackEvent } from '../../../src/index.js';

/** README "Library": the package's createDestination types events as the spec's shapes (`npm run typecheck` checks this file). */
describe('event types of the library', () => {
  it('type-check spec events and refuse misspelt ones', async () => {
    const destination = createDestination({ clientId: '7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b', clientSecret: 'sec_types' });
    try {
      const track: TrackEvent = { type: 'track', userId: 42, event: 'Typed', properties: { plan: 'pro' }, timestamp: 1_700_000_000_000 };
      const events: SpecEvent[] = [
        track,
        { type: 'group', userId: 'u1', groupId: 'org_1', traits: { name: 'Org' } },
        { type: 'alias', userId: 'u2', previousId: 'anon-1' },
      ];
      // @ts-expect-error: `tpye` and `usrId` are not event fields, and `type` is missing.
      const misspelt: SpecEvent = { tpye: 'trak', usrId: 42 };
      // @ts-expect-error: a track call needs its `event` name.
      const nameless: TrackEvent = { type: 'track', userId: 'u1' };
      const results = await destination.transform(events);
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'skipped']);
      // At run time the same checks hold for callers without TypeScript.
      expect((await destination.transform([misspelt, nameless])).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await destination.close();
    }
  });
});
