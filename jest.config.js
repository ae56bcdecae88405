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
};
