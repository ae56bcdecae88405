import { parentPort, workerData } from 'node:worker_threads';
import { notSent, type Attempt } from './response.js';
import type { SenderOptions } from './sender.js';
import { createUndiciSender } from './undici-sender.js';

/**
 * From the thread sender (src/openpanel/thread-sender.ts): requests to post; after an answer that was not a 2xx,
 * whether the queue goes on (`go`) or its requests come back unsent (`recall`); or the end of the pool.
 */
export type ToSenderThread =
  { posts: Array<[id: number, body: string, headers: Record<string, string>]> } | { after: 'go' | 'recall' } | { end: 'close' | 'destroy' };
/** Back to it: answers by request id, or that the pool has ended. */
export type FromSenderThread = { answers: Array<[id: number, attempt: Attempt]> } | { ended: true };

interface Queued {
  id: number;
  body: string;
  headers: Record<string, string>;
  at: number;
}

const options = workerData as SenderOptions;
const port = parentPort!;
const sender = createUndiciSender(options);
const queue: Queued[] = [];
const posted = new Set<Promise<void>>();
let onWire = 0;
/** An answer that was not a 2xx came: the queue waits for the delivery thread's verdict (a 401 must not flood). */
let held = false;
let answers: Array<[number, Attempt]> = [];

const sendAnswers = (): void => {
  if (answers.length === 0) return;
  port.postMessage({ answers } satisfies FromSenderThread);
  answers = [];
};
const answer = (id: number, attempt: Attempt): void => {
  // The answers of one turn go back as one message: each message costs the other thread a task.
  if (answers.length === 0) queueMicrotask(sendAnswers);
  answers.push([id, attempt]);
};

/** Puts queued requests on free connections; the time each waited here counts in its timeoutMs. */
function dispatch(): void {
  while (!held && onWire < options.connections && queue.length > 0) {
    const { id, body, headers, at } = queue.shift()!;
    onWire++;
    const answered = sender.post(body, headers, performance.now() - at).then((attempt) => {
      onWire--;
      posted.delete(answered);
      if (attempt.status === undefined || attempt.status < 200 || attempt.status > 299) held = true;
      answer(id, attempt);
      dispatch();
    });
    posted.add(answered);
  }
}

/** Ends the pool, then says so once every answer has gone back (the thread is terminated after that). */
async function end(how: 'close' | 'destroy'): Promise<void> {
  for (const { id } of queue.splice(0)) answer(id, notSent);
  await (how === 'close' ? sender.close() : sender.destroy());
  await Promise.all(posted);
  sendAnswers();
  port.postMessage({ ended: true } satisfies FromSenderThread);
}

port.on('message', (message: ToSenderThread) => {
  if ('end' in message) return void end(message.end);
  if ('after' in message) {
    held = false;
    if (message.after === 'recall') for (const { id } of queue.splice(0)) answer(id, notSent);
  } else {
    const at = performance.now();
    for (const [id, body, headers] of message.posts) queue.push({ id, body, headers, at });
  }
  dispatch();
});
