/**
 * RudderStack's error classes (InstrumentationError for bad events, ConfigurationError for bad config, ...),
 * imported from the package's errors folder: its main entry also loads SDKs and network helpers this
 * project does not use, which costs about half a second at every CLI start.
 */
export { BaseError, ConfigurationError, InstrumentationError } from '@rudderstack/integrations-lib/build/errors/index.js';
