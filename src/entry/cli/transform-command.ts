import type { TransformResult } from '../../transform/result.js';
import { createDryRun } from '../library/dry-run.js';
import { configOrExit } from './config-option.js';
import { inputOrExit, readInputGroups } from './input.js';
import { writeOrStop } from './output.js';
import { formatPretty } from './pretty.js';

export interface TransformOptions {
  config?: string;
  input?: string;
  pretty?: boolean;
}

const OUTPUT_CHUNK_CHARS = 64 * 1024;

/**
 * The CLI's line per event: the library result without internal fields. The result is this command's own, so
 * userKey is blanked in place (JSON leaves undefined out) rather than copied around: a rest copy per event showed
 * in the profile.
 */
const outputLine = (result: TransformResult): TransformResult => {
  result.userKey = undefined;
  return result;
};

/**
 * Dry run: one JSON line per input event, in input order; nothing is sent and no state is kept between runs
 * (membership carries across the events of this run only). Stops quietly (exit 0) when the reader of stdout goes
 * away (`| head -1`).
 */
export async function transformCommand(options: TransformOptions): Promise<void> {
  const config = configOrExit(options.config);
  inputOrExit(options.input);
  const destination = await createDryRun(config);
  let index = 0;
  // Lines are written in chunks: one write per line cost more than the transform itself (docs: README, Performance).
  let pending = '';
  let open = true;
  // A read's events in one step: one async step per event cost more than their JSON (docs: README, Performance).
  for await (const items of readInputGroups(options.input)) {
    for (const item of items) {
      const result: TransformResult =
        'value' in item ? await destination.transformEvent(item.value, index, item.storable) : { index, status: 'rejected', reason: item.error };
      pending += options.pretty ? formatPretty('value' in item ? item.value : undefined, result) : `${JSON.stringify(outputLine(result))}\n`;
      index++;
      if (pending.length >= OUTPUT_CHUNK_CHARS) {
        open = await writeOrStop(pending);
        pending = '';
        if (!open) break;
      }
    }
    if (!open) break;
  }
  if (open && pending !== '') await writeOrStop(pending);
  await destination.close();
}
