/** Exit codes of the CLI for state it cannot use (README "Exit codes"); checked before anything is sent. */
export const EXIT_STATE_UNUSABLE = 4;
export const EXIT_STATE_CORRUPT = 5;
export const EXIT_STATE_BUSY = 6;

export type StateProblem = 'unusable' | 'corrupt' | 'busy';

const exitCodes: Record<StateProblem, number> = { unusable: EXIT_STATE_UNUSABLE, corrupt: EXIT_STATE_CORRUPT, busy: EXIT_STATE_BUSY };

/** The data dir cannot be used: one line naming the path, the cause and what to do. */
export class StateError extends Error {
  readonly exitCode: number;
  /** May pass by itself (a Redis coming back): delivery waits it out; otherwise (disk full) a CLI run ends. */
  readonly transient: boolean = false;

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

/**
 * Redis is unreachable or refused a command: nothing of the call was acknowledged. A StateError, so the CLI says
 * it in one line with the exit code of unusable state; serve answers it with 503 and Retry-After.
 */
export class StoreUnavailableError extends StateError {
  readonly retryAfterSeconds = 5;
  override readonly transient = true;

  constructor(where: string, cause: unknown) {
    const reason = cause instanceof Error ? (cause.name === 'MaxRetriesPerRequestError' ? 'not reachable' : cause.message) : String(cause);
    super('unusable', `Redis at ${where}`, `unavailable (${reason})`, 'nothing of this call was accepted; start Redis or fix store.url, then send again');
    this.name = 'StoreUnavailableError';
  }
}
