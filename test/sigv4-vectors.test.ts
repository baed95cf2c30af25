// The verifier against AWS's published SigV4 test suite (the "normalize"
// cases of awslabs/aws-c-auth tests/aws-signing-test-suite/v4, the same
// vectors botocore and the SDKs test with), and its refusals one by one.
import { describe, expect, it } from 'vitest';
import { canonicalRequest, indexHeaders } from '../src/api/sigv4/canonical-request';
import { deriveSigningKey, EMPTY_SHA256, signatureOf, stringToSign } from '../src/api/sigv4/signature';
import { signRequest } from '../src/api/sigv4/signer';
import { SigV4Verifier, type SigV4Request } from '../src/api/sigv4/verifier';

const KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SIGNED_AT = Date.UTC(2015, 7, 30, 12, 36, 0);
const SCOPE = `Credential=${KEY}/20150830/us-east-1/service/aws4_request`;

function verifierAt(now: number, service = 'service'): SigV4Verifier {
  return new SigV4Verifier({ secretOf: (id) => (id === KEY ? SECRET : undefined), service, now: () => now });
}

/** A request as the suite writes it: request line, `Name:value` lines (Node trims the value). */
function request(text: string): SigV4Request {
  const [line, ...headerLines] = text.split('\n');
  const [method, ...rest] = line!.split(' ');
  const url = rest.slice(0, -1).join(' ');
  const rawHeaders = headerLines.flatMap((h) => {
    const colon = h.indexOf(':');
    return [h.slice(0, colon), h.slice(colon + 1).trim()];
  });
  return { method, url, rawHeaders };
}

function auth(signedHeaders: string, signature: string): string {
  return `Authorization:AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

const vanilla = (signature: string, head = 'GET /') =>
  request([`${head} HTTP/1.1`, 'Host:example.amazonaws.com', 'X-Amz-Date:20150830T123600Z', auth('host;x-amz-date', signature)].join('\n'));

const GET_VANILLA = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';

describe('AWS SigV4 test suite', () => {
  const cases: Array<[string, SigV4Request, string]> = [
    ['get-vanilla', vanilla(GET_VANILLA), ''],
    ['post-vanilla', vanilla('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b', 'POST /'), ''],
    ['get-vanilla-query-order-key-case', vanilla('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500', 'GET /?Param2=value2&Param1=value1'), ''],
    ['get-vanilla-query-order-encoded', vanilla('371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac', 'GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1'), ''],
    ['get-vanilla-empty-query-key', vanilla('a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb', 'GET /?Param1=value1'), ''],
    ['get-vanilla-utf8-query', vanilla('2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04', 'GET /?\u1234=bar'), ''],
    ['get-utf8', vanilla('8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85', 'GET /\u1234'), ''],
    ['get-space-normalized', vanilla('652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741', 'GET /example space/'), ''],
    ['get-slashes-normalized', vanilla('9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84', 'GET //example//'), ''],
    ['get-relative-relative-normalized', vanilla(GET_VANILLA, 'GET /example1/example2/../..'), ''],
    [
      'get-unreserved',
      vanilla('07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f', 'GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'),
      '',
    ],
    [
      'get-header-value-trim',
      request(
        [
          'GET / HTTP/1.1',
          'Host:example.amazonaws.com',
          'My-Header1: value1',
          'My-Header2: "a   b   c"',
          'X-Amz-Date:20150830T123600Z',
          auth('host;my-header1;my-header2;x-amz-date', 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736'),
        ].join('\n'),
      ),
      '',
    ],
    [
      'get-header-key-duplicate',
      request(
        [
          'GET / HTTP/1.1',
          'Host:example.amazonaws.com',
          'My-Header1:value2',
          'My-Header1:value2',
          'My-Header1:value1',
          'X-Amz-Date:20150830T123600Z',
          auth('host;my-header1;x-amz-date', 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea'),
        ].join('\n'),
      ),
      '',
    ],
    [
      'post-x-www-form-urlencoded',
      request(
        [
          'POST / HTTP/1.1',
          'Content-Type:application/x-www-form-urlencoded',
          'Host:example.amazonaws.com',
          'Content-Length:13',
          'X-Amz-Date:20150830T123600Z',
          'x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
          auth('content-length;content-type;host;x-amz-content-sha256;x-amz-date', 'd3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b'),
        ].join('\n'),
      ),
      'Param1=value1',
    ],
  ];

  it.each(cases)('%s verifies', (_name, req, body) => {
    expect(verifierAt(SIGNED_AT).verify(req, Buffer.from(body))).toEqual({ ok: true, accessKeyId: KEY });
  });

  it.each(cases)('%s with one signature digit changed is refused', (_name, req, body) => {
    const tampered = { ...req, rawHeaders: req.rawHeaders.map((v) => v.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`)) };
    const result = verifierAt(SIGNED_AT).verify(tampered, Buffer.from(body));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(result.error.message).toMatch(/^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\./);
    // What the server signed, for a log: the suite's canonical request.
    expect(result.debug?.stringToSign.split('\n').slice(0, 3)).toEqual(['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request']);
  });

  it('post-x-www-form-urlencoded with another body of the same length is refused by its payload hash', () => {
    const result = verifierAt(SIGNED_AT).verify(cases.at(-1)![1], Buffer.from('Param1=value2'));
    expect(result).toMatchObject({ ok: false, error: { type: 'InvalidSignatureException', message: "The provided 'x-amz-content-sha256' header does not match what was computed." } });
  });
});

