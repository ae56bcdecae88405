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

/** A node of configJsonSchema: what the environment, normalizing and the mapping check read of a key. */
export interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
}

/** configSchema as JSON Schema (the input side), converted once: each conversion is milliseconds of every start. */
export const configJsonSchema = z.toJSONSchema(configSchema, { io: 'input' }) as { properties: Record<string, JsonSchemaNode> };

/** Keys whose values are secrets: never logged, printed or echoed in errors. */
export const secretKeys = Object.entries(configSchema.shape)
  .filter(([, schema]) => (schema.meta() as { secret?: boolean } | undefined)?.secret === true)
  .map(([key]) => key);
