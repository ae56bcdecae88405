import { z } from 'zod';
import formData from './rudderstack-form.json' with { type: 'json' };

/**
 * What the settings form says about each destination key beyond the zod schema: the regex the form checks typed
 * text with, placeholders, option labels, tag keys, where each field sits, and wording of its own where needed. Kept as data in
 * rudderstack-form.json; src/config/manifest.ts joins it with destinationConfigSchema.
 */
const zFormField = z.strictObject({
  configKey: z.string().min(1),
  /** Label and help text where the form words them differently; else the schema's meta title and description. */
  label: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
  /** Text fields: the form's check of what was typed (RudderStack's schema.json uses it as the pattern). */
  regex: z.string().optional(),
  regexErrorMessage: z.string().optional(),
  placeholder: z.string().optional(),
  /** Single selects: value -> label, in the order shown. */
  options: z.record(z.string(), z.string()).optional(),
  /** Tag inputs: each tag is stored as { [tagKey]: text }. */
  tagKey: z.string().optional(),
  /** Shown only while another field has this value. */
  shownWhen: z.strictObject({ configKey: z.string(), value: z.string() }).optional(),
});

const zFormGroup = z.strictObject({ title: z.string().min(1), note: z.string().min(1), fields: z.array(zFormField).min(1) });

const zConsentForm = z.strictObject({
  sectionTitle: z.string(),
  sectionNote: z.string(),
  providerLabel: z.string(),
  providers: z.record(z.string(), z.string()),
  defaultProvider: z.string(),
  strategyLabel: z.string(),
  strategies: z.record(z.string(), z.string()),
  consentsLabel: z.string(),
  consentsNote: z.string(),
  consentsPlaceholder: z.string(),
});

const zDestinationForm = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  displayName: z.string().min(1),
  description: z.string().min(1),
  isBeta: z.boolean(),
  setup: zFormGroup,
  settings: z.array(zFormGroup).min(1),
  consent: zConsentForm,
});

export type FormField = z.infer<typeof zFormField>;
export type FormGroup = z.infer<typeof zFormGroup>;
type DestinationForm = z.infer<typeof zDestinationForm>;

export const destinationForm: DestinationForm = zDestinationForm.parse(formData);

/** Every field of the form, setup first. */
export const formFields: readonly FormField[] = [destinationForm.setup, ...destinationForm.settings].flatMap((group) => group.fields);

/** Tag-input keys and the key each tag is stored under (e.g. whitelistedEvents -> eventName). */
export const tagKeys: Readonly<Record<string, string>> = Object.fromEntries(
  formFields.flatMap((field) => (field.tagKey === undefined ? [] : [[field.configKey, field.tagKey]])),
);
