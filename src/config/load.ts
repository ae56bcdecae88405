import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { unknownName } from '../helpers/closest.js';
import { readFailure } from '../helpers/read-failure.js';
import { isPlainObject } from '../helpers/values.js';
import { configFromEnv, objectFields } from './env.js';
import { normalizeConfigInput } from './normalize.js';
import { configJsonSchema, configSchema, secretKeys, type DestinationConfig } from './schema.js';

export interface ConfigSource {
  /** JSON file with keys as in manifest.json. */
  file?: string;
  /** Defaults to process.env; its OPENPANEL_DESTINATION_* variables are read (src/config/env.ts). */
  env?: NodeJS.ProcessEnv;
  /** Told each key read under an old name; defaults to a `warning:` line on stderr. */
  warn?: (message: string) => void;
}

const warnOnStderr = (message: string) => process.stderr.write(`warning: ${message}\n`);

/**
 * Reads the file, lays the environment over it (README, Configuration: defaults < file < environment < flags),
 * normalizes (src/config/normalize.ts) and validates; throws one ConfigurationError with a `<key>: <rule>` line
 * per problem, unknown keys and variables included.
 */
export function loadConfig({ file, env = process.env, warn = warnOnStderr }: ConfigSource = {}): DestinationConfig {
  const fromEnv = configFromEnv(env);
  fromEnv.warnings.forEach(warn);
  const input = file === undefined ? {} : readConfigFile(file);
  // An object setting (store) takes the fields its variables set over the file's.
  for (const [key, value] of Object.entries(fromEnv.input)) {
    input[key] = isPlainObject(value) && isPlainObject(input[key]) ? { ...input[key], ...value } : value;
  }
  return parseConfig(input, { warn, problems: fromEnv.problems, sources: fromEnv.sources });
}

interface ParseOptions {
  warn?: (message: string) => void;
  /** Problems found before parsing (the environment's), listed first. */
  problems?: readonly string[];
  /** Config key -> the variable that set it, named in its problems. */
  sources?: ReadonlyMap<string, string>;
}

/**
 * Config written by a user (a file, the environment, a library caller's object): unknown keys (with "did you mean")
 * and every schema problem in one ConfigurationError, one `<key>: <rule>` line each. Values are never echoed.
 */
export function parseConfig(raw: Record<string, unknown>, { warn = warnOnStderr, problems = [], sources = new Map() }: ParseOptions = {}): DestinationConfig {
  const { input, warnings } = normalizeConfigInput(raw);
  warnings.forEach(warn);
  const parsed = configSchema.safeParse(input);
  const all = [...problems, ...unknownKeys(input), ...(parsed.success ? [] : describeIssues(parsed.error.issues, input, sources))];
  if (all.length > 0 || !parsed.success) throw new ConfigurationError(all.join('\n'));
  return parsed.data;
}

const topKeys = Object.keys(configSchema.shape);
const fieldsOf = new Map(Object.entries(configJsonSchema.properties).map(([key, node]) => [key, [...objectFields(node).keys()]]));

/** Keys the schema does not have (zod would drop them silently): top-level ones and the fields of object settings. */
function unknownKeys(input: Record<string, unknown>): string[] {
  return Object.entries(input).flatMap(([key, value]) => {
    if (!topKeys.includes(key)) return [unknownName(key, 'key', topKeys)];
    const fields = fieldsOf.get(key) ?? [];
    if (fields.length === 0 || !isPlainObject(value)) return [];
    return Object.keys(value)
      .filter((field) => !fields.includes(field))
      .map((field) =>
        unknownName(
          `${key}.${field}`,
          'key',
          fields.map((known) => `${key}.${known}`),
        ),
      );
  });
}

/** Every problem with raw config `input` as `<key>: <rule>` lines (empty when valid). Values are never echoed. */
export function configProblems(raw: unknown): string[] {
  const input = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? normalizeConfigInput({ ...raw }).input : raw;
  const parsed = configSchema.safeParse(input);
  return parsed.success ? [] : describeIssues(parsed.error.issues, input);
}

/** A copy safe for logs: present secret keys read '***'. */
export function redactConfig<T extends object>(config: T): T {
  const copy = { ...config } as Record<string, unknown>;
  for (const key of secretKeys) if (key in copy) copy[key] = '***';
  return copy as T;
}

function readConfigFile(file: string): Record<string, unknown> {
  const problem = (why: string) => new ConfigurationError(`config file ${file}: ${why}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw problem(`cannot be read (${readFailure(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8's own message quotes the offending text, which may be a secret: report only where it failed.
    throw problem(`is not valid JSON${jsonErrorLocation(text, error)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw problem('must contain a JSON object');
  return { ...json };
}

function jsonErrorLocation(text: string, error: unknown): string {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  if (position === undefined) return /end of JSON input/.test((error as Error).message) ? ' (it ends too early)' : '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}

type Issue = z.core.$ZodIssue;

function describeIssues(issues: readonly Issue[], input: unknown, sources: ReadonlyMap<string, string> = new Map()): string[] {
  return issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    const source = sources.get(String(issue.path[0]));
    return `${issuePath(issue.path)}${source === undefined ? '' : ` (${source})`}: ${missing ? 'is required' : issueRule(issue)}`;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'config';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a JSON object',
};

const formatNames: Record<string, string> = {
  guid: 'a UUID',
  uuid: 'a UUID',
  url: 'an http(s) URL',
  email: 'an email address',
};

/** A short rule for the issue, built from the schema's constraint only, so no input value can leak into it. */
function issueRule(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case 'invalid_format':
      return `must be ${formatNames[issue.format] ?? `a valid ${issue.format}`}`;
    case 'too_small':
      return `must ${sizeRule(issue.origin, issue.minimum, issue.inclusive, 'small')}`;
    case 'too_big':
      return `must ${sizeRule(issue.origin, issue.maximum, issue.inclusive, 'big')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      // A discriminated union (store.type) lists its options; the values come from the schema.
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be one of ${issue.options.map((value) => JSON.stringify(value)).join(', ')}`
        : 'is invalid';
    case 'custom':
      // Our own refinements' messages: written from the rule, never from the value.
      return issue.message;
    default:
      return 'is invalid';
  }
}

function sizeRule(origin: string, limit: number | bigint, inclusive: boolean | undefined, side: 'small' | 'big'): string {
  const n = Number(limit);
  if (origin === 'string') {
    if (side === 'small' && n === 1) return 'not be empty';
    return `have ${side === 'small' ? 'at least' : 'at most'} ${n} characters`;
  }
  if (origin === 'array') return `have ${side === 'small' ? 'at least' : 'at most'} ${n} items`;
  if (side === 'small') return inclusive === false ? `be greater than ${n}` : `be at least ${n}`;
  return inclusive === false ? `be less than ${n}` : `be at most ${n}`;
}
