import { format } from 'prettier';
import { buildManifest } from '../src/config/manifest.js';

/**
 * rudder-integrations-config formats its JSON with prettier 2 and these options; its CI checks them. Prettier 3
 * (this repository's) prints JSON the same way with them.
 */
const prettierOptions = { parser: 'json', trailingComma: 'all', tabWidth: 2, semi: true, singleQuote: true, printWidth: 100 } as const;
const formatted = (value: unknown): Promise<string> => format(JSON.stringify(value), prettierOptions);

/** The folder a destination's three files take in rudder-integrations-config (src/configurations/destinations/<it>). */
export const rudderstackDir = 'integrations/rudderstack/openpanel';

/** Every generated definition file: repository-relative path -> its exact text. */
export async function definitionFiles(): Promise<Record<string, string>> {
  const manifest = buildManifest();
  return {
    'manifest.json': await formatted(manifest),
    [`${rudderstackDir}/db-config.json`]: await formatted(manifest.dbConfig),
    [`${rudderstackDir}/ui-config.json`]: await formatted(manifest.uiConfig),
    [`${rudderstackDir}/schema.json`]: await formatted(manifest.schema),
  };
}
