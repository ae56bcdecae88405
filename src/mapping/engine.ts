import type { DestinationConfig } from '../config/schema.js';
import { isPlainObject } from '../helpers/values.js';
import { formatters } from './formatters.js';
import { compilePath, pathReader, readPath, writePath, type CompiledPath } from './paths.js';
import type { MappingFile } from './schema.js';

interface CompiledSource {
  fromConfig: boolean;
  path: CompiledPath;
  read: (root: unknown) => unknown;
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
  read: (root: unknown) => unknown;
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
      const path = compilePath(field.restOf);
      order.push({ kind: 'rest', dest: compilePath(field.destKey), path, read: pathReader(path), except: new Set(field.except), consumers: [] });
      continue;
    }
    const index = valueFields.length;
    const value: CompiledValueField = {
      kind: 'value',
      index,
      dest: compilePath(field.destKey),
      sources: field.sourceKeys.map((key) => {
        const path = compilePath(key.replace(/^\$config\./, ''));
        return { fromConfig: key.startsWith('$config.'), path, read: pathReader(path) };
      }),
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

  // Per value field, during one apply: the index of the source that gave its value (-1: none), and the value.
  // Kept between applies (an apply runs to its end before the next starts): arrays built per event showed in
  // the profile of `transform`.
  const picked = new Int32Array(valueFields.length);
  const values: unknown[] = valueFields.map(() => undefined);

  const pick = (field: CompiledValueField, event: object, config: DestinationConfig): void => {
    picked[field.index] = -1;
    if (field.enabledBy !== undefined && config[field.enabledBy] !== true) return;
    for (const earlier of field.fallbackOf) if (picked[earlier] !== -1) return;
    const { sources } = field;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i] as CompiledSource;
      const raw = source.read(source.fromConfig ? config : event);
      // Absent is absent for every formatter: not calling it spares the ones that validate (email, url).
      if (raw === undefined) continue;
      const value = field.format(raw);
      if (value !== undefined) {
        values[field.index] = value;
        picked[field.index] = i;
        return;
      }
    }
  };

  const copyRest = (field: CompiledRestField, event: object, out: Record<string, unknown>): void => {
    const source = field.read(event);
    if (!isPlainObject(source)) return;
    let used: string[] | undefined;
    for (const c of field.consumers) if (picked[c.field] === c.source) (used ??= []).push(c.child);
    // Fields declared earlier into the same object (properties.__path before properties) keep their values.
    const earlier = readPath(out, field.dest);
    const fresh = !isPlainObject(earlier);
    const rest: Record<string, unknown> = fresh ? {} : earlier;
    let any = false;
    for (const key in source) {
      const value = source[key];
      if (value === undefined || field.except.has(key) || (used !== undefined && used.includes(key)) || (!fresh && Object.hasOwn(rest, key))) continue;
      rest[key] = value;
      any = true;
    }
    if (any && fresh) writePath(out, field.dest, rest);
  };

  return {
    apply(event, config) {
      for (const field of valueFields) pick(field, event, config);
      const out: Record<string, unknown> = {};
      for (const field of order) {
        if (field.kind === 'rest') copyRest(field, event, out);
        else if (picked[field.index] !== -1) {
          writePath(out, field.dest, values[field.index]);
          values[field.index] = undefined; // not kept past this apply
        }
      }
      return out;
    },
  };
}
