import { z } from 'zod';
import { configSchema, secretKeys as allSecretKeys, serverKeys, type DestinationConfig } from './schema.js';

/** What a CDP user sets: the config minus the operator's `serve` settings. */
const destinationSchema = configSchema.omit(Object.fromEntries(serverKeys.map((key) => [key, true] as const)) as Record<(typeof serverKeys)[number], true>);
const secretKeys = allSecretKeys.filter((key) => key in destinationSchema.shape);

/**
 * The destination definition (manifest.json), derived from configSchema. Its three sections are, verbatim, the
 * files rudder-integrations-config keeps per destination: `dbConfig` = db-config.json, `schema` = schema.json,
 * `uiConfig` = ui-config.json (form builder v2), so a RudderStack control plane can load it as `OPENPANEL`.
 */

type ConfigKey = Exclude<keyof DestinationConfig & string, (typeof serverKeys)[number]>;

interface FormGroup {
  title: string;
  note: string;
  keys: readonly ConfigKey[];
}

/** Which settings-form group shows each config key. Every key of configSchema is in exactly one group. */
const formLayout: { setup: readonly FormGroup[]; settings: readonly FormGroup[] } = {
  setup: [
    {
      title: 'Connection',
      note: 'The OpenPanel project and server-side client that receive the events',
      keys: ['clientId', 'clientSecret', 'apiUrl'],
    },
  ],
  settings: [
    { title: 'Groups', note: 'How group calls become OpenPanel groups', keys: ['defaultGroupType'] },
    {
      title: 'Events',
      note: 'Which events are sent and what they are called in OpenPanel',
      keys: ['pageEventName', 'screenEventName', 'deviceIdFromAnonymousId', 'revenueEventName', 'revenueProperty', 'eventAllowlist', 'eventDenylist'],
    },
    {
      title: 'Delivery',
      note: 'Throughput, retries, duplicate protection and group membership memory',
      keys: [
        'concurrency',
        'timeoutMs',
        'maxAttempts',
        'maxRetryAgeMs',
        'backoffBaseMs',
        'backoffMaxMs',
        'dedupeTtlHours',
        'dedupeMaxIds',
        'membershipMaxKeys',
        'membershipTtlDays',
      ],
    },
  ],
};

/** Placeholders the schema cannot supply (keys without a default, or whose default is empty). */
const placeholders: Partial<Record<ConfigKey, string>> = {
  clientId: 'e.g: 2f4c8e1a-6b3d-4f5e-9a7c-1d2e3f4a5b6c',
  clientSecret: 'e.g: sec_0a1b2c3d4e5f',
  eventAllowlist: 'e.g: Order Completed',
  eventDenylist: 'e.g: Debug Event',
};

/** tagInput stores each tag as an object under this key (rudder-integrations-config convention). */
export const tagKeys: Partial<Record<ConfigKey, string>> = { eventAllowlist: 'eventName', eventDenylist: 'eventName' };

const sourceTypes = ['web', 'android', 'ios', 'cloud', 'unity', 'amp', 'cordova', 'reactnative', 'flutter', 'warehouse', 'shopify'] as const;
const messageTypes = ['identify', 'group', 'track', 'page', 'screen', 'alias'] as const;

/** The part of a generated JSON-schema property the UI derivation reads; unknown keywords pass through. */
const jsonPropertySchema = z.looseObject({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'array']),
  title: z.string(),
  description: z.string().optional(),
  default: z.unknown().optional(),
  format: z.string().optional(),
  pattern: z.string().optional(),
  minLength: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  maximum: z.number().optional(),
  items: z.looseObject({ type: z.literal('string') }).optional(),
});
type JsonProperty = z.infer<typeof jsonPropertySchema>;

const configJsonSchemaSchema = z.object({
  $schema: z.literal('http://json-schema.org/draft-07/schema#'),
  type: z.literal('object'),
  required: z.array(z.string()),
  properties: z.record(z.string(), jsonPropertySchema),
});
export type ConfigJsonSchema = z.infer<typeof configJsonSchemaSchema>;

interface FieldBase {
  label: string;
  configKey: ConfigKey;
  note?: string;
}
export type UiField =
  | (FieldBase & { type: 'checkbox'; default: boolean })
  | (FieldBase & { type: 'tagInput'; tagKey: string; placeholder?: string; default: [] })
  | (FieldBase & {
      type: 'textInput';
      regex: string;
      regexErrorMessage: string;
      required?: true;
      secret?: true;
      placeholder?: string;
      default?: string;
    });

