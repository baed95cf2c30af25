// Reading a secret's value from its source at deployment. Each failure is a
// CONFIG_INVALID error naming the secret, its source and what to do, so a
// deployment never stores half a configuration.
import fs from 'node:fs';
import { NanolambdaError } from '../errors';
import { describeSource, type SecretSpec } from './secret-spec';

/** Secrets Manager's limit on SecretString and SecretBinary. */
export const MAX_SECRET_BYTES = 65_536;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The value's bytes: UTF-8 text for a SecretString, the raw bytes for a SecretBinary. */
export function readSecretValue(spec: SecretSpec, env: NodeJS.ProcessEnv = process.env): Buffer {
  const value = 'file' in spec.source ? readFile(spec, spec.source.file) : fromEnvironment(spec, spec.source.env, env);
  if (value.length > MAX_SECRET_BYTES) {
    throw invalid(spec, `the value is ${value.length} bytes, more than the ${MAX_SECRET_BYTES} Secrets Manager allows`);
  }
  if (!spec.binary && !isUtf8(value)) {
    throw invalid(spec, 'the value is not UTF-8 text, which a SecretString must be: set "Binary": true to serve it as SecretBinary');
  }
  return value;
}

function readFile(spec: SecretSpec, file: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the deployment waiting for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw invalid(spec, 'the file does not exist: create it, or fix FromFile');
    if (code === 'EACCES') throw invalid(spec, 'the file cannot be read: permission denied (nanolambda must be able to read it)');
    throw invalid(spec, `the file cannot be read: ${(error as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw invalid(spec, 'it is not a regular file');
    // Read to the end, not to st.size (the file may change meanwhile), and
    // one byte more than allowed, so a value over the limit is caught.
    const buffer = Buffer.alloc(MAX_SECRET_BYTES + 1);
    let got = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, got, buffer.length - got, null);
      if (n === 0) break;
      got += n;
      if (got === buffer.length) break;
    }
    if (got > MAX_SECRET_BYTES) throw invalid(spec, `the file holds more than the ${MAX_SECRET_BYTES} bytes Secrets Manager allows`);
    return buffer.subarray(0, got);
  } catch (error) {
    if (NanolambdaError.is(error)) throw error;
    throw invalid(spec, `the file cannot be read: ${(error as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

function fromEnvironment(spec: SecretSpec, name: string, env: NodeJS.ProcessEnv): Buffer {
  const text = env[name];
  if (text === undefined) throw invalid(spec, `the variable is not set in nanolambda's environment: set it before deploying`);
  if (!spec.binary) return Buffer.from(text, 'utf8');
  if (!BASE64.test(text)) {
    throw invalid(spec, 'with "Binary": true the variable must hold the value in base64 (A-Z, a-z, 0-9, +, /, padded with =)');
  }
  return Buffer.from(text, 'base64');
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function invalid(spec: SecretSpec, reason: string): NanolambdaError {
  return new NanolambdaError('CONFIG_INVALID', `secret ${JSON.stringify(spec.resourceId)} (${spec.arn}) from ${describeSource(spec.source)}: ${reason}`);
}
