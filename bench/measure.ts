/** Wall time and this process's CPU time (user + system, all threads) spent in one piece of work. */
export interface Measurement<T> {
  value: T;
  seconds: number;
  cpuMicros: number;
}

export async function measure<T>(work: () => Promise<T>): Promise<Measurement<T>> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { value, seconds, cpuMicros: cpu.user + cpu.system };
}

/** The fastest of `rounds` runs of `work`: other processes on a shared machine only ever slow a run down. */
export async function bestOf<T>(rounds: number, work: () => Promise<Measurement<T>>): Promise<Measurement<T>> {
  let best: Measurement<T> | undefined;
  for (let round = 0; round < rounds; round++) {
    const run = await work();
    if (best === undefined || run.seconds < best.seconds) best = run;
  }
  return best!;
}
