import { describe, expect, it } from '@jest/globals';
import { correctDeviceTimes } from '../../../src/entry/server/intake-time.js';

const received = Date.parse('2026-03-20T12:00:00.000Z');

describe("device time correction at /v1 intake (Segment's rule)", () => {
  it('timestamp = receivedAt − (sentAt − timestamp); the device time kept as originalTimestamp; receivedAt stamped', () => {
    const events: Array<Record<string, unknown>> = [
      // 2 h behind, recorded 3 s before sending.
      { type: 'track', timestamp: '2026-03-20T09:59:57.000Z', sentAt: '2026-03-20T10:00:00.000Z' },
      // Only originalTimestamp (RudderStack's SDKs), in another accepted form, 5 min ahead.
      { type: 'track', originalTimestamp: '2026-03-20 12:05:00', sentAt: '2026-03-20T12:05:01.000Z' },
      // originalTimestamp already set by the client: kept; the correction starts from timestamp.
      { type: 'track', timestamp: '2026-03-20T11:00:00.000Z', originalTimestamp: '2026-03-20T10:59:59.000Z', sentAt: '2026-03-20T11:00:10.000Z' },
    ];
    correctDeviceTimes(events, received);
    expect(events).toEqual([
      {
        type: 'track',
        timestamp: '2026-03-20T11:59:57.000Z',
        originalTimestamp: '2026-03-20T09:59:57.000Z',
        sentAt: '2026-03-20T10:00:00.000Z',
        receivedAt: '2026-03-20T12:00:00.000Z',
      },
      {
        type: 'track',
        timestamp: '2026-03-20T11:59:59.000Z',
        originalTimestamp: '2026-03-20 12:05:00',
        sentAt: '2026-03-20T12:05:01.000Z',
        receivedAt: '2026-03-20T12:00:00.000Z',
      },
      {
        type: 'track',
        timestamp: '2026-03-20T11:59:50.000Z',
        originalTimestamp: '2026-03-20T10:59:59.000Z',
        sentAt: '2026-03-20T11:00:10.000Z',
        receivedAt: '2026-03-20T12:00:00.000Z',
      },
    ]);
  });

  it('leaves the time alone without sentAt or a readable device time, and keeps a receivedAt the event has', () => {
    const events: unknown[] = [
      { type: 'track', timestamp: '2026-03-20T09:00:00.000Z' },
      { type: 'track', timestamp: 'yesterday', sentAt: '2026-03-20T10:00:00.000Z' },
      { type: 'track', sentAt: '2026-03-20T10:00:00.000Z' },
      { type: 'track', timestamp: '2026-03-20T09:59:00.000Z', sentAt: '2026-03-20T10:00:00.000Z', receivedAt: '2026-03-20T11:00:00.000Z' },
      'not an event',
    ];
    correctDeviceTimes(events, received);
    expect(events).toEqual([
      { type: 'track', timestamp: '2026-03-20T09:00:00.000Z', receivedAt: '2026-03-20T12:00:00.000Z' },
      { type: 'track', timestamp: 'yesterday', sentAt: '2026-03-20T10:00:00.000Z', receivedAt: '2026-03-20T12:00:00.000Z' },
      { type: 'track', sentAt: '2026-03-20T10:00:00.000Z', receivedAt: '2026-03-20T12:00:00.000Z' },
      {
        type: 'track',
        timestamp: '2026-03-20T10:59:00.000Z',
        originalTimestamp: '2026-03-20T09:59:00.000Z',
        sentAt: '2026-03-20T10:00:00.000Z',
        receivedAt: '2026-03-20T11:00:00.000Z',
      },
      'not an event',
    ]);
  });
});
