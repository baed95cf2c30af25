// A runtime's initialization report, PUT /functions/<own ARN>/initialized
// with {"Success": bool, "Response": "<text>"} (greengrass-v1.md §2.2).
// nanolambda's runtimes report a handler that could not be loaded with
// Success false and Lambda's error document as the Response text, e.g.
// {"errorType":"Runtime.ImportModuleError","errorMessage":"Unable to import
// module 'app': No module named 'app'"}: that document is what the waiting
// invocation fails with, as Lambda fails it. A Response that is not a JSON
// object (a connector's free text) is wrapped in Lambda's shape.
import { badRequest } from './ipc-error';

export type InitReport =
  | { success: true }
  /** document: the error document (JSON object) the waiting invocation gets. */
  | { success: false; document: Buffer };

/** An empty body reports success (the older clients send none); throws a 400 IpcError naming what is wrong. */
export function parseInitReport(body: Buffer): InitReport {
  if (body.length === 0) return { success: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('the initialization report is not JSON: expected {"Success": true|false, "Response": "<text>"}');
  }
  if (!isObject(parsed) || typeof parsed.Success !== 'boolean') {
    throw badRequest('the initialization report needs "Success": true or false');
  }
  if (parsed.Success) return { success: true };
  return { success: false, document: errorDocument(responseText(parsed.Response)) };
}

/** The Response as text: a string as it is, any other JSON value as its JSON ('' when absent). */
function responseText(response: unknown): string {
  if (response === undefined || response === null) return '';
  return typeof response === 'string' ? response : JSON.stringify(response);
}

/** `text` when it is a JSON object (the runtime's document, kept byte for byte), else Lambda's shape around it. */
function errorDocument(text: string): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isObject(parsed)) return Buffer.from(text, 'utf8');
  const errorMessage = text === '' ? 'the runtime reported that its initialization failed, without saying why' : text;
  return Buffer.from(JSON.stringify({ errorType: 'Runtime.Unknown', errorMessage }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
