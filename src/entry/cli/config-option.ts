import { ConfigurationError } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import type { DestinationConfig } from '../../config/schema.js';

/** Exit code for a bad config or bad usage (README "Exit codes"). */
export const EXIT_CONFIG = 2;

/** Loads --config plus the OPENPANEL_DESTINATION_* environment; on a bad config prints one line per problem and exits 2. */
export function configOrExit(file: string | undefined): DestinationConfig {
  try {
    return loadConfig({ file });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(
      `invalid config${file ? ` (${file} and OPENPANEL_DESTINATION_* environment)` : ' (OPENPANEL_DESTINATION_* environment; or pass --config FILE)'}:\n`,
    );
    for (const line of error.message.split('\n')) process.stderr.write(`  ${line}\n`);
    process.exit(EXIT_CONFIG);
  }
}
