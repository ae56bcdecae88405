import { z } from 'zod';
import { configJsonSchema, destinationConfigSchema } from '../config/schema.js';
import { formatterNames } from './formatters.js';
import { isPlainObject } from '../helpers/values.js';

/**
 * The shape of a mappings/*.json file, checked at load so a wrong mapping fails at start-up.
 * Source keys are dot paths into the incoming event, tried in order; `$config.<key>` reads the
 * destination config instead (e.g. the default group type); runtime settings say nothing about mapping.
 */
const configKeys = Object.keys(destinationConfigSchema.shape);
/** Only an on/off setting can switch a field. */
const booleanConfigKeys = configKeys.filter((key) => configJsonSchema.properties[key]?.type === 'boolean');
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
  enabledBy: z.enum(booleanConfigKeys as [string, ...string[]]).optional(),
});

/** destKey <- a copy of the object at `restOf`, minus the keys other fields consumed and minus `except`. */
export const zRestField = z.strictObject({
  destKey: z.string().min(1),
  restOf: z.string().min(1),
  except: z.array(z.string()).default([]),
});

export type ValueField = z.infer<typeof zValueField>;
export type RestField = z.infer<typeof zRestField>;

/**
 * A field with `restOf` is a rest field, any other a value field. Picking the shape up front (instead of a
 * z.union, whose failure is a bare "Invalid input") lets an error name the exact key and rule, e.g.
 * `fields.2.format: Invalid option`.
 */
const zField = z.unknown().transform((value, ctx): ValueField | RestField => {
  const parsed = (isPlainObject(value) && 'restOf' in value ? zRestField : zValueField).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

export const zMappingFile = z.strictObject({
  $comment: z.string().optional(),
  fields: z.array(zField).min(1),
});

export type MappingFile = z.infer<typeof zMappingFile>;
