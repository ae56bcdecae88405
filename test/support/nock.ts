import { afterAll, afterEach, beforeAll } from '@jest/globals';
import nock from 'nock';

/**
 * nock for one test file: test files share a worker process, so the interceptor is switched on here and off
 * afterwards, leaving no stale interceptor or network ban to the next file.
 */
export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
