// The two answers a function can get to GetSecretValue, in the shapes the
// Greengrass SDKs parse (greengrass-v1.md §9):
//   success  {"ARN","Name","VersionId","SecretString"|"SecretBinary","VersionStages","CreatedDate"}
//            (SecretBinary is base64 text; CreatedDate is epoch milliseconds)
//   error    {"Status": <HTTP status>, "Message": "..."}

export interface SecretReply {
  ok: boolean;
  /** JSON text. */
  body: string;
}

export interface SecretVersion {
  arn: string;
  name: string;
  versionId: string;
  binary: boolean;
  stagingLabels: readonly string[];
  createdMs: number;
}

export function secretValueReply(version: SecretVersion, value: Buffer): SecretReply {
  const body: Record<string, unknown> = { ARN: version.arn, Name: version.name, VersionId: version.versionId };
  if (version.binary) body.SecretBinary = value.toString('base64');
  else body.SecretString = value.toString('utf8');
  body.VersionStages = [...version.stagingLabels];
  body.CreatedDate = version.createdMs;
  return { ok: true, body: JSON.stringify(body) };
}

/** 400 malformed request, 401 not affiliated, 404 no such secret or version, 500 the store cannot serve it, 503 stopped. */
export function secretErrorReply(status: 400 | 401 | 404 | 500 | 503, message: string): SecretReply {
  return { ok: false, body: JSON.stringify({ Status: status, Message: message }) };
}
