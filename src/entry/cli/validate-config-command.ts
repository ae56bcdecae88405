import { redactConfig } from '../../config/load.js';
import { configOrExit } from './config-option.js';

/** Checks --config plus the environment: prints the effective config (secrets masked) or exits 2 with the problems. */
export function validateConfigCommand(options: { config?: string }): number {
  const config = configOrExit(options.config);
  process.stdout.write(`config ok:\n${JSON.stringify(redactConfig(config), null, 2)}\n`);
  return 0;
}
