import type { DestinationConfig } from '../config/schema.js';
import { isPlainObject } from '../helpers/values.js';
import { formatters } from './formatters.js';
import { compilePath, readPath, writePath, type CompiledPath } from './paths.js';
import type { MappingFile } from './schema.js';

interface CompiledSource {
  fromConfig: boolean;
  path: CompiledPath;
}
interface CompiledValueField {
  kind: 'value';
  index: number;
  dest: CompiledPath;
  sources: CompiledSource[];
  format: (value: unknown) => unknown;
  enabledBy?: keyof DestinationConfig;
  /** Earlier fields with the same destKey: this field is their fallback. */
  fallbackOf: number[];
}
interface CompiledRestField {
  kind: 'rest';
  dest: CompiledPath;
  path: CompiledPath;
  except: Set<string>;
  /** Value-field sources reading a direct child of `restOf`: that child is left out when the source is used. */
  consumers: Array<{ field: number; source: number; child: string }>;
}

/** A validated mapping file turned into closures over precompiled paths: applying it does no parsing. */
export interface CompiledMapping {
  apply(event: object, config: DestinationConfig): Record<string, unknown>;
}

export function compileMapping(file: MappingFile): CompiledMapping {
  const valueFields: CompiledValueField[] = [];
  // Output is written in declaration order, so a mapping file reads top to bottom as the payload it builds.
  const order: Array<CompiledValueField | CompiledRestField> = [];
  const destKeys: string[] = [];
  for (const field of file.fields) {
    if ('restOf' in field) {
      order.push({ kind: 'rest', dest: compilePath(field.destKey), path: compilePath(field.restOf), except: new Set(field.except), consumers: [] });
      continue;
    }
    const index = valueFields.length;
    const value: CompiledValueField = {
      kind: 'value',
      index,
      dest: compilePath(field.destKey),
      sources: field.sourceKeys.map((key) => ({ fromConfig: key.startsWith('$config.'), path: compilePath(key.replace(/^\$config\./, '')) })),
      format: formatters[field.format],
      enabledBy: field.enabledBy as keyof DestinationConfig | undefined,
      fallbackOf: destKeys.flatMap((key, i) => (key === field.destKey ? [i] : [])),
    };
    destKeys.push(field.destKey);
    valueFields.push(value);
    order.push(value);
  }
  for (const rest of order) {
    if (rest.kind !== 'rest') continue;
    const prefix = `${rest.path.join('.')}.`;
    valueFields.forEach((field, fieldIndex) =>
      field.sources.forEach((source, sourceIndex) => {
        const key = source.path.join('.');
        if (!source.fromConfig && key.startsWith(prefix) && !key.slice(prefix.length).includes('.')) {
          rest.consumers.push({ field: fieldIndex, source: sourceIndex, child: key.slice(prefix.length) });
        }
      }),
    );
  }

  return {
    apply(event, config) {
      // Per value field: the index of the source that gave its value, or -1.
      const picked: number[] = [];
      const values: unknown[] = [];
      for (const field of valueFields) {
        picked.push(-1);
        values.push(undefined);
        if (field.enabledBy !== undefined && config[field.enabledBy] !== true) continue;
        if (field.fallbackOf.some((earlier) => picked[earlier] !== -1)) continue;
        for (let i = 0; i < field.sources.length; i++) {
          const source = field.sources[i] as CompiledSource;
          const raw = readPath(source.fromConfig ? config : event, source.path);
          // Absent is absent for every formatter: not calling it spares the ones that validate (email, url).
          if (raw === undefined) continue;
          const value = field.format(raw);
          if (value !== undefined) {
            values[field.index] = value;
            picked[field.index] = i;
            break;
          }
        }
      }
      const out: Record<string, unknown> = {};
      for (const field of order) {
        if (field.kind === 'value') {
          if (picked[field.index] !== -1) writePath(out, field.dest, values[field.index]);
          continue;
        }
        const source = readPath(event, field.path);
        if (!isPlainObject(source)) continue;
        const used = field.consumers.filter((c) => picked[c.field] === c.source).map((c) => c.child);
        // Fields declared earlier into the same object (properties.__path before properties) keep their values.
        const earlier = readPath(out, field.dest);
        const rest: Record<string, unknown> = isPlainObject(earlier) ? earlier : {};
        let any = false;
        for (const key in source) {
          if (source[key] === undefined || Object.hasOwn(rest, key) || field.except.has(key) || used.includes(key)) continue;
          rest[key] = source[key];
          any = true;
        }
        if (any && rest !== earlier) writePath(out, field.dest, rest);
      }
      return out;
    },
  };
}
