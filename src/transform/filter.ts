import { isPlainObject } from '../mapping/paths.js';
import type { CdpEvent } from '../spec/event.js';

/** The event's own `integrations` entry for this destination ("OpenPanel"; RudderStack also writes "OPENPANEL"). */
export function ownIntegration(event: CdpEvent): unknown {
  const integrations = event.integrations;
  if (!integrations) return undefined;
  const key = Object.keys(integrations).find((k) => k.toLowerCase() === 'openpanel');
  return key === undefined ? undefined : integrations[key];
}

/** Why the sender asked this destination not to receive the event, per Segment's `integrations` object. */
export function integrationsSkipReason(event: CdpEvent): string | undefined {
  const own = ownIntegration(event);
  if (own === false) return 'integrations.OpenPanel is false';
  if (event.integrations?.['All'] === false && (own === undefined || own === null)) return 'integrations.All is false and OpenPanel is not enabled';
  return undefined;
}

/** Track names excluded by the config's allow/deny lists. */
export function eventListSkipReason(name: string, allow: string[], deny: string[]): string | undefined {
  if (deny.includes(name)) return `event "${name}" is in eventDenylist`;
  if (allow.length > 0 && !allow.includes(name)) return `event "${name}" is not in eventAllowlist`;
  return undefined;
}

export const ownIntegrationGroups = (event: CdpEvent): unknown => {
  const own = ownIntegration(event);
  return isPlainObject(own) ? own.groups : undefined;
};
