import type { LoggerOptions } from 'pino';
import { secretKeys } from '../../config/schema.js';
import type { DeliveryObserver } from '../../delivery/deliverer.js';

/**
 * pino settings for the server: JSON lines with every place a secret could surface censored — credential
 * headers wherever request headers are logged, and the config's secret keys wherever a config is logged.
 */
export function loggerOptions(level = 'info'): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        ...['authorization', '["x-signature"]', '["openpanel-client-secret"]'].flatMap((header) => [
          `req.headers${header.startsWith('[') ? '' : '.'}${header}`,
          `headers${header.startsWith('[') ? '' : '.'}${header}`,
        ]),
        ...secretKeys.flatMap((key) => [key, `config.${key}`]),
        // A Redis URL may carry its password.
        'config.store.url',
      ],
      censor: '***',
    },
  };
}

/**
 * One warn line per dead-lettered event (README, serve): its outbox id (what `DELETE /dead-letters/:id` and the
 * console take), messageId and OpenPanel's reason. Requests and their headers are not logged: they carry the secret.
 */
export function deadLetterLog(log: { warn(fields: object, message: string): void }): DeliveryObserver {
  return {
    onFinal({ status, eventId, messageId, reason }) {
      if (status === 'dead_lettered') log.warn({ eventId, ...(messageId === undefined ? {} : { messageId }), reason }, 'event dead-lettered');
    },
  };
}
