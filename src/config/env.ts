import { readFileSync } from 'node:fs';
import { unknownName } from '../helpers/closest.js';
import { readFailure } from '../helpers/read-failure.js';
import { isPlainObject } from '../helpers/values.js';
import { configJsonSchema, type JsonSchemaNode } from './schema.js';

/**
 * The environment naming scheme (README, Configuration): every config key as OPENPANEL_DESTINATION_ plus the key in
 * UPPER_SNAKE_CASE (`maxQueuedEvents` -> OPENPANEL_DESTINATION_MAX_QUEUED_EVENTS, `store.url` ->
 * OPENPANEL_DESTINATION_STORE_URL), each also as <NAME>_FILE naming a file that holds the value (the
 * container-secrets convention). CLI flags have variables of the same scheme, plus PORT and HOST.
 */
export const ENV_PREFIX = 'OPENPANEL_DESTINATION_';

export const envName = (...path: string[]): string => ENV_PREFIX + path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');

/** The CLI flags' variables; commander reads them, and a flag given on the command line wins. */
export const flagVariables = {
  config: envName('config'),
  dataDir: envName('dataDir'),
  lockTimeout: envName('lockTimeout'),
  transport: envName('transport'),
  logLevel: envName('logLevel'),
  port: 'PORT',
  host: 'HOST',
} as const;

/** Variables of the first scheme, still read (under the new names' values) with a warning. */
const renamedVariables: Readonly<Record<string, string>> = {
  OPENPANEL_CLIENT_ID: envName('clientId'),
  OPENPANEL_CLIENT_SECRET: envName('clientSecret'),
  OPENPANEL_API_URL: envName('apiUrl'),
};

type Kind = 'text' | 'boolean' | 'list' | 'json';
interface Variable {
  name: string;
  /** Config key, or key and field for an object setting (store.url). */
  path: [string] | [string, string];
  kind: Kind;
}

const kindOf = (node: JsonSchemaNode): Kind =>
  node.type === 'boolean' ? 'boolean' : node.type === 'array' ? 'list' : node.type === 'object' ? 'json' : 'text';

/** Fields of an object setting with named fields (store: type, url, prefix), across its variants. */
export const objectFields = (node: JsonSchemaNode): Map<string, JsonSchemaNode> =>
  new Map([node, ...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap((variant) => Object.entries(variant.properties ?? {})));

/** One variable per key; an object setting with named fields has one per field instead (free-form ones take JSON). */
export const configVariables: readonly Variable[] = Object.entries(configJsonSchema.properties).flatMap(([key, node]): Variable[] => {
  const fields = objectFields(node);
  if (fields.size === 0) return [{ name: envName(key), path: [key], kind: kindOf(node) }];
  return [...fields].map(([field, fieldNode]) => ({ name: envName(key, field), path: [key, field], kind: kindOf(fieldNode) }));
});

export interface EnvConfig {
  /** Raw config from the set variables, for normalizeConfigInput like a file's. */
  input: Record<string, unknown>;
  /** Config key -> the variable it came from, to name it in problems. */
  sources: Map<string, string>;
  /** One line per unusable variable: unknown (with "did you mean"), unreadable _FILE, bad JSON. Never a value. */
  problems: string[];
  warnings: string[];
}

/** Reads every config variable set (non-empty) in `env`; see ENV_PREFIX for the scheme. */
export function configFromEnv(env: NodeJS.ProcessEnv): EnvConfig {
  const result: EnvConfig = { input: {}, sources: new Map(), problems: [], warnings: [] };
  const known = new Set([...configVariables.flatMap(({ name }) => [name, `${name}_FILE`]), ...Object.values(flagVariables)]);
  for (const name of Object.keys(env)) {
    if (name.startsWith(ENV_PREFIX) && !known.has(name)) result.problems.push(unknownName(name, 'variable', known, ENV_PREFIX));
  }
  for (const [old, name] of Object.entries(renamedVariables)) {
    if (env[old] === undefined || env[old] === '') continue;
    result.warnings.push(`${old} is renamed to ${name}; please rename it in the environment`);
    if (env[name] === undefined || env[name] === '') env = { ...env, [name]: env[old] };
  }
  for (const variable of configVariables) {
    const text = variableText(env, variable.name, result.problems);
    if (text === undefined) continue;
    const value = fromText(text, variable, result.problems);
    if (value === undefined) continue;
    const [key, field] = variable.path;
    if (field === undefined) result.input[key] = value;
    else result.input[key] = { ...(isPlainObject(result.input[key]) ? result.input[key] : {}), [field]: value };
    result.sources.set(key, variable.name);
  }
  return result;
}

/** The variable's value, or its _FILE's content without the trailing newline an editor or `echo` leaves. */
function variableText(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const direct = env[name] === '' ? undefined : env[name];
  const file = env[`${name}_FILE`] === '' ? undefined : env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) {
    problems.push(`${name}: set either it or ${name}_FILE, not both`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${name}_FILE: ${file} cannot be read (${readFailure(error)})`);
    return undefined;
  }
}

/** Booleans as true/false (1/0, yes/no); lists as a JSON array or comma-separated; free-form objects as JSON. */
function fromText(text: string, { name, kind }: Variable, problems: string[]): unknown {
  const json = (what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      // The text may be a secret: say only what was expected.
      problems.push(`${name}: is not ${what}`);
      return undefined;
    }
  };
  switch (kind) {
    case 'boolean':
      // Anything else is left as text for the schema to report "must be true or false".
      return /^(true|1|yes)$/i.test(text) ? true : /^(false|0|no)$/i.test(text) ? false : text;
    case 'list':
      return text.trimStart().startsWith('[')
        ? json('a valid JSON list')
        : text
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '');
    case 'json':
      return json('valid JSON');
    default:
      return text;
  }
}
