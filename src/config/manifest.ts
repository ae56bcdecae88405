import { z } from 'zod';
import { destinationConfigSchema, sourceTypes } from './destination.js';
import { destinationForm, formFields, type FormField, type FormGroup } from './form.js';
import { secretKeys } from './schema.js';

/**
 * The destination definition, generated from destinationConfigSchema (keys, types, defaults, secrets) and the
 * form data in rudderstack-form.json (labels, regexes, layout). Its three sections are rudder-integrations-config's
 * three files for the destination: `dbConfig` = db-config.json, `uiConfig` = ui-config.json (form builder v2) and
 * `schema` = schema.json, which is what that repository's scripts/schemaGenerator.py derives from the other two.
 */

const messageTypes = ['identify', 'group', 'track', 'page', 'screen', 'alias'] as const;
/** Secret keys a CDP user enters (the runtime config's own secrets, such as a server's tokens, are not in the form). */
const formSecretKeys = secretKeys.filter((key) => key in destinationConfigSchema.shape);
const CONSENT_KEY = 'consentManagement';
/** The pattern rudder-integrations-config gives a text field without a regex: a template, an env reference, or short text. */
const DEFAULT_PATTERN = '(^\\{\\{.*\\|\\|(.*)\\}\\}$)|(^env[.].+)|^(.{0,100})$';

/** destinationConfigSchema's keys as JSON schema (what the form's field types and defaults come from). */
const zodProperty = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  enum: z.array(z.string()).optional(),
  default: z.unknown().optional(),
});
const destinationProperties = z.record(z.string(), zodProperty).parse(z.toJSONSchema(destinationConfigSchema, { io: 'input' }).properties);

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json | undefined;
}

export type UiField = JsonObject & { type: string; configKey: string };

export interface DbConfig {
  name: string;
  displayName: string;
  config: {
    transformAtV1: 'router';
    saveDestinationResponse: boolean;
    excludeKeys: string[];
    supportedSourceTypes: string[];
    supportedMessageTypes: { cloud: string[] };
    supportedConnectionModes: Record<string, ['cloud']>;
    destConfig: Record<string, string[]>;
    secretKeys: string[];
  };
  options: { isBeta: boolean };
}

export interface UiGroup {
  title: string;
  note: Json;
  icon?: string;
  fields: UiField[];
}
export interface UiSection {
  id?: string;
  title?: string;
  note?: string;
  icon?: string;
  groups: UiGroup[];
}
export interface UiConfig {
  baseTemplate: { title: string; note: string; sections: UiSection[] }[];
  sdkTemplate: { title: string; note: string; fields: UiField[] };
  consentSettingsTemplate: { title: string; note: string; fields: UiField[] };
}

export interface ConfigJsonSchema {
  $schema: 'http://json-schema.org/draft-07/schema#';
  required: string[];
  type: 'object';
  properties: Record<string, JsonObject>;
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
  checkFormCoversSchema();
  const dbConfig = buildDbConfig();
  const uiConfig = buildUiConfig();
  return {
    name: destinationForm.name,
    displayName: destinationForm.displayName,
    description: destinationForm.description,
    dbConfig,
    schema: { configSchema: deriveConfigSchema(uiConfig, dbConfig) },
    uiConfig: { uiConfig },
  };
}

function buildDbConfig(): DbConfig {
  const { name, displayName, isBeta } = destinationForm;
  return {
    name,
    displayName,
    config: {
      // Router transform: rudder-server hands over each user's events in order, as membership needs.
      transformAtV1: 'router',
      saveDestinationResponse: true,
      excludeKeys: [],
      supportedSourceTypes: [...sourceTypes],
      supportedMessageTypes: { cloud: [...messageTypes] },
      supportedConnectionModes: Object.fromEntries(sourceTypes.map((type) => [type, ['cloud']])),
      destConfig: {
        defaultConfig: formFields.map((field) => field.configKey),
        ...Object.fromEntries(sourceTypes.map((type) => [type, ['connectionMode', CONSENT_KEY]])),
      },
      secretKeys: formSecretKeys,
    },
    options: { isBeta },
  };
}

