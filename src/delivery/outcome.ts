/** The one final outcome every event gets (docs/outbox.md "Outcomes"). */
export type OutcomeStatus = 'delivered' | 'skipped' | 'rejected' | 'dead_lettered';

export interface EventOutcome {
  index: number;
  messageId?: string;
  status: OutcomeStatus;
  /** Why it was skipped, rejected or dead-lettered. */
  reason?: string;
  /** HTTP attempts made for this event's requests. */
  attempts?: number;
  deadLetterId?: string;
}

/** An outcome that needs a person's attention: the CLI counts these and exits 1 when there are any. */
export const isFailure = (outcome: EventOutcome): boolean => outcome.status === 'rejected' || outcome.status === 'dead_lettered';
