// Running Debian's AWS CLI v2 in tests, with the machine's own AWS config
// and credentials kept out.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCredentials } from '../../src/system/credentials';

// Debian's awscli v2; the `aws` first on PATH may be an old pip-installed v1.
export const AWS = '/usr/bin/aws';
/** Why the AWS CLI tests skip, or undefined. */
export const awsMissing = fs.existsSync(AWS) ? undefined : `${AWS} not found (install it with \`apt-get install -y awscli\`)`;

export const awsScratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-aws-'));

export interface CliKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Sent as AWS_SESSION_TOKEN (the gateway refuses temporary credentials). */
  sessionToken?: string;
}

/** The CLI's environment, signing with `key` (a runtime's own: loadCredentials(stateDir).keys[0]). */
export function awsEnv(key: CliKey): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: path.join(awsScratch, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(awsScratch, 'no-credentials'),
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  if (key.sessionToken !== undefined) env.AWS_SESSION_TOKEN = key.sessionToken;
  return env;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The AWS CLI signing with the keys in a runtime's state directory, or with the key given. */
export function aws(args: string[], keys: string | CliKey): Promise<CliRun> {
  const key = typeof keys === 'string' ? loadCredentials(keys)?.keys[0] : keys;
  if (key === undefined) throw new Error(`no access keys in ${String(keys)}: did the runtime start its endpoint?`);
  const env = awsEnv(key);
  return new Promise((resolve, reject) => {
    const child = spawn(AWS, args, { env, cwd: awsScratch });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