export interface UiGroup {
  title: string;
  note: string | (string | { text: string; link: string })[];
  icon?: string;
  fields: UiField[];
}

export interface UiConfig {
  baseTemplate: { title: string; note: string; sections: { groups: UiGroup[] }[] }[];
  sdkTemplate: { title: string; note: string; fields: UiField[] };
}

export interface DbConfig {
  name: string;
  displayName: string;
  config: {
    transformAtV1: 'router';
    saveDestinationResponse: boolean;
    supportedSourceTypes: string[];
    supportedMessageTypes: { cloud: string[] };
    supportedConnectionModes: Record<string, ['cloud']>;
    destConfig: Record<string, string[]>;
    secretKeys: string[];
  };
}

export interface DestinationManifest {
  name: string;
  displayName: string;
  description: string;
  dbConfig: DbConfig;
  schema: { configSchema: ConfigJsonSchema };
  uiConfig: { uiConfig: UiConfig };
}

/** manifest.json's content. */
export function buildManifest(): DestinationManifest {
  const configJsonSchema = buildConfigJsonSchema();
  const name = 'OPENPANEL';
  const displayName = 'OpenPanel';
  return {
    name,
    displayName,
    description:
      'Product analytics with group analytics: Segment/RudderStack identify, group, track, page and screen calls ' +
      "become OpenPanel events, with each user's group membership kept server-side so every event carries its groups.",
    dbConfig: {
      name,
      displayName,
      config: {
        // Router transform: rudder-server hands over each user's events in order, as membership needs.
        transformAtV1: 'router',
        saveDestinationResponse: true,
        supportedSourceTypes: [...sourceTypes],
        supportedMessageTypes: { cloud: [...messageTypes] },
        supportedConnectionModes: Object.fromEntries(sourceTypes.map((type) => [type, ['cloud']])),
        destConfig: {
          defaultConfig: Object.keys(configJsonSchema.properties),
          ...Object.fromEntries(sourceTypes.map((type) => [type, ['connectionMode']])),
        },
        secretKeys: [...secretKeys],
      },
    },
    schema: { configSchema: configJsonSchema },
    uiConfig: { uiConfig: buildUiConfig(configJsonSchema) },
  };
}

/** manifest.json as written to disk: 2-space JSON and a final newline. */
export function manifestText(manifest: DestinationManifest = buildManifest()): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** configSchema as draft-07 JSON schema of what a user may write (defaults optional), minus zod-only noise. */
export function buildConfigJsonSchema(): ConfigJsonSchema {
  const generated = configJsonSchemaSchema.parse(z.toJSONSchema(destinationSchema, { target: 'draft-7', io: 'input' }));
  return {
    $schema: generated.$schema,
    type: generated.type,
    required: generated.required,
    properties: Object.fromEntries(Object.entries(generated.properties).map(([key, property]) => [key, tidyProperty(property)])),
  };
}

/** Reads like a hand-written schema: title and type first, default last; no `secret` meta, no safe-integer cap. */
function tidyProperty({ title, description, type, default: defaultValue, secret: _secret, ...rest }: JsonProperty): JsonProperty {
  const { maximum, ...constraints } = rest;
  return {
    title,
    ...(description === undefined ? {} : { description }),
    type,
    ...constraints,
    ...(maximum === undefined || maximum === Number.MAX_SAFE_INTEGER ? {} : { maximum }),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  };
}

function buildUiConfig(schema: ConfigJsonSchema): UiConfig {
  checkLayoutCoversSchema(schema);
  const group = ({ title, note, keys }: FormGroup, icon?: string): UiGroup => ({
    title,
    note,
    ...(icon === undefined ? {} : { icon }),
    fields: keys.map((key) => uiField(key, schema)),
  });
  return {
    baseTemplate: [
      {
        title: 'Initial setup',
        note: 'Review how this destination is set up',
        sections: [
          { groups: formLayout.setup.map((g) => group(g, 'settings')) },
          {
            groups: [
              {
                title: 'Connection mode',
                note: [
                  'Update how you want to route events from your source to destination. ',
                  { text: 'Get help deciding', link: 'https://www.rudderstack.com/docs/destinations/rudderstack-connection-modes/' },
                ],
                icon: 'sliders',
                fields: [],
              },
            ],
          },
        ],
      },
      {
        title: 'Configuration settings',
        note: 'Manage the settings for your destination',
        sections: [{ groups: formLayout.settings.map((g) => group(g)) }],
      },
    ],
    // Cloud mode only, but the v2 form builder requires the (empty) SDK template.
    sdkTemplate: { title: 'Web SDK settings', note: 'not visible in the ui', fields: [] },
  };
}

