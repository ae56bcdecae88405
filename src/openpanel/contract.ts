import { z } from 'zod';
import { eventNameProblem } from './event-name.js';

/** The bodies OpenPanel's POST /track accepts (docs/openpanel-contract.md), one zod schema per shape. */
export const zProfileId = z.union([z.string().min(1), z.number()]);

export const zTrackPayload = z
  .object({
    name: z.string().min(1),
    profileId: zProfileId.optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    groups: z.array(z.string().min(1)).optional(),
  })
  .superRefine((p, ctx) => {
    const problem = eventNameProblem(p.name);
    if (problem) ctx.addIssue({ code: 'custom', path: ['name'], message: problem });
    const revenue = p.properties?.['__revenue'];
    if (p.name === 'revenue' && revenue !== undefined && !(Number.isInteger(revenue) && (revenue as number) >= 0)) {
      ctx.addIssue({ code: 'custom', path: ['properties', '__revenue'], message: 'must be a non-negative integer (minor units)' });
    }
  });

export const zIdentifyPayload = z.object({
  profileId: zProfileId,
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.email().optional(),
  avatar: z.url().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

export const zGroupPayload = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  name: z.string().min(1),
  properties: z.record(z.string(), z.unknown()).optional(),
});

export const zAssignGroupPayload = z.object({
  groupIds: z.array(z.string().min(1)).min(1),
  profileId: zProfileId.optional(),
});

export const zOpenPanelBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('track'), payload: zTrackPayload }),
  z.object({ type: z.literal('identify'), payload: zIdentifyPayload }),
  z.object({ type: z.literal('group'), payload: zGroupPayload }),
  z.object({ type: z.literal('assign_group'), payload: zAssignGroupPayload }),
]);

export type TrackPayload = z.infer<typeof zTrackPayload>;
export type IdentifyPayload = z.infer<typeof zIdentifyPayload>;
export type GroupPayload = z.infer<typeof zGroupPayload>;
export type AssignGroupPayload = z.infer<typeof zAssignGroupPayload>;
export type OpenPanelBody = z.infer<typeof zOpenPanelBody>;
export type OpenPanelBodyType = OpenPanelBody['type'];

/**
 * One request for POST {apiUrl}/track. `headers` carries what the transform knows (client id, sdk name and
 * version, end-user user-agent and IP); the client secret is added only by the HTTP client at send time.
 */
export interface OpenPanelRequest {
  headers: Record<string, string>;
  body: OpenPanelBody;
}
