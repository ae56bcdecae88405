import type { DestinationConfig } from '../config/schema.js';
import type { TrackPayload } from '../openpanel/contract.js';
import type { TrackEvent } from '../events/schema.js';

const fractionDigits = new Map<string, number>();

/** Digits of the currency's minor unit (USD 2, JPY 0, KWD 3); 2 when the currency is unknown. */
function minorUnitDigits(currency: unknown): number {
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : 'USD';
  let digits = fractionDigits.get(code);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    fractionDigits.set(code, digits);
  }
  return digits;
}

/** "Order Completed", "order completed", "order_completed" and "OrderCompleted" name the same event. */
const revenueEventKey = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');
// The configured name's key, computed once per config rather than per event.
const configuredKeys = new WeakMap<DestinationConfig, string>();

/** An amount in major units: a number, or a string of one with an optional currency sign and thousands commas ("$1,234.50"). */
const amountText = /^[^\d\s.,-]{0,3}\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*$/;
function amountOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = amountText.exec(raw.trim());
  return match ? Number(`${(match[1] as string).replace(/,/g, '')}${match[2] ?? ''}`) : undefined;
}

/**
 * OpenPanel's revenue event for the configured revenue track event (name matched ignoring case, spaces,
 * underscores and hyphens): the same payload named `revenue` with `__revenue` as a non-negative integer in minor
 * units (12.34 USD -> 1234), which is what OpenPanel's SDK `revenue()` sends; the currency stays a property.
 * The amount is the first of config revenueProperty, `revenue`, `total`, `value` that holds one (Segment's
 * Order Completed carries `revenue` and `total`, many senders `value`). Undefined when this is not the revenue
 * event or no amount is usable.
 */
export function revenuePayload(event: TrackEvent, track: TrackPayload, config: DestinationConfig): TrackPayload | undefined {
  let revenueKey = configuredKeys.get(config);
  if (revenueKey === undefined) configuredKeys.set(config, (revenueKey = revenueEventKey(config.revenueEventName)));
  if (revenueKey === '' || revenueEventKey(event.event) !== revenueKey || !event.properties) return undefined;
  const properties = event.properties;
  let amount: number | undefined;
  for (const key of [config.revenueProperty, 'revenue', 'total', 'value']) {
    amount = amountOf(properties[key]);
    if (amount !== undefined) break;
  }
  if (amount === undefined) return undefined;
  const minor = Math.round(amount * 10 ** minorUnitDigits(properties['currency']));
  return { ...track, name: 'revenue', properties: { ...track.properties, __revenue: minor } };
}
