// The runtime's view of a Greengrass V1 group definition after loading and
// validation (see load-group.ts). Field names follow the Greengrass API;
// units are converted (MemorySize KB -> bytes, Timeout s -> ms).

export type EncodingType = 'json' | 'binary';
export type IsolationMode = 'GreengrassContainer' | 'NoContainer';

export interface FunctionSpec {
  /** FunctionDefinitionVersion Functions[].Id */
  id: string;
  /** The FunctionArn exactly as the group gives it (qualified). */
  arn: string;
  /** arn:aws:lambda:<region>:<account>:function:<name> */
  unqualifiedArn: string;
  name: string;
  region: string;
  accountId: string;
  /** The qualifier of the group's FunctionArn: a version number, an alias or '$LATEST'. */
  qualifier: string;
  /** The version this entry runs: a number as a string, or '$LATEST'. */
  version: string;
  /** Absolute path of the executable to run. */
  executable: string;
  execArgs: string[];
  encoding: EncodingType;
  pinned: boolean;
  timeoutMs: number;
  /** cgroup limit in bytes, undefined for none. */
  memoryBytes: number | undefined;
  isolationMode: IsolationMode;
  /** Environment.Variables of the function. */
  environment: Record<string, string>;
  /** Most workers of this function at once (on-demand). */
  maxInstances: number;
}

export interface SubscriptionSpec {
  id: string;
  /** A function ARN, 'cloud', 'GGShadowService' or a thing ARN. */
  source: string;
  /** MQTT topic filter. */
  subject: string;
  target: string;
}

export interface GroupConfig {
  /** Path of the file it came from ('<built-in>' for the example group). */
  file: string;
  functions: FunctionSpec[];
  subscriptions: SubscriptionSpec[];
  /** alias ARN (arn:...:function:name:alias) -> version ('1', '$LATEST'). */
  aliases: Map<string, string>;
  http: { host: string; port: number } | undefined;
  /** Directory for per-function logs. */
  logDir: string;
}
