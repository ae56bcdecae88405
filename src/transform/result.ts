import type { OpenPanelRequest } from '../openpanel/contract.js';

/** What the transform decided for one input event; `userKey` orders delivery (profileId, else anonymousId). */
export type TransformResult = {
  index: number;
  messageId?: string;
  userKey?: string;
  /**
   * Group upserts the event made that changed nothing (not sent): their keys are recorded as sent with the
   * commit, so the event re-sent later, when they would look like changes, is known (README, "Groups as OpenPanel holds them").
   */
  unchanged?: OpenPanelRequest[];
} & (
  | {
      status: 'ok';
      requests: OpenPanelRequest[];
      /** What was read leniently, e.g. an unparseable timestamp and the time used instead. */
      note?: string;
    }
  | { status: 'skipped' | 'rejected'; reason: string }
);
