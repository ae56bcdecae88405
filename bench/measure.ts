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
