import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createDestination } from '../../src/entry/library/destination.js';
import { type AcceptOutcome, type DestinationConfigInput, type DestinationOptions } from '../../src/index.js';

/**
 * One destination instance in its own process (run with tsx), on a shared store (or its own data dir): it commits the batches it is
 * handed (`accept`, answering once they are committed, as serve's intake does) and delivers from the shared
 * outbox. This file is both the child (when run directly) and the parent's handle to it (over IPC).
 */
export interface Instance {
  pid: number;
  /** Resolves with the batch's outcomes once it is committed; rejects if the instance dies first. */
  accept(events: unknown[]): Promise<AcceptOutcome[]>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Graceful: stops intake, lets requests on the wire finish, exits. */
  close(): Promise<void>;
}

type Command = { id: number; events: unknown[] };
type Reply = { id: number; outcomes?: AcceptOutcome[]; error?: string };

const thisFile = fileURLToPath(import.meta.url);

export async function startInstance(config: DestinationConfigInput, options: Pick<DestinationOptions, 'dataDir'> = {}): Promise<Instance> {
  const child = fork(thisFile, [JSON.stringify(config), JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  await Promise.race([once(child, 'message'), exited.then(() => Promise.reject(new Error('instance exited before it was ready')))]);
  let nextId = 0;
  return {
    pid: child.pid!,
    accept(events) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onMessage = (m: Reply) => {
          if (m.id !== id) return;
          child.off('message', onMessage);
          if (m.outcomes) resolve(m.outcomes);
          else reject(new Error(m.error));
        };
        child.on('message', onMessage);
        void exited.then(() => reject(new Error('instance died')));
        child.send({ id, events } satisfies Command);
      });
    },
    kill: async (signal) => void (child.kill(signal), await exited),
    close: () => stop(child, exited),
  };
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.disconnect();
  await exited;
}

async function runInThisProcess(config: DestinationConfigInput, options: DestinationOptions): Promise<void> {
  const destination = createDestination(config, options);
  process.on('message', (m: Command) => {
    destination.accept(m.events).then(
      (outcomes) => process.send?.({ id: m.id, outcomes } satisfies Reply),
      (error: unknown) => process.send?.({ id: m.id, error: String(error) } satisfies Reply),
    );
  });
  process.once('disconnect', () => void destination.close().then(() => process.exit(0)));
  process.send?.({ ready: true });
}

if (process.argv[1] === thisFile && process.send)
  await runInThisProcess(JSON.parse(process.argv[2] ?? '{}') as DestinationConfigInput, JSON.parse(process.argv[3] ?? '{}') as DestinationOptions);
