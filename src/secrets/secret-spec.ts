// What the runtime knows about one secret of the group once the config is
// loaded: the resource that names it, and where its value is read from at
// each deployment (the value itself never appears in the group file).

/** Where a secret's value comes from: a file (absolute path) or an environment variable of the runtime. */
export type SecretSource = { file: string } | { env: string };

export interface SecretSpec {
  /** Id of the SecretsManagerSecretResourceData resource. */
  resourceId: string;
  /** The resource's ARN, with its 6-character suffix. */
  arn: string;
  /** The secret's name (from the ARN). */
  name: string;
  /** 'AWSCURRENT' first, then AdditionalStagingLabelsToDownload in order, without repeats. */
  stagingLabels: string[];
  source: SecretSource;
  /**
   * Served as SecretBinary (base64) instead of SecretString. The value is the
   * file's bytes; from an environment variable, base64 text (a variable cannot
   * hold arbitrary bytes).
   */
  binary: boolean;
}

/** Says where a value comes from, for error messages. */
export function describeSource(source: SecretSource): string {
  return 'file' in source ? `file ${source.file}` : `environment variable ${source.env}`;
}
