import { createDestination } from '../../src/entry/library/destination.js';
import type { OpenPanelBody } from '../../src/openpanel/contract.js';

/** What OpenPanel must end up with for `events`: every request the transform makes for them, in stream order. */
export async function expectedOf(
  events: readonly unknown[],
  clientId: string,
  clientSecret: string,
): Promise<{ bodies: OpenPanelBody[]; delivered: number; skipped: number }> {
  const destination = createDestination({ clientId, clientSecret });
  const results = await destination.transform([...events]);
  await destination.close();
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const bodies = results.flatMap((r) => (r.status === 'ok' ? r.requests.map((request) => request.body) : []));
  return { bodies, delivered: results.length - skipped, skipped };
}

export const bodyKey = (body: OpenPanelBody): string => JSON.stringify(body);
export const sortedBodies = (bodies: OpenPanelBody[]): string[] => bodies.map(bodyKey).sort();

/** Each profile's bodies in the order they were stored. */
export function perProfile(bodies: OpenPanelBody[]): Map<string, string[]> {
  const byProfile = new Map<string, string[]>();
  for (const body of bodies) {
    const profile = String(('profileId' in body.payload ? body.payload.profileId : undefined) ?? '');
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), bodyKey(body)]);
  }
  byProfile.delete('');
  return byProfile;
}
