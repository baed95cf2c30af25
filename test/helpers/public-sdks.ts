// The public Greengrass SDKs that functions bundle, fetched for tests and
// never committed: the npm aws-greengrass-core-sdk (npm pack, cached under
// test/.tmp), and the Python greengrasssdk from a checkout named by
// NANOLAMBDA_PUBLIC_SDK_PYTHON (PyPI is not reachable from CI). Each gives
// the directory to copy into a function's code, or why it cannot.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './sdk';

export const NODE_SDK_VERSION = '1.7.0';

/** The unpacked npm package (a directory holding index.js), fetched once. */
export function publicNodeSdk(): { dir: string } | { missing: string } {
  const dir = path.join(repoRoot, 'test', '.tmp', `npm-aws-greengrass-core-sdk-${NODE_SDK_VERSION}`);
  const unpacked = path.join(dir, 'package');
  if (fs.existsSync(path.join(unpacked, 'index.js'))) return { dir: unpacked };
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tarball = execFileSync('npm', ['pack', `aws-greengrass-core-sdk@${NODE_SDK_VERSION}`, '--pack-destination', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', path.join(dir, tarball), '-C', dir]);
    return { dir: unpacked };
  } catch (error) {
    const npmSaid = String((error as { stderr?: unknown }).stderr ?? '').split('\n').find((line) => /^npm (error|ERR!)/.test(line));
    return { missing: `npm pack aws-greengrass-core-sdk@${NODE_SDK_VERSION} failed: ${npmSaid ?? (error as Error).message.split('\n')[0]}` };
  }
}

/** The greengrasssdk package directory of a checkout of aws/aws-greengrass-core-sdk-python. */
export function publicPythonSdk(): { dir: string } | { missing: string } {
  const checkout = process.env.NANOLAMBDA_PUBLIC_SDK_PYTHON;
  if (!checkout) return { missing: 'NANOLAMBDA_PUBLIC_SDK_PYTHON is not set (point it at a checkout of aws/aws-greengrass-core-sdk-python)' };
  const dir = path.join(checkout, 'greengrasssdk');
  if (!fs.existsSync(path.join(dir, '__init__.py'))) return { missing: `no greengrasssdk/__init__.py under ${checkout}` };
  return { dir };
}
