import { z } from 'zod';
import { destinationConfigSchema } from './destination.js';
import { runtimeConfigSchema } from './runtime.js';

export { destinationConfigSchema } from './destination.js';
export { runtimeConfigSchema } from './runtime.js';

/**
 * The flat config a `--config` file, the server and the library take: the destination settings (what a CDP user
 * sets, src/config/destination.ts) and the runtime settings (what the operator tunes, src/config/runtime.ts).
 * Raw input goes through normalizeConfigInput (src/config/normalize.ts) first.
 */
export const configSchema = z.object({ ...destinationConfigSchema.shape, ...runtimeConfigSchema.shape });

/** Config as written by a user (defaults optional). */
export type DestinationConfigInput = z.input<typeof configSchema>;
/** Config after parsing: every default filled in. */
export type DestinationConfig = z.output<typeof configSchema>;

/** Keys whose values are secrets: never logged, printed or echoed in errors. */
export const secretKeys = Object.entries(configSchema.shape)
  .filter(([, schema]) => (schema.meta() as { secret?: boolean } | undefined)?.secret === true)
  .map(([key]) => key);
