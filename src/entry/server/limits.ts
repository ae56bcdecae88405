/** Request and event limits. Segment's tracking API documents 32 KB an event and 500 KB a batch. */
export const KB = 1024;
export const segmentEventBytes = 32 * KB;
export const segmentBatchBytes = 500 * KB;
/** `/v1/import`: bulk loads (backfills through RudderStack's import route) send bigger batches than SDKs do. */
export const importBytes = 4 * KB * KB;
/** Segment's Webhooks (Actions) batches and RudderStack's Webhook destination stay well under this. */
export const webhookBytes = 4 * KB * KB;
/** rudder-server's transformer calls carry whole router batches with their destination configs. */
export const transformerBytes = 16 * KB * KB;
/** Deeper JSON is no real event, and would make recursive walks (validation, hashing) overflow the stack. */
export const maxJsonDepth = 64;

/** Size of an event's JSON text in UTF-8, which is how Segment measures its 32 KB. */
export const jsonBytes = (text: string): number => Buffer.byteLength(text);

export const describeBytes = (bytes: number): string => (bytes >= KB * KB ? `${bytes / KB / KB} MB` : `${bytes / KB} KB`);
