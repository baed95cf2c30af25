// The last steps of SigV4, shared by the verifier and the signer: the string
// to sign and the HMAC chain of the signing key.
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: Uint8Array): string {
  return data.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(data).digest('hex');
}

/** `<day>/<region>/<service>/aws4_request` */
export function credentialScope(day: string, region: string, service: string): string {
  return `${day}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  const hash = createHash('sha256').update(Buffer.from(canonicalRequest, 'latin1')).digest('hex');
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${hash}`;
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request") */
export function deriveSigningKey(secret: string, day: string, region: string, service: string): Buffer {
  let key = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

export function signatureOf(signingKey: Buffer, toSign: string): Buffer {
  return createHmac('sha256', signingKey).update(toSign, 'utf8').digest();
}