function buildUiConfig(): UiConfig {
  const group = ({ title, note, fields }: FormGroup, required: boolean, icon?: string): UiGroup => ({
    title,
    note,
    ...(icon === undefined ? {} : { icon }),
    fields: fields.map((field) => uiField(field, required)),
  });
  const { consent } = destinationForm;
  return {
    baseTemplate: [
      {
        title: 'Initial setup',
        note: 'Review how this destination is set up',
        sections: [
          { groups: [group(destinationForm.setup, true, 'settings')] },
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
        sections: [
          { groups: destinationForm.settings.map((g) => group(g, false)) },
          { id: 'consentSettings', title: consent.sectionTitle, note: consent.sectionNote, icon: 'settings', groups: [] },
        ],
      },
    ],
    // Cloud mode only: no SDK settings, but form builder v2 expects the template.
    sdkTemplate: { title: 'SDK settings', note: 'not visible in the ui', fields: [] },
    consentSettingsTemplate: { title: consent.sectionTitle, note: 'not visible in the ui', fields: [consentField()] },
  };
}

const options = (labels: Record<string, string>): Json[] => Object.entries(labels).map(([value, label]) => ({ label, value }));

function uiField(field: FormField, required: boolean): UiField {
  const { configKey } = field;
  const property = destinationProperties[configKey];
  if (property === undefined) throw new Error(`rudderstack-form.json: ${configKey} is not a destination config key`);
  const label = field.label ?? property.title;
  const note = field.note ?? property.description;
  if (label === undefined || note === undefined) throw new Error(`${configKey} needs a title and description (schema meta or rudderstack-form.json)`);
  const shownWhen = field.shownWhen === undefined ? {} : { preRequisites: { fields: [field.shownWhen] } };
  if (property.type === 'boolean') return { type: 'checkbox', label, note, configKey, default: property.default === true };
  if (property.enum !== undefined) {
    const values = Object.keys(field.options ?? {});
    if (values.join() !== property.enum.join()) throw new Error(`rudderstack-form.json: ${configKey} options must be ${property.enum.join(', ')}`);
    return { type: 'singleSelect', label, note, configKey, options: options(field.options ?? {}), default: String(property.default), ...shownWhen };
  }
  if (property.type === 'array') {
    if (field.tagKey === undefined) throw new Error(`rudderstack-form.json: list ${configKey} needs a tagKey`);
    return { type: 'tagInput', label, note, configKey, tagKey: field.tagKey, ...placeholder(field), default: [{ [field.tagKey]: '' }], ...shownWhen };
  }
  if (property.type !== 'string' || field.regex === undefined || field.regexErrorMessage === undefined) {
    throw new Error(`rudderstack-form.json: text field ${configKey} needs a regex and a regexErrorMessage`);
  }
  const defaultValue = typeof property.default === 'string' && property.default !== '' ? property.default : undefined;
  if (defaultValue !== undefined && !new RegExp(field.regex).test(defaultValue))
    throw new Error(`rudderstack-form.json: ${configKey} regex rejects its default`);
  return {
    type: 'textInput',
    label,
    note,
    configKey,
    regex: field.regex,
    regexErrorMessage: field.regexErrorMessage,
    ...placeholder(field),
    ...(formSecretKeys.includes(configKey) ? { secret: true } : {}),
    ...(required ? { required: true } : {}),
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    ...shownWhen,
  };
}

const placeholder = (field: FormField) => (field.placeholder === undefined ? {} : { placeholder: field.placeholder });

/** The consent form RudderStack's cloud-mode destinations carry: rules per provider, stored per source type. */
function consentField(): UiField {
  const c = destinationForm.consent;
  return {
    type: 'dynamicCustomForm',
    configKey: CONSENT_KEY,
    default: [],
    rowFields: [
      { type: 'singleSelect', label: c.providerLabel, configKey: 'provider', options: options(c.providers), default: c.defaultProvider, required: true },
      {
        type: 'singleSelect',
        label: c.strategyLabel,
        configKey: 'resolutionStrategy',
        options: options(c.strategies),
        required: true,
        variant: 'badge',
        preRequisites: { fields: [{ configKey: 'provider', value: 'custom' }] },
      },
      {
        type: 'tagInput',
        label: c.consentsLabel,
        note: c.consentsNote,
        configKey: 'consents',
        tagKey: 'consent',
        placeholder: c.consentsPlaceholder,
        default: [{ consent: '' }],
      },
    ],
  };
}

function checkFormCoversSchema(): void {
  const formKeys = [...formFields.map((field) => field.configKey), CONSENT_KEY];
  const schemaKeys = Object.keys(destinationConfigSchema.shape);
  const missing = schemaKeys.filter((key) => !formKeys.includes(key));
  const extra = formKeys.filter((key, i) => !schemaKeys.includes(key) || formKeys.indexOf(key) !== i);
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`rudderstack-form.json must show each destination key once; missing: [${missing.join(', ')}], unknown or repeated: [${extra.join(', ')}]`);
  }
}

