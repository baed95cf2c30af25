// Secrets Manager secret ARNs, the form a SecretsManagerSecretResourceData
// resource names its secret by:
//   arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters>
// Secrets Manager appends the 6 random characters to the name when the
// secret is created, so a full ARN always ends in "-" and six of
// [A-Za-z0-9]; the name itself is 1-512 of [A-Za-z0-9/_+=.@-].

export interface SecretArn {
  partition: string;
  region: string;
  accountId: string;
  /** The secret's name, the ARN without its prefix and its "-XXXXXX" suffix. */
  name: string;
}

// The name is greedy, so a name that itself ends in "-abcdef" still leaves
// only the last hyphen and six characters to the suffix.
const SECRET_ARN = /^arn:(aws(?:-[a-z]+)*):secretsmanager:([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})-[A-Za-z0-9]{6}$/;

export const SECRET_ARN_RULE =
  'a secret ARN arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters> ' +
  '(the name of 1-512 of [A-Za-z0-9/_+=.@-], the suffix as Secrets Manager shows it)';

/** The parts of a full secret ARN; undefined when `arn` is not one. */
export function parseSecretArn(arn: string): SecretArn | undefined {
  const m = SECRET_ARN.exec(arn);
  if (m === null) return undefined;
  return { partition: m[1]!, region: m[2]!, accountId: m[3]!, name: m[4]! };
}

/** The ARN without its "-XXXXXX" suffix (what Secrets Manager calls a partial ARN). */
export function partialSecretArn(arn: string): string {
  return arn.slice(0, -7);
}
