import { createRequire } from 'node:module';
import type { BaseError } from '@rudderstack/integrations-lib/build/errors/index.js';

/**
 * The host's BaseError as the RudderStack entry loads it (Node's own require, not jest's module registry): `process`
 * throws instances of it, as rudder-transformer's `instanceof BaseError` expects.
 */
export const hostBaseError = createRequire(import.meta.url)('@rudderstack/integrations-lib/build/errors/index.js').BaseError as typeof BaseError;