function checkLayoutCoversSchema(schema: ConfigJsonSchema): void {
  const laidOut = [...formLayout.setup, ...formLayout.settings].flatMap((g) => g.keys);
  const schemaKeys = Object.keys(schema.properties);
  const missing = schemaKeys.filter((key) => !laidOut.includes(key as ConfigKey));
  const extra = laidOut.filter((key, i) => !schemaKeys.includes(key) || laidOut.indexOf(key) !== i);
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`formLayout must list each config key once; missing: [${missing.join(', ')}], unknown or repeated: [${extra.join(', ')}]`);
  }
}

function uiField(key: ConfigKey, schema: ConfigJsonSchema): UiField {
  const property = schema.properties[key];
  if (property === undefined) throw new Error(`no schema property ${key}`);
  const notes = [property.description, property.maximum === undefined ? undefined : `At most ${property.maximum}.`].filter((n) => n !== undefined);
  const base: FieldBase = { label: property.title, configKey: key, ...(notes.length === 0 ? {} : { note: notes.join(' ') }) };
  const placeholder = placeholders[key] ?? exampleOf(property.default);
  const withPlaceholder = placeholder === undefined ? {} : { placeholder };
  switch (property.type) {
    case 'boolean':
      return { type: 'checkbox', ...base, default: property.default === true };
    case 'array': {
      const tagKey = tagKeys[key];
      if (tagKey === undefined) throw new Error(`list key ${key} needs a tagKey in manifest.ts`);
      return { type: 'tagInput', ...base, tagKey, ...withPlaceholder, default: [] };
    }
    default: {
      const required = schema.required.includes(key);
      const { regex, message } = textRule(property, required);
      return {
        type: 'textInput',
        ...base,
        regex,
        regexErrorMessage: message,
        ...(required ? { required: true } : {}),
        ...(secretKeys.includes(key) ? { secret: true } : {}),
        ...withPlaceholder,
        // Numbers get no default: a text field would store it as a string. The schema default applies instead.
        ...(property.type === 'string' && typeof property.default === 'string' ? { default: property.default } : {}),
      };
    }
  }
}

function exampleOf(value: unknown): string | undefined {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return undefined;
  return `e.g: ${String(value)}`;
}

/**
 * The form-side check of a text field, from its JSON-schema constraints; unknown shapes fail the build.
 * Optional fields also accept '' (a cleared field round-trips as the empty string).
 */
function textRule(property: JsonProperty, required: boolean): { regex: string; message: string } {
  const rule = valueRule(property, required);
  return required || new RegExp(rule.regex).test('') ? rule : { ...rule, regex: `^$|${rule.regex}` };
}

function valueRule(property: JsonProperty, required: boolean): { regex: string; message: string } {
  const positive = property.exclusiveMinimum === 0;
  if (property.type === 'integer' && positive) return { regex: '^[1-9][0-9]*$', message: 'Enter a whole number above 0' };
  if (property.type === 'number' && positive) return { regex: '^(?=.*[1-9])[0-9]+(\\.[0-9]+)?$', message: 'Enter a number above 0' };
  if (property.type === 'string' && property.format === 'uuid' && property.pattern !== undefined) {
    return { regex: property.pattern, message: 'Enter an ID in UUID format' };
  }
  if (property.type === 'string' && property.format === 'uri') {
    return { regex: '^https?://[^\\s/?#]+\\S*$', message: 'Enter a URL starting with http:// or https://' };
  }
  if (property.type === 'string' && property.format === undefined) {
    return required ? { regex: '^.+$', message: 'This field is required' } : { regex: '^.*$', message: 'Keep the text on one line' };
  }
  throw new Error(`no form rule for the JSON schema ${JSON.stringify(property)}`);
}
