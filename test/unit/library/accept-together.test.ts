import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createDestination, type Destination } from '../../../src/entry/library/destination.js';
import { SqliteOutbox } from '../../../src/state/sqlite/outbox.js';

const config = { clientId: '9f0c6a3e-2b1d-4c5e-8f7a-1b2c3d4e5f60', clientSecret: 'sec_accept_together_0123456789', apiUrl: 'http://127.0.0.1:9' };
const track = (messageId: string, userId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Clicked', messageId, userId, ...extra });

describe('accept calls made together (serve: requests of one event-loop turn)', () => {
  let destination: Destination;
  afterEach(async () => {
    jest.restoreAllMocks();
    await destination.close({ deadlineMs: 0 });
  });

  it('are committed in one transaction, each call answered with its own outcomes and indexes', async () => {
    destination = createDestination(config);
    const commit = jest.spyOn(SqliteOutbox.prototype, 'commit');
    const [first, second] = await Promise.all([
      destination.accept([track('a1', 'u1'), { type: 'track', messageId: 'bad' }]),
      destination.accept([track('b1', 'u2'), track('a1', 'u1')]),
    ]);
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit.mock.calls[0]![0].events.map((e) => [e.index, e.messageId])).toEqual([
      [0, 'a1'],
      [0, 'b1'],
      [1, 'a1'],
    ]);
    expect(first).toEqual([
      { index: 0, messageId: 'a1', status: 'accepted' },
      { index: 1, messageId: 'bad', status: 'rejected', reason: expect.any(String) },
    ]);
    // The second call's copy of a1 is a duplicate of the first call's, committed before it in the same transaction.
    expect(second).toEqual([
      { index: 0, messageId: 'b1', status: 'accepted' },
      { index: 1, messageId: 'a1', status: 'skipped', reason: expect.stringContaining('duplicate') },
    ]);
  });

  it('share the failure of their commit: nothing of any call is taken', async () => {
    destination = createDestination(config);
    jest.spyOn(SqliteOutbox.prototype, 'commit').mockRejectedValueOnce(new Error('disk I/O error'));
    const calls = [destination.accept([track('c1', 'u1')]), destination.accept([track('c2', 'u2')])];
    await expect(calls[0]).rejects.toThrow('disk I/O error');
    await expect(calls[1]).rejects.toThrow('disk I/O error');
    expect((await destination.stats()).queuedEvents).toBe(0);
  });
});
