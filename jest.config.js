/** The package is ESM (mappings are found from import.meta.url): ts-jest in ESM mode under --experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
  // Two workers on the two cores: most files wait on child processes, sockets and fsyncs, and jest's default
  // (cores - 1) ran them one at a time, near the 5-minute budget. The crash tests' doubles bound holds under it.
  maxWorkers: 2,
  // A worker that has run many files takes longer to end than the 500 ms jest gives it: its process's teardown,
  // after its event loop is done, grew with what it had loaded (~0.6 s at ~700 MB of heap), so jest force-killed
  // it, warning "failed to exit gracefully". Recycled past 200 MB of heap, a worker ends in ~0.15 s.
  workerIdleMemoryLimit: '200MB',
};
