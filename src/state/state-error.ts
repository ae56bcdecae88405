/** Exit codes of the CLI for state it cannot use (README "Exit codes"); checked before anything is sent. */
export const EXIT_STATE_UNUSABLE = 4;
export const EXIT_STATE_CORRUPT = 5;
export const EXIT_STATE_BUSY = 6;

export type StateProblem = 'unusable' | 'corrupt' | 'busy';

const exitCodes: Record<StateProblem, number> = { unusable: EXIT_STATE_UNUSABLE, corrupt: EXIT_STATE_CORRUPT, busy: EXIT_STATE_BUSY };

/** The data dir cannot be used: one line naming the path, the cause and what to do. */
export class StateError extends Error {
  readonly exitCode: number;

  constructor(
    readonly problem: StateProblem,
    readonly path: string,
    cause: string,
    remedy: string,
  ) {
    super(`${path}: ${cause}: ${remedy}`);
    this.name = 'StateError';
    this.exitCode = exitCodes[problem];
  }
}
