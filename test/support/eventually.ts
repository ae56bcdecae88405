import { setTimeout as sleep } from 'node:timers/promises';

/** Waits for a condition that asynchronous work makes true (delivery, a process starting), instead of a fixed sleep. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}