describe('refusals', () => {
  const refuse = (req: SigV4Request, now = SIGNED_AT, body = '') => {
    const result = verifierAt(now).verify(req, Buffer.from(body));
    if (result.ok) throw new Error('verified, expected a refusal');
    expect(result.error.status).toBe(403);
    return result.error;
  };
  const withHeaders = (req: SigV4Request, edit: (raw: string[]) => string[]): SigV4Request => ({ ...req, rawHeaders: edit([...req.rawHeaders]) });

  it('no Authorization: MissingAuthenticationTokenException, as Lambda answers unsigned requests', () => {
    const e = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => raw.slice(0, 4)));
    expect(e.type).toBe('MissingAuthenticationTokenException');
    expect(e.message).toMatch(/^Missing Authentication Token \(/);
    const presigned = refuse({ method: 'GET', url: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00', rawHeaders: ['Host', 'x'] });
    expect(presigned.message).toContain('does not accept presigned URLs');
  });

  it('another scheme, missing parameters, a piece without "="', () => {
    const bearer = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => [...raw.slice(0, 4), 'Authorization', 'Bearer abc']));
    expect(bearer).toMatchObject({ type: 'IncompleteSignatureException' });
    expect(bearer.message).toContain("Unsupported Authorization 'Bearer'");
    const partial = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => [raw[0]!, raw[1]!, 'Authorization', `AWS4-HMAC-SHA256 ${SCOPE}`]));
    expect(partial.message).toBe(
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=AWS4-HMAC-SHA256 ${SCOPE}`,
    );
    const noEq = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => [...raw.slice(0, 4), 'Authorization', `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=host;x-amz-date, Signature`]));
    expect(noEq.message).toMatch(/^'Signature' not a valid key=value pair \(missing equal-sign\) in Authorization header/);
  });

  it('credential scope: service, terminator, date', () => {
    const lambda = verifierAt(SIGNED_AT, 'lambda').verify(vanilla(GET_VANILLA), Buffer.alloc(0));
    expect(lambda).toMatchObject({ ok: false, error: { type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'lambda'. " } });
    const scoped = (credential: string) =>
      refuse(withHeaders(vanilla(GET_VANILLA), (raw) => raw.map((v) => v.replace(SCOPE, `Credential=${credential}`))));
    expect(scoped(`${KEY}/20150830/us-east-1/service/aws5_request`).message).toBe(
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
    expect(scoped(`${KEY}/20150831/us-east-1/service/aws4_request`).message).toBe(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
    );
    expect(scoped(`${KEY}/20150830/us-east-1/service`)).toMatchObject({ type: 'IncompleteSignatureException' });
  });

  it('unknown key: UnrecognizedClientException', () => {
    const e = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => raw.map((v) => v.replace(KEY, 'AKIAUNKNOWNUNKNOWN12'))));
    expect(e.type).toBe('UnrecognizedClientException');
    expect(e.message).toMatch(/^The security token included in the request is invalid\. \(access key 'AKIAUNKNOWNUNKNOWN12'/);
  });

  it('signed headers: host required, listed ones present, sorted, every x-amz-* signed', () => {
    const list = (signed: string, extra: string[] = []) =>
      refuse(withHeaders(vanilla(GET_VANILLA), (raw) => [...raw.map((v) => v.replace('SignedHeaders=host;x-amz-date', `SignedHeaders=${signed}`)), ...extra]));
    expect(list('x-amz-date').message).toBe("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    expect(list('host;my-header;x-amz-date').message).toBe("'my-header' is named as a SignedHeader, but it does not exist in the HTTP request.");
    expect(list('x-amz-date;host').message).toContain('must be sorted');
    expect(list('host').message).toBe("'x-amz-date' must be a 'SignedHeader' in the AWS Authorization.");
    const added = list('host;x-amz-date', ['X-Amz-Invocation-Type', 'Event']);
    expect(added).toMatchObject({
      type: 'IncompleteSignatureException',
      message: 'There were headers present in the request which were not signed: x-amz-invocation-type.',
    });
  });

  it('session tokens and unsigned payloads are refused', () => {
    const token = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => [...raw, 'X-Amz-Security-Token', 'abc']));
    // The header is not signed either; signing it does not help: nanolambda issues no tokens.
    expect(token.type).toBe('IncompleteSignatureException');
    const signedToken = refuse(
      withHeaders(vanilla(GET_VANILLA), (raw) => [
        ...raw.map((v) => v.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host;x-amz-date;x-amz-security-token')),
        'X-Amz-Security-Token',
        'abc',
      ]),
    );
    expect(signedToken).toMatchObject({ type: 'UnrecognizedClientException' });
    expect(signedToken.message).toContain('unset AWS_SESSION_TOKEN');
    for (const hash of ['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']) {
      const e = refuse(
        withHeaders(vanilla(GET_VANILLA), (raw) => [
          ...raw.map((v) => v.replace('SignedHeaders=host;x-amz-date', 'SignedHeaders=host;x-amz-content-sha256;x-amz-date')),
          'x-amz-content-sha256',
          hash,
        ]),
      );
      expect(e.type).toBe('IncompleteSignatureException');
      expect(e.message).toContain(`x-amz-content-sha256 '${hash}' is not accepted`);
    }
  });

  it('the clock window is 5 minutes either way, with AWS texts', () => {
    const fiveMinutes = 5 * 60_000;
    expect(verifierAt(SIGNED_AT + fiveMinutes).verify(vanilla(GET_VANILLA), Buffer.alloc(0)).ok).toBe(true);
    expect(verifierAt(SIGNED_AT - fiveMinutes).verify(vanilla(GET_VANILLA), Buffer.alloc(0)).ok).toBe(true);
    const late = refuse(vanilla(GET_VANILLA), SIGNED_AT + 10 * 60_000);
    expect(late).toMatchObject({
      type: 'InvalidSignatureException',
      message: 'Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)',
    });
    const early = refuse(vanilla(GET_VANILLA), SIGNED_AT - 10 * 60_000);
    expect(early.message).toBe('Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z (20150830T122600Z + 5 min.)');
    const badDate = refuse(withHeaders(vanilla(GET_VANILLA), (raw) => raw.map((v) => v.replace('20150830T123600Z', '20150230T123600Z'))));
    expect(badDate.message).toContain("X-Amz-Date must be in ISO-8601 'basic format'");
  });

  it('a Date header may stand for X-Amz-Date (the spec allows it); it must be signed', () => {
    const date = 'Sun, 30 Aug 2015 12:36:00 GMT';
    const raw = ['Host', 'example.amazonaws.com', 'Date', date];
    const canonical = canonicalRequest('GET', '/', '', indexHeaders(raw), ['date', 'host'], EMPTY_SHA256);
    const toSign = stringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', canonical);
    const signature = signatureOf(deriveSigningKey(SECRET, '20150830', 'us-east-1', 'service'), toSign).toString('hex');
    const req = { method: 'GET', url: '/', rawHeaders: [...raw, 'Authorization', `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=date;host, Signature=${signature}`] };
    expect(verifierAt(SIGNED_AT).verify(req, Buffer.alloc(0))).toEqual({ ok: true, accessKeyId: KEY });
    expect(refuse(req, SIGNED_AT + 6 * 60_000).message).toMatch(/^Signature expired: 20150830T123600Z /);
    const unsignedDate = { ...req, rawHeaders: req.rawHeaders.map((v) => v.replace('SignedHeaders=date;host', 'SignedHeaders=host')) };
    expect(refuse(unsignedDate).message).toBe("'date' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('two Authorization headers are ambiguous', () => {
    const req = vanilla(GET_VANILLA);
    const e = refuse(withHeaders(req, (raw) => [...raw, 'authorization', raw[5]!]));
    expect(e.message).toBe('The request has 2 Authorization headers: send one.');
  });
});

describe('signRequest', () => {
  it('reproduces the suite\'s post-x-www-form-urlencoded signature', () => {
    const added = signRequest({
      method: 'POST',
      url: '/',
      host: 'example.amazonaws.com',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': 13 },
      body: Buffer.from('Param1=value1'),
      accessKeyId: KEY,
      secretAccessKey: SECRET,
      service: 'service',
      now: SIGNED_AT,
    });
    expect(added).toEqual({
      'X-Amz-Date': '20150830T123600Z',
      'X-Amz-Content-SHA256': '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
      Authorization:
        `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, ` +
        'Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b',
    });
  });
});
