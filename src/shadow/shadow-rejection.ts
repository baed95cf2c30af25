// A refused shadow request and the error document that answers it.
//
// The codes and the leading text of each message are AWS IoT Device Shadow's
// (device-shadow-error-messages), so callers written against AWS IoT or
// Greengrass recognise them; where AWS's text alone would not tell the
// caller which part of the input is at fault, a detail follows it in
// parentheses.

/** The HTTP-like codes the shadow service answers with. */
export type ShadowErrorCode = 400 | 403 | 404 | 409 | 413 | 415 | 500;

/** AWS IoT's texts, shared by the code that refuses and the tests that check. */
export const SHADOW_MESSAGES = {
  invalidJson: 'Payload contains invalid json',
  missingState: 'Missing required node: state',
  stateNotObject: 'State node must be an object',
  desiredNotObject: 'Desired node must be an object',
  reportedNotObject: 'Reported node must be an object',
  invalidVersion: 'Invalid version',
  invalidClientToken: 'Invalid clientToken',
  tooDeep: 'JSON contains too many levels of nesting; maximum is 6',
  invalidNode: 'State contains an invalid node',
  invalidThingName: 'Invalid thing name',
  versionConflict: 'Version conflict',
  tooLarge: 'The payload exceeds the maximum size allowed',
  notUtf8: 'Unsupported documented encoding; supported encoding is UTF-8',
  internal: 'Internal service failure',
} as const;

/** Thrown inside the service to refuse a request; never escapes ShadowService. */
export class ShadowRejection extends Error {
  readonly code: ShadowErrorCode;

  constructor(code: ShadowErrorCode, message: string) {
    super(message);
    this.name = 'ShadowRejection';
    this.code = code;
  }
}

/** The 404 for a thing with no shadow; AWS quotes the name. */
export function noShadow(thingName: string): ShadowRejection {
  return new ShadowRejection(404, `No shadow exists with name: '${thingName}'`);
}

/** `{"code","message","timestamp","clientToken"?}` as AWS IoT publishes on /rejected. */
export function errorDocument(rejection: ShadowRejection, timestamp: number, clientToken: string | undefined): Buffer {
  const document: Record<string, unknown> = { code: rejection.code, message: rejection.message, timestamp };
  if (clientToken !== undefined) document.clientToken = clientToken;
  return Buffer.from(JSON.stringify(document));
}

/** A value from the input shown in a message, cut short so a hostile input cannot bloat the answer. */
export function shortForm(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}...` : value;
}
