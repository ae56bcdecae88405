import { InstrumentationError } from '../errors.js';
import type { CdpEvent } from '../events/schema.js';
import { ownIntegrationGroups } from './filter.js';

const isGroupId = (v: unknown): v is string | number => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v));

function groupIdsAt(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every(isGroupId)) throw new InstrumentationError(`${field}: must be a group id or an array of non-empty group ids`);
  return list.map(String);
}

/**
 * Groups for this event only (the SDK's per-event override): properties.groups, context.groupId and
 * integrations.OpenPanel.groups, in that order. They never change stored membership.
 */
export function perEventGroups(event: CdpEvent): string[] {
  const properties = 'properties' in event ? event.properties : undefined;
  const own = ownIntegrationGroups(event);
  // Nearly every event has none: no arrays built then.
  if (properties?.['groups'] == null && event.context?.['groupId'] == null && own == null) return [];
  return [
    ...groupIdsAt('properties.groups', properties?.['groups']),
    ...groupIdsAt('context.groupId', event.context?.['groupId']),
    ...groupIdsAt('integrations.OpenPanel.groups', own),
  ];
}
