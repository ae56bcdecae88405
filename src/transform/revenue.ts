import type { DestinationConfig } from '../config/schema.js';
import type { TrackPayload } from '../openpanel/contract.js';
import type { TrackEvent } from '../spec/event.js';

const fractionDigits = new Map<string, number>();

/** Digits of the currency's minor unit (USD 2, JPY 0, KWD 3); 2 when the currency is unknown. */
function minorUnitDigits(currency: unknown): number {
  const code = typeof currency === 'string' ? currency.toUpperCase() : 'USD';
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

/**
 * OpenPanel's revenue event for the configured revenue track event: the same payload named `revenue` with
 * `__revenue` as a non-negative integer in minor units (12.34 USD -> 1234), which is what OpenPanel's SDK
 * `revenue()` sends. Undefined when the event is not the revenue event or carries no usable amount.
 */
export function revenuePayload(event: TrackEvent, track: TrackPayload, config: DestinationConfig): TrackPayload | undefined {
  if (config.revenueEventName === '' || event.event !== config.revenueEventName) return undefined;
  const raw = event.properties?.[config.revenueProperty];
  const amount = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) return undefined;
  const minor = Math.round(amount * 10 ** minorUnitDigits(event.properties?.['currency']));
  return { ...track, name: 'revenue', properties: { ...track.properties, __revenue: minor } };
}
