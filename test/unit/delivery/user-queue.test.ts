import { describe, expect, it } from '@jest/globals';
import { UserQueue } from '../../../src/delivery/user-queue.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('UserQueue', () => {
  it("runs one key's tasks in order, even when one fails, while other keys run", async () => {
    const queue = new UserQueue();
    const log: string[] = [];
    const first = deferred();
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await first.promise;
      log.push('a1 end');
    });
    const a2 = queue.run('a', async () => void log.push('a2'));
    const b1 = queue.run('b', async () => void log.push('b1'));
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    first.reject(new Error('a1 failed'));
    await expect(a1).rejects.toThrow('a1 failed');
    await a2;
    expect(log).toEqual(['a1 start', 'b1', 'a2']);
  });

  it('forgets a key once its last task settled', async () => {
    const queue = new UserQueue();
    const task = queue.run('a', async () => 1);
    expect(queue.activeKeys).toBe(1);
    expect(await task).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.activeKeys).toBe(0);
  });
});
