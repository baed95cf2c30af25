// `nanolambda service install` without the command line: check the inputs,
// write the config skeleton (never over an existing config), create a state
// directory systemd will not create, and write the unit (over an existing
// one only when forced). Nothing is written until every input is checked.
import fs from 'node:fs';
import path from 'node:path';
import { loadGroupFile, parseGroup } from '../config/load-group';
import { NanolambdaError } from '../errors';
import { configSkeleton } from './config-skeleton';
import { DEFAULT_LOG_DIR, renderUnit, stateDirectoryName, UNIT_NAME } from './unit-file';

export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
export const DEFAULT_CONFIG = '/etc/nanolambda/group.json';
export const DEFAULT_STATE_DIR = '/var/lib/nanolambda';
/** Seconds beyond the drain for stopping workers and closing the stores. */
const STOP_MARGIN_S = 25;
/** Nanolambda.Runtime.ShutdownGraceSeconds: its default, and the most it allows. */
const DEFAULT_GRACE_S = 5;
const MAX_GRACE_S = 300;

export interface InstallOptions {
  /** The nanolambda package whose dist/cli/main.js the unit runs. */
  packageDir: string;
  node: string;
  user: string;
  stateDir: string;
  /** --state-dir was on the command line (warn when an existing config overrides it). */
  stateDirGiven: boolean;
  config: string;
  unitDir: string;
  force: boolean;
}

export interface InstallResult {
  unitFile: string;
  /** 'written': the skeleton; 'kept': a config was already there. */
  config: { file: string; action: 'written' | 'kept' };
  /** A state directory the installer created (systemd makes the ones under /var/lib). */
  createdStateDir: string | undefined;
  /** Problems worth saying that do not stop the install. */
  warnings: string[];
}

function invalid(message: string): NanolambdaError {
  return new NanolambdaError('INVALID_PARAMETER', message);
}

/**
 * Characters a path in the unit cannot hold unescaped: whitespace splits
 * ExecStart's arguments, % starts a specifier, $ an environment variable,
 * quotes and backslashes are parsed. Refusing them is simpler than escaping.
 */
function checkUnitPath(value: string, what: string): string {
  if (!path.isAbsolute(value)) throw invalid(`${what} '${value}' must be an absolute path`);
  const bad = /[\s%$"'\\;]/.exec(value);
  if (bad) throw invalid(`${what} '${value}' contains ${JSON.stringify(bad[0])}, which a systemd unit line would misread: choose a path without whitespace, %, $, quotes, backslashes or ';'`);
  return path.normalize(value);
}

/** systemd's own rule for User= names (or a numeric uid). */
function checkUser(user: string): void {
  if (!/^([a-z_][a-z0-9_-]{0,30}\$?|[0-9]+)$/.test(user)) {
    throw invalid(`--user '${user}' is not a valid user name (lowercase letters, digits, '_' and '-', starting with a letter or '_')`);
  }
}

/** What the unit takes from an existing config: its directories and its drain. */
interface ExistingConfig {
  stateDir: string | undefined;
  logDir: string | undefined;
  graceS: number;
}

function readExisting(configFile: string, warnings: string[]): ExistingConfig {
  try {
    const group = loadGroupFile(configFile);
    return { stateDir: group.stateDir, logDir: group.logDir, graceS: Math.ceil(group.shutdownGraceMs / 1000) };
  } catch (err) {
    warnings.push(`the existing ${configFile} does not load (${(err as Error).message}); the unit assumes --state-dir and allows the longest drain, ${MAX_GRACE_S} s`);
    return { stateDir: undefined, logDir: undefined, graceS: MAX_GRACE_S };
  }
}

/** Write `text` to `file` through a temporary file, so a reader never sees half of it. */
function writeWhole(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

export function installService(o: InstallOptions): InstallResult {
  const packageDir = checkUnitPath(o.packageDir, '--prefix');
  const mainJs = path.join(packageDir, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(mainJs)) throw invalid(`--prefix '${packageDir}' is not a built nanolambda package: ${mainJs} does not exist`);
  const node = checkUnitPath(o.node, 'the node binary');
  const config = checkUnitPath(o.config, '--config');
  let stateDir = checkUnitPath(o.stateDir, '--state-dir');
  const unitDir = checkUnitPath(o.unitDir, '--unit-dir');
  checkUser(o.user);
  const warnings: string[] = [];
  if (o.user !== 'root' && o.user !== '0') {
    warnings.push(`User=${o.user}: without root the runtime cannot create containers, cgroup limits or switch to a function's RunAs; functions run without isolation only if Nanolambda.Runtime.AllowIsolationFallback is true`);
  }

  const unitFile = path.join(unitDir, UNIT_NAME);
  if (fs.existsSync(unitFile) && !o.force) {
    throw invalid(`${unitFile} already exists: pass --force to replace it`);
  }
  const configExists = fs.existsSync(config);
  // An existing config is the one `start` will run: its StateDir and drain win over the defaults.
  const existing: ExistingConfig = configExists ? readExisting(config, warnings) : { stateDir: undefined, logDir: undefined, graceS: DEFAULT_GRACE_S };
  if (existing.stateDir !== undefined && existing.stateDir !== stateDir) {
    if (o.stateDirGiven) warnings.push(`--state-dir ${stateDir} ignored: the existing ${config} sets StateDir ${existing.stateDir}`);
    stateDir = checkUnitPath(existing.stateDir, `StateDir of ${config}`);
  }
  const logDir = existing.logDir ?? DEFAULT_LOG_DIR;
  const skeleton = `${JSON.stringify(configSkeleton(stateDir, logDir), null, 2)}\n`;
  // The skeleton must be a group `start` accepts: check it with the same parser before writing.
  if (!configExists) parseGroup(JSON.parse(skeleton), config, path.dirname(config));
  if (!fs.existsSync(unitDir)) throw invalid(`--unit-dir '${unitDir}' does not exist`);

  if (!configExists) {
    fs.mkdirSync(path.dirname(config), { recursive: true, mode: 0o755 });
    writeWhole(config, skeleton, 0o644);
  }
  let createdStateDir: string | undefined;
  if (stateDirectoryName(stateDir) === undefined && !fs.existsSync(stateDir)) {
    // systemd only creates state directories under /var/lib; elsewhere the installer does, private to its owner.
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(stateDir, 0o700);
    createdStateDir = stateDir;
    if (o.user !== 'root' && o.user !== '0') warnings.push(`${stateDir} is owned by root: chown it to ${o.user}`);
  }
  const timeoutStopSec = existing.graceS + STOP_MARGIN_S;
  writeWhole(unitFile, renderUnit({ node, mainJs, config, user: o.user, stateDir, logDir, timeoutStopSec }), 0o644);
  return { unitFile, config: { file: config, action: configExists ? 'kept' : 'written' }, createdStateDir, warnings };
}