/**
 * schema.json as rudder-integrations-config's schemaGenerator derives it from a form builder v2 ui-config (its CI
 * fails on any difference): properties in form order with the form's own checks (a text field's regex is its
 * pattern, a select's options its enum, a tag input an array of { tagKey: string }), per-source-type objects for
 * keys listed per source type, connectionMode last; required = the initial-setup fields.
 */
function deriveConfigSchema(ui: UiConfig, db: DbConfig): ConfigJsonSchema {
  const properties: Record<string, JsonObject> = {};
  const required: string[] = [];
  for (const template of ui.baseTemplate) {
    for (const field of template.sections.flatMap((s) => s.groups.flatMap((g) => g.fields))) {
      properties[field.configKey] = fieldSchema(field, db);
      if (
        template.title === 'Initial setup' &&
        db.config.destConfig.defaultConfig?.includes(field.configKey) &&
        (!('preRequisites' in field) || field.required === true)
      ) {
        required.push(field.configKey);
      }
    }
  }
  for (const field of [...ui.sdkTemplate.fields, ...ui.consentSettingsTemplate.fields]) properties[field.configKey] = fieldSchema(field, db);
  const { supportedSourceTypes, supportedConnectionModes } = db.config;
  properties.connectionMode = {
    type: 'object',
    properties: Object.fromEntries(supportedSourceTypes.map((type) => [type, { type: 'string', enum: supportedConnectionModes[type] ?? [] }])),
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', required, type: 'object', properties };
}

function fieldSchema(field: UiField, db: DbConfig): JsonObject {
  const schema = valueSchema(field);
  const perSource = db.config.supportedSourceTypes.filter((type) => db.config.destConfig[type]?.includes(field.configKey));
  return perSource.length === 0 ? schema : { type: 'object', properties: Object.fromEntries(perSource.map((type) => [type, schema])) };
}

function valueSchema(field: UiField): JsonObject {
  switch (field.type) {
    case 'textInput':
      return { type: 'string', pattern: typeof field.regex === 'string' ? field.regex : DEFAULT_PATTERN };
    case 'checkbox':
      return { type: 'boolean', ...('default' in field ? { default: field.default } : {}) };
    case 'singleSelect': {
      const values = (field.options as { value: string }[]).map((option) => option.value);
      // A select the user may leave unset also allows "".
      const enumValues = 'default' in field || field.required === true ? values : [...values, ''];
      return { type: 'string', enum: enumValues, ...('default' in field ? { default: field.default } : {}) };
    }
    case 'tagInput':
      return {
        type: 'array',
        items: {
          type: 'object',
          properties: { [String(field.tagKey)]: { type: 'string', pattern: typeof field.regex === 'string' ? field.regex : DEFAULT_PATTERN } },
        },
      };
    case 'dynamicCustomForm':
      return rowsSchema(field.rowFields as UiField[]);
    default:
      throw new Error(`no schema rule for a ${field.type} field`);
  }
}

/** A dynamic form's rows: fields shown only under a condition become if/then rules. */
function rowsSchema(rowFields: UiField[]): JsonObject {
  const properties = Object.fromEntries(rowFields.filter((f) => !('preRequisites' in f)).map((f) => [f.configKey, valueSchema(f)]));
  const conditional = rowFields.filter((f) => 'preRequisites' in f);
  const conditions = [...new Set(conditional.map((f) => JSON.stringify((f.preRequisites as { fields: Json }).fields)))];
  const allOf = conditions.map((condition) => {
    const when = JSON.parse(condition) as { configKey: string; value: Json }[];
    const fields = conditional.filter((f) => JSON.stringify((f.preRequisites as { fields: Json }).fields) === condition);
    return {
      if: { properties: Object.fromEntries(when.map((w) => [w.configKey, { const: w.value }])), required: when.map((w) => w.configKey) },
      then: {
        properties: Object.fromEntries(fields.map((f) => [f.configKey, valueSchema(f)])),
        required: fields.filter((f) => f.required === true).map((f) => f.configKey),
      },
    };
  });
  return { type: 'array', items: { type: 'object', properties, ...(allOf.length === 0 ? {} : { allOf }) } };
}
