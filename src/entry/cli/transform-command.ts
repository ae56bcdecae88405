import { once } from 'node:events';
import type { TransformResult } from '../../transform/result.js';
import { createDryRun } from '../library/dry-run.js';
import { configOrExit } from './config-option.js';
import { readInput } from './input.js';
import { printPretty } from './pretty.js';

export interface TransformOptions {
  config?: string;
  input?: string;
  pretty?: boolean;
}

/** The CLI's line per event: the library result without internal fields. */
const outputLine = ({ userKey: _, ...line }: TransformResult): TransformResult => line;

/**
 * Dry run: one JSON line per input event, in input order; nothing is sent and no state is kept between runs
 * (membership carries across the events of this run only).
 */
export async function transformCommand(options: TransformOptions): Promise<void> {
  const config = configOrExit(options.config);
  const destination = createDryRun(config);
  let index = 0;
  for await (const item of readInput(options.input)) {
    const result: TransformResult =
      'value' in item ? await destination.transformEvent(item.value, index) : { index, status: 'rejected', reason: item.error };
    if (options.pretty) printPretty('value' in item ? item.value : undefined, result);
    // Waits when stdout is a slow pipe, so a large input is never buffered whole.
    else if (!process.stdout.write(`${JSON.stringify(outputLine(result))}\n`)) await once(process.stdout, 'drain');
    index++;
  }
  await destination.close();
}
