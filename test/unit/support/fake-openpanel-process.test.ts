import { describe, expect, it } from '@jest/globals';
import { startFakeOpenPanelProcess } from '../../support/fake-openpanel-process.js';

describe('fake OpenPanel in a child process', () => {
  it('serves, reports stats, resets and stops over IPC', async () => {
    const fake = await startFakeOpenPanelProcess({ basePath: '/api' });
    try {
      const res = await fetch(`${fake.url}/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'openpanel-client-id': fake.clientId, 'openpanel-client-secret': fake.clientSecret },
        body: JSON.stringify({ type: 'track', payload: { name: 'Signed Up', profileId: 'u1' } }),
      });
      expect(res.status).toBe(200);
      expect(await fake.stats()).toEqual({ received: 1, injectedFailures: 0, rejected: 0, accepted: 1, stored: 1 });
      await fake.reset();
      expect(await fake.stats()).toEqual({ received: 0, injectedFailures: 0, rejected: 0, accepted: 0, stored: 0 });
    } finally {
      await fake.close();
    }
  });
});
