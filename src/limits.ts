// Limits shared by every way into the runtime (TS API, HTTP, SDK calls).
// Values follow AWS Lambda's documented quotas (shared/spec/lambda-api.md §3).

/** Synchronous (RequestResponse) request and response payloads: 6 MB. */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** Lambda lets a response be 100 bytes over the request limit. */
export const RESPONSE_PAYLOAD_LIMIT = SYNC_PAYLOAD_LIMIT + 100;
/** Asynchronous (Event) payloads: 1 MB, as the current Invoke API allows. */
export const EVENT_PAYLOAD_LIMIT = 1024 * 1024;
/** X-Amz-Client-Context: base64 JSON of at most 3,583 bytes. */
export const CLIENT_CONTEXT_LIMIT = 3583;
/** X-Amz-Log-Result carries the last 4 KB of the invocation's log. */
export const LOG_TAIL_BYTES = 4096;
