import { OpenPanel } from '@openpanel/sdk';
import type { OpenPanelRequest } from '../src/openpanel/contract.js';

/**
 * The same requests sent the way @openpanel/sdk's docs use it on a server: an instance per user (its
 * profileId and groups live on the instance), one awaited call per request.
 */
export async function sendWithSdk(options: { apiUrl: string; clientId: string; clientSecret: string }, requests: OpenPanelRequest[]): Promise<void> {
  const instances = new Map<string, OpenPanel>();
  const instanceFor = (profileId: string | number | undefined): OpenPanel => {
    const key = String(profileId ?? '');
    let op = instances.get(key);
    if (!op) {
      op = new OpenPanel(options);
      // identify with only a profileId sets it on the instance without a request
      if (profileId !== undefined) void op.identify({ profileId });
      instances.set(key, op);
    }
    return op;
  };
  for (const { body } of requests) {
    switch (body.type) {
      case 'identify':
        await instanceFor(body.payload.profileId).identify(body.payload);
        break;
      case 'group':
        await instanceFor(undefined).upsertGroup(body.payload);
        break;
      case 'assign_group':
        await instanceFor(body.payload.profileId).setGroups(body.payload.groupIds);
        break;
      case 'track': {
        const { name, profileId, properties = {}, groups } = body.payload;
        const op = instanceFor(profileId);
        if (name === 'revenue') {
          const { __revenue, ...rest } = properties;
          await op.revenue(__revenue as number, rest);
        } else {
          await op.track(name, { ...properties, ...(groups && { groups }) });
        }
        break;
      }
    }
  }
}
