import { createRequire } from 'node:module';
import { BaseError, ConfigurationError, InstrumentationError } from '../../errors.js';

/** The error classes of @rudderstack/integrations-lib that this entry hands to its host. */
interface HostErrorClasses {
  BaseError: new (message: string, status: number, statTags: object) => Error;
  ConfigurationError: new (message: string) => Error;
  InstrumentationError: new (message: string) => Error;
}

let hostClasses: HostErrorClasses | null | undefined;

/**
 * The host's @rudderstack/integrations-lib error classes, loaded at the first error, from its errors folder only (the
 * package's main entry loads SDKs this project does not use). An optional peer: without it (serve, a host that does
 * not check classes) our own errors, which have the same status and statTags, are handed over as they are.
 */
function hostErrorClasses(): HostErrorClasses | null {
  if (hostClasses === undefined) {
    try {
      hostClasses = createRequire(import.meta.url)('@rudderstack/integrations-lib/build/errors/index.js') as HostErrorClasses;
    } catch {
      hostClasses = null;
    }
  }
  return hostClasses;
}

/**
 * An error as the host's class: rudder-transformer turns any error that is not `instanceof` its own BaseError into
 * a generic TransformationError (generateErrorObject in its src/v0/util/index.js), losing status and tags.
 */
export function asHostError(error: unknown): unknown {
  const host = hostErrorClasses();
  if (host === null || !(error instanceof BaseError)) return error;
  if (error instanceof ConfigurationError) return new host.ConfigurationError(error.message);
  if (error instanceof InstrumentationError) return new host.InstrumentationError(error.message);
  return new host.BaseError(error.message, error.status, error.statTags);
}
