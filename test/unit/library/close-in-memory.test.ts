import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createDestination } from '../../../src/entry/library/destination.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../../support/fake-openpanel.js';

/** README "Library": without a dataDir, close() delivers what was accepted, within its deadline, and says what it drops. */
const events = Array.from({ length: 5 }, (_, i) => ({ type: 'track', messageId: `mem-${i}`, userId: `u-mem-${i}`, event: 'In Memory' }));

describe('close() without a dataDir', () => {
  let fake: FakeOpenPanel;
  afterEach(() => fake.close());

  it('delivers every accepted event before it resolves', async () => {
    fake = await startFakeOpenPanel({ latencyMs: 200 });
    const destination = createDestination({ clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.url, concurrency: 1 });
    expect((await destination.accept(events)).map((o) => o.status)).toEqual(Array(5).fill('accepted'));
    const left = await destination.close();
    expect(left.queuedEvents).toBe(0);
    expect(fake.requests).toHaveLength(5);
  });

  it('past its deadline drops what is left and warns with how many', async () => {
    fake = await startFakeOpenPanel();
    fake.outage('503');
    const destination = createDestination({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      apiUrl: fake.url,
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      outageProbeMs: 20,
    });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await destination.accept(events);
      const left = await destination.close({ deadlineMs: 300 });
      expect(left.queuedEvents).toBe(5);
      expect(warn).toHaveBeenCalledWith(
        'closed with 5 accepted events undelivered: without a dataDir they were in memory and are dropped',
        'OpenPanelDestinationWarning',
      );
    } finally {
      warn.mockRestore();
    }
    expect(fake.requests).toHaveLength(0);
  });
});
