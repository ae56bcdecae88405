import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors.js';
import type { z } from 'zod';
import { normalizeConfigInput } from './normalize.js';
import { configSchema, secretKeys, type DestinationConfig, type DestinationConfigInput } from './schema.js';

/** Environment variables that override the config file, and the key each one sets. */
const envOverrides = {
  OPENPANEL_CLIENT_ID: 'clientId',
  OPENPANEL_CLIENT_SECRET: 'clientSecret',
  OPENPANEL_API_URL: 'apiUrl',
} as const satisfies Record<string, keyof DestinationConfigInput>;

export interface ConfigSource {
  /** JSON file with keys as in manifest.json. */
  file?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Told each key read under an old name; defaults to a `warning:` line on stderr. */
  warn?: (message: string) => void;
}

const warnOnStderr = (message: string) => process.stderr.write(`warning: ${message}\n`);

/**
 * The raw (unvalidated) config: the file's keys, then each set, non-empty override variable on top.
 * Throws ConfigurationError when the file cannot be read or is not a JSON object.
 */
export function configInput({ file, env = process.env }: ConfigSource = {}): Record<string, unknown> {
  const input = file === undefined ? {} : readConfigFile(file);
  for (const [variable, key] of Object.entries(envOverrides)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return input;
}

/**
 * Reads, merges, normalizes (src/config/normalize.ts) and validates the config; throws ConfigurationError with
 * one `<key>: <rule>` line per problem.
 */
export function loadConfig(source: ConfigSource = {}): DestinationConfig {
  const { input, warnings } = normalizeConfigInput(configInput(source));
  warnings.forEach(source.warn ?? warnOnStderr);
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigurationError(describeIssues(parsed.error.issues, input).join('\n'));
  return parsed.data;
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

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
  };
  return (code !== undefined && reasons[code]) || code || 'unknown error';
}

function jsonErrorLocation(text: string, error: unknown): string {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  if (position === undefined) return /end of JSON input/.test((error as Error).message) ? ' (it ends too early)' : '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}

type Issue = z.core.$ZodIssue;

function describeIssues(issues: readonly Issue[], input: unknown): string[] {
  return issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return `${issuePath(issue.path)}: ${missing ? 'is required' : issueRule(issue)}`;
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
