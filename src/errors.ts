/**
 * The errors events and settings raise, in the shape of RudderStack's (@rudderstack/integrations-lib): a status and
 * rudder-transformer's stat tags (src/v0/util/tags.js there). The core needs no package for them; the RudderStack
 * entry hands the host its own classes instead (src/entry/rudderstack/host-errors.ts), README "RudderStack".
 */
export interface StatTags {
  errorCategory: string;
  errorType?: string;
}

export class BaseError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly statTags: StatTags,
  ) {
    super(message);
    this.name = 'BaseError';
  }
}

/** The destination's settings are wrong (400; RudderStack counts it as a configuration error). */
export class ConfigurationError extends BaseError {
  constructor(message: string) {
    super(message, 400, { errorCategory: 'dataValidation', errorType: 'configuration' });
    this.name = 'ConfigurationError';
  }
}

/** The event itself is wrong (400; an instrumentation error in RudderStack's terms). */
export class InstrumentationError extends BaseError {
  constructor(message: string) {
    super(message, 400, { errorCategory: 'dataValidation', errorType: 'instrumentation' });
    this.name = 'InstrumentationError';
  }
}
