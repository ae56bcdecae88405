import type { DestinationConfig } from '../config/schema.js';
import { isPlainObject } from '../helpers/values.js';
import type { CdpEvent } from '../events/schema.js';

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

/** Track names excluded by the config's event filtering (RudderStack's allowlist/denylist settings). */
export function eventListSkipReason(
  name: string,
  config: Pick<DestinationConfig, 'eventFilteringOption' | 'whitelistedEvents' | 'blacklistedEvents'>,
): string | undefined {
  const { eventFilteringOption: option } = config;
  if (option === 'blacklistedEvents' && config.blacklistedEvents.includes(name)) return `event "${name}" is in blacklistedEvents`;
  if (option === 'whitelistedEvents' && !config.whitelistedEvents.includes(name)) return `event "${name}" is not in whitelistedEvents`;
  return undefined;
}

export const ownIntegrationGroups = (event: CdpEvent): unknown => {
  const own = ownIntegration(event);
  return isPlainObject(own) ? own.groups : undefined;
};
