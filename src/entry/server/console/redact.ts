import { secretKeys, type DestinationConfig } from '../../../config/schema.js';

const secretHeader = 'openpanel-client-secret';
const MASK = '***';

/** The config's secret values (and a Redis URL's password), which the console must never show. */
export function secretsOf(config: DestinationConfig): string[] {
  const secrets = secretKeys
    .map((key) => (config as Record<string, unknown>)[key])
    .filter((value): value is string => typeof value === 'string' && value !== '');
  if (config.store.type === 'redis') {
    const { password } = new URL(config.store.url);
    if (password !== '') secrets.push(password, decodeURIComponent(password));
  }
  return secrets;
}

/**
 * A copy of `value` fit to show: every occurrence of a secret masked, wherever it hides (an event can carry a
 * write key, an answer can echo a header), and the client-secret header dropped.
 */
export function redact<T>(value: T, secrets: readonly string[]): T {
  if (value === undefined) return value;
  const json = JSON.stringify(value, (key, field: unknown) => {
    if (key.toLowerCase() === secretHeader) return undefined;
    if (typeof field !== 'string') return field;
    return secrets.reduce((text, secret) => text.split(secret).join(MASK), field);
  });
  return JSON.parse(json) as T;
}
