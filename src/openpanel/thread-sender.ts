import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Attempt } from './response.js';
import { networkFailure, type Sender, type SenderOptions } from './sender.js';
import type { FromSenderThread, ToSenderThread } from './sender-thread-worker.js';

type Post = [id: number, body: string, headers: Record<string, string>];

/** A worker that registers tsx's loader (a dev dependency) before importing `script`, a .ts file. */
function fromSources(script: URL): URL {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(script.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Built code (.js, or the CommonJS bundle's .cjs) starts the worker built beside it; run from the TypeScript
 * sources (tests, the bench) it needs tsx to load the .ts.
 */
function startWorker(options: SenderOptions): Worker {
  const extension = extname(new URL(import.meta.url).pathname);
  const script = new URL(`./sender-thread-worker${extension}`, import.meta.url);
  const entry = extension === '.ts' ? fromSources(script) : script;
  return new Worker(entry, {
    workerData: options,
    // It holds only the requests handed to it: a small old generation keeps the process's peak memory down
    // (README, Performance). The young one keeps V8's size: a 4 MB one cost the thread 5x the GC time.
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
}

/**
 * The undici sender run in a worker thread of its own (docs/outbox.md "Delivery"): its event loop reads each
 * answer and puts the next queued request on the freed connection at once, however busy this thread is writing
 * the outbox, so the connections stay full. Requests and answers cross in one message per event-loop turn.
 * A worker that dies (it should not) answers what it held as ERR_SENDER_THREAD, a network failure delivery
 * retries, and the next post starts a new one.
 */
export function createThreadSender(options: SenderOptions): Sender {
  const waiting = new Map<number, (attempt: Attempt) => void>();
  let worker: Worker | undefined;
  let nextId = 0;
  let posts: Post[] = [];
  let ending: Promise<void> | undefined;
  let ended: (() => void) | undefined;

  const failAll = (error: unknown): void => {
    worker = undefined;
    for (const answer of waiting.values()) answer(networkFailure(error, 'ERR_SENDER_THREAD'));
    waiting.clear();
    ended?.();
  };
  const spawn = (): Worker => {
    const started = startWorker(options);
    started.on('message', (message: FromSenderThread) => {
      if ('ended' in message) return ended?.();
      for (const [id, attempt] of message.answers) {
        waiting.get(id)?.(attempt);
        waiting.delete(id);
      }
      // Idle, it must not keep the process alive; a request in flight must, and so must an end under way: the
      // answers of the requests it cut come before it says it has ended, and a process with nothing else to wait
      // for exited in between, its close never settled (a second Ctrl-C gave exit code 0).
      if (waiting.size === 0 && ended === undefined) started.unref();
    });
    started.on('error', failAll);
    started.on('exit', (code) => {
      if (worker === started) failAll(new Error(`the sender thread exited with code ${code}`));
    });
    return started;
  };
  const sendPosts = (): void => {
    worker ??= spawn();
    worker.ref();
    worker.postMessage({ posts } satisfies ToSenderThread);
    posts = [];
  };
  const end = (how: 'close' | 'destroy'): Promise<void> => {
    const current = worker;
    if (current === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      ended = resolve;
      current.ref();
      current.postMessage({ end: how } satisfies ToSenderThread);
    }).then(async () => {
      worker = undefined;
      await current.terminate();
    });
  };

  return {
    post(body, headers) {
      return new Promise<Attempt>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        if (posts.length === 0) queueMicrotask(sendPosts);
        posts.push([id, body, headers]);
      });
    },
    after(verdict) {
      worker?.postMessage({ after: verdict } satisfies ToSenderThread);
    },
    // A destroy while a close waits cuts the requests the close was letting finish.
    close: () => (ending ??= end('close')),
    destroy: () => {
      if (ending) worker?.postMessage({ end: 'destroy' } satisfies ToSenderThread);
      return (ending ??= end('destroy'));
    },
  };
}
