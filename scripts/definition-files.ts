import { createRequire } from 'node:module';
import { buildManifest } from '../src/config/manifest.js';

/** rudder-integrations-config formats its JSON with prettier 2 and these options; its CI checks them. */
const prettier = createRequire(import.meta.url)('prettier') as { format(text: string, options: object): string };
const prettierOptions = { parser: 'json', trailingComma: 'all', tabWidth: 2, semi: true, singleQuote: true, printWidth: 100 };
const formatted = (value: unknown): string => prettier.format(JSON.stringify(value), prettierOptions);

/** The folder a destination's three files take in rudder-integrations-config (src/configurations/destinations/<it>). */
export const rudderstackDir = 'integrations/rudderstack/openpanel';

/** Every generated definition file: repository-relative path -> its exact text. */
export function definitionFiles(): Record<string, string> {
  const manifest = buildManifest();
  return {
    'manifest.json': formatted(manifest),
    [`${rudderstackDir}/db-config.json`]: formatted(manifest.dbConfig),
    [`${rudderstackDir}/ui-config.json`]: formatted(manifest.uiConfig),
    [`${rudderstackDir}/schema.json`]: formatted(manifest.schema),
  };
}
