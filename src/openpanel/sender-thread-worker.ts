import { parentPort, workerData } from 'node:worker_threads';
import type { Attempt } from './response.js';
import type { SenderOptions } from './sender.js';
import { createUndiciSender } from './undici-sender.js';

/** From the thread sender (src/openpanel/thread-sender.ts): requests to post, or the end of the pool. */
export type ToSenderThread = { posts: Array<[id: number, body: string, headers: Record<string, string>]> } | { end: 'close' | 'destroy' };
/** Back to it: answers by request id, or that the pool has ended. */
export type FromSenderThread = { answers: Array<[id: number, attempt: Attempt]> } | { ended: true };

const port = parentPort!;
const sender = createUndiciSender(workerData as SenderOptions);
const posted = new Set<Promise<void>>();
let answers: Array<[number, Attempt]> = [];
const sendAnswers = (): void => {
  if (answers.length === 0) return;
  port.postMessage({ answers } satisfies FromSenderThread);
  answers = [];
};

/** Ends the pool, then says so once every answer has gone back (the thread is terminated after that). */
async function end(how: 'close' | 'destroy'): Promise<void> {
  await (how === 'close' ? sender.close() : sender.destroy());
  await Promise.all(posted);
  sendAnswers();
  port.postMessage({ ended: true } satisfies FromSenderThread);
}

port.on('message', (message: ToSenderThread) => {
  if ('end' in message) return void end(message.end);
  for (const [id, body, headers] of message.posts) {
    const answered = sender.post(body, headers).then((attempt) => {
      // The answers of one turn go back as one message: each message costs the other thread a task.
      if (answers.length === 0) queueMicrotask(sendAnswers);
      answers.push([id, attempt]);
      posted.delete(answered);
    });
    posted.add(answered);
  }
});
