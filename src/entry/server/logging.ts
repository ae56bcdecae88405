import type { LoggerOptions } from 'pino';
import { secretKeys } from '../../config/schema.js';

/**
 * pino settings for the server: JSON lines with every place a secret could surface censored — credential
 * headers wherever request headers are logged, and the config's secret keys wherever a config is logged.
 */
export function loggerOptions(level = 'info'): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        ...['authorization', '["x-signature"]', '["openpanel-client-secret"]'].flatMap((header) => [`req.headers${header.startsWith("[") ? "" : "."}${header}`, `headers${header.startsWith("[") ? "" : "."}${header}`]),
        ...secretKeys.flatMap((key) => [key, `config.${key}`]),
        // A Redis URL may carry its password.
        'config.store.url',
      ],
      censor: '***',
    },
  };
}
