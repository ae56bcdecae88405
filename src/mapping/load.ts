import { ConfigurationError } from '../errors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileMapping, type CompiledMapping } from './engine.js';
import { zMappingFile } from './schema.js';

/** The mapping files the transforms use, by name (mappings/<name>.json). */
export const mappingNames = ['headers', 'track', 'track-specials', 'page', 'screen', 'identify', 'group'] as const;
export type MappingName = (typeof mappingNames)[number];
export type Mappings = Record<MappingName, CompiledMapping>;

export const defaultMappingsDir = fileURLToPath(new URL('../../mappings/', import.meta.url));

/** Reads, validates and compiles every mapping; a broken file fails here, naming the file, the field and the rule. */
export function loadMappings(dir: string = defaultMappingsDir): Mappings {
  const entries = mappingNames.map((name) => {
    const file = `${dir.replace(/\/$/, '')}/${name}.json`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigurationError(`mapping ${file}: ${(error as Error).message}`);
    }
    const parsed = zMappingFile.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `mapping ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new ConfigurationError(problems.join('\n'));
    }
    return [name, compileMapping(parsed.data)] as const;
  });
  return Object.fromEntries(entries) as Mappings;
}
