import { z } from 'zod';
import { configSchema } from '../config/schema.js';
import { formatterNames } from './formatters.js';

/**
 * The shape of a mappings/*.json file, checked at load so a wrong mapping fails at start-up.
 * Source keys are dot paths into the incoming event, tried in order; `$config.<key>` reads the destination
 * config instead (e.g. the default group type).
 */
const configKeys = Object.keys(configSchema.shape);
const zSourceKey = z
  .string()
  .min(1)
  .refine((key) => !key.startsWith('$') || (key.startsWith('$config.') && configKeys.includes(key.slice(8))), {
    error: (issue) => `"${String(issue.input)}" is not an event path or $config.<key> (config keys: ${configKeys.join(', ')})`,
  });

/** destKey <- the first of sourceKeys that yields a value after `format`. */
export const zValueField = z.strictObject({
  destKey: z.string().min(1),
  sourceKeys: z.array(zSourceKey).min(1),
  format: z.enum(formatterNames).default('value'),
  /** A config boolean that must be on for this field to be mapped. */
  enabledBy: z.enum(configKeys).optional(),
});

/** destKey <- a copy of the object at `restOf`, minus the keys other fields consumed and minus `except`. */
export const zRestField = z.strictObject({
  destKey: z.string().min(1),
  restOf: z.string().min(1),
  except: z.array(z.string()).default([]),
});

export const zMappingFile = z.strictObject({
  $comment: z.string().optional(),
  fields: z.array(z.union([zValueField, zRestField])).min(1),
});

export type ValueField = z.infer<typeof zValueField>;
export type RestField = z.infer<typeof zRestField>;
export type MappingFile = z.infer<typeof zMappingFile>;
