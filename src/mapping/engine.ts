import type { DestinationConfig } from '../config/schema.js';
import { formatters } from './formatters.js';
import { compilePath, isPlainObject, readPath, writePath, type CompiledPath } from './paths.js';
import type { MappingFile } from './schema.js';

interface CompiledSource {
  key: string;
  fromConfig: boolean;
  path: CompiledPath;
}
interface CompiledValueField {
  destKey: string;
  dest: CompiledPath;
  sources: CompiledSource[];
  format: (value: unknown) => unknown;
  enabledBy?: keyof DestinationConfig;
}
interface CompiledRestField {
  dest: CompiledPath;
  restOf: string;
  path: CompiledPath;
  except: Set<string>;
}

/** A validated mapping file turned into closures over precompiled paths: applying it does no parsing. */
export interface CompiledMapping {
  apply(event: object, config: DestinationConfig): Record<string, unknown>;
}

export function compileMapping(file: MappingFile): CompiledMapping {
  const valueFields: CompiledValueField[] = [];
  // Output is written in declaration order, so a mapping file reads top to bottom as the payload it builds.
  const order: Array<CompiledValueField | CompiledRestField> = [];
  for (const field of file.fields) {
    if ('restOf' in field) {
      const rest = { dest: compilePath(field.destKey), restOf: field.restOf, path: compilePath(field.restOf), except: new Set(field.except) };
      order.push(rest);
    } else {
      const value: CompiledValueField = {
        destKey: field.destKey,
        dest: compilePath(field.destKey),
        sources: field.sourceKeys.map((key) =>
          key.startsWith('$config.') ? { key, fromConfig: true, path: compilePath(key.slice(8)) } : { key, fromConfig: false, path: compilePath(key) },
        ),
        format: formatters[field.format],
        enabledBy: field.enabledBy as keyof DestinationConfig | undefined,
      };
      valueFields.push(value);
      order.push(value);
    }
  }

  return {
    apply(event, config) {
      const values = new Map<CompiledValueField, unknown>();
      const setKeys = new Set<string>();
      const consumed = new Set<string>();
      for (const field of valueFields) {
        // Later fields with the same destKey are fallbacks (each may have its own format).
        if ((field.enabledBy !== undefined && config[field.enabledBy] !== true) || setKeys.has(field.destKey)) continue;
        for (const source of field.sources) {
          const value = field.format(readPath(source.fromConfig ? config : event, source.path));
          if (value !== undefined) {
            values.set(field, value);
            setKeys.add(field.destKey);
            consumed.add(source.key);
            break;
          }
        }
      }
      const out: Record<string, unknown> = {};
      for (const field of order) {
        if (!('restOf' in field)) {
          if (values.has(field)) writePath(out, field.dest, values.get(field));
          continue;
        }
        const source = readPath(event, field.path);
        if (!isPlainObject(source)) continue;
        // Fields declared earlier into the same object (properties.__path before properties) keep their values.
        const earlier = readPath(out, field.dest);
        const rest: Record<string, unknown> = isPlainObject(earlier) ? earlier : {};
        let any = false;
        for (const key in source) {
          if (source[key] === undefined || Object.hasOwn(rest, key) || field.except.has(key) || consumed.has(`${field.restOf}.${key}`)) continue;
          rest[key] = source[key];
          any = true;
        }
        if (any && rest !== earlier) writePath(out, field.dest, rest);
      }
      return out;
    },
  };
}
