import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startFakeOpenPanel, type FakeOpenPanelOptions, type FakeOpenPanelStats } from './fake-openpanel.js';

/**
 * The fake OpenPanel in a child process (run with tsx), so a benchmark's process.cpuUsage() counts the
 * client alone. This file is both the child (when run directly) and the parent's handle to it (over IPC).
 */
export interface FakeOpenPanelProcess {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Server counters plus how many requests it stored. */
  stats(): Promise<FakeOpenPanelStats & { stored: number }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

type Command = { id: number; command: 'stats' | 'reset' };
type Reply = { id: number; result?: unknown };
type Ready = { ready: { url: string; clientId: string; clientSecret: string } };

const thisFile = fileURLToPath(import.meta.url);

export async function startFakeOpenPanelProcess(options: FakeOpenPanelOptions = {}): Promise<FakeOpenPanelProcess> {
  const child = fork(thisFile, [JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => Promise.reject(new Error('fake OpenPanel process exited'))),
  ])) as [Ready];
  let nextId = 0;
  const call = async <T>(command: Command['command']): Promise<T> => {
    const id = nextId++;
    const reply = new Promise<T>((resolve) => {
      const onMessage = (m: Reply) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m.result as T);
      };
      child.on('message', onMessage);
    });
    child.send({ id, command } satisfies Command);
    return reply;
  };
  return {
    ...message.ready,
    stats: () => call('stats'),
    reset: () => call('reset'),
    close: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
}

async function serveInThisProcess(options: FakeOpenPanelOptions): Promise<void> {
  const fake = await startFakeOpenPanel(options);
  process.on('message', (m: Command) => {
    if (m.command === 'reset') fake.reset();
    const result = m.command === 'stats' ? { ...fake.stats, stored: fake.stats.accepted } : undefined;
    process.send?.({ id: m.id, result } satisfies Reply);
  });
  // The parent going away (disconnect) is the signal to stop.
  process.once('disconnect', () => void fake.close());
  process.send?.({ ready: { url: fake.url, clientId: fake.clientId, clientSecret: fake.clientSecret } } satisfies Ready);
}

if (process.argv[1] === thisFile && process.send) await serveInThisProcess(JSON.parse(process.argv[2] ?? '{}') as FakeOpenPanelOptions);
