// A GetSecretValue request from a function, checked before anything is
// looked up. It arrives either as fields (gg_get_secret_value over the
// native channel, where an absent VersionId/VersionStage is the empty
// string) or as the JSON the Python and Node.js SDKs send (their route, the
// Greengrass IPC, comes with those runtimes):
//   {"SecretId": "<name or full ARN>", "VersionId"?: "...", "VersionStage"?: "..."}
// Either way, a malformed request is answered 400 naming what is wrong.

export interface SecretRequest {
  secretId: string;
  /** Absent or '': not asked for. */
  versionId?: string;
  /** Absent or '': AWSCURRENT. */
  versionStage?: string;
}

/** Secrets Manager's limit on SecretId (the C SDK bounds it the same way). */
export const MAX_SECRET_ID = 2048;
/** The C SDK's bound on VersionId and VersionStage (Secrets Manager's own are 64 and 256). */
export const MAX_VERSION_FIELD = 256;
/** A JSON request is a few short strings: anything longer is not one. */
const MAX_REQUEST_JSON = 8 * 1024;

/** What is wrong with `request`, or undefined when it is well formed. */
export function secretRequestProblem(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return 'the request is not an object';
  const r = request as Record<string, unknown>;
  if (typeof r.secretId !== 'string' || r.secretId.length === 0) return 'SecretId is required: the name or the full ARN of a secret';
  if (r.secretId.length > MAX_SECRET_ID) return `SecretId is ${r.secretId.length} characters, more than ${MAX_SECRET_ID}`;
  for (const [field, value] of [['VersionId', r.versionId], ['VersionStage', r.versionStage]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') return `${field} must be a string`;
    if (value.length > MAX_VERSION_FIELD) return `${field} is ${value.length} characters, more than ${MAX_VERSION_FIELD}`;
  }
  return undefined;
}

/** The SDKs' JSON request -> a request, or what is wrong with it. */
export function parseSecretRequestJson(payload: string | Uint8Array): { request: SecretRequest } | { problem: string } {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (text.length > MAX_REQUEST_JSON) return { problem: `the request is ${text.length} characters, more than ${MAX_REQUEST_JSON}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'the request is not JSON: expected {"SecretId": "<name or ARN>", "VersionStage"?: "<label>"}' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { problem: 'the request is not a JSON object: expected {"SecretId": "<name or ARN>", "VersionStage"?: "<label>"}' };
  }
  const obj = json as Record<string, unknown>;
  const unknown = Object.keys(obj).find((key) => !['SecretId', 'VersionId', 'VersionStage'].includes(key));
  if (unknown !== undefined) return { problem: `unknown field ${JSON.stringify(unknown)}: expected SecretId, VersionId, VersionStage` };
  const request: SecretRequest = { secretId: obj.SecretId as string };
  if (obj.VersionId !== undefined) request.versionId = obj.VersionId as string;
  if (obj.VersionStage !== undefined) request.versionStage = obj.VersionStage as string;
  const problem = secretRequestProblem(request);
  return problem === undefined ? { request } : { problem };
}
