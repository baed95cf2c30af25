// ResourceDefinitionVersion.Resources[] and the functions' access to them
// (Environment.ResourceAccessPolicies), Greengrass V1's rules:
//
// - Id and Name: 1-128 characters of [a-zA-Z0-9:_-], each unique in the group.
// - ResourceDataContainer holds exactly one of:
//   LocalVolumeResourceData {SourcePath, DestinationPath, GroupOwnerSetting?}
//     SourcePath: absolute, exists here; neither "/" nor resolving to it;
//     not under /sys, /dev (but /dev/shm) or /var; /proc is allowed,
//     read-only, except what reaches a process's root or working directory
//     (/proc/<pid>/root, /proc/<pid>/cwd, and the directories holding them).
//     DestinationPath: absolute, no "..", not "/" and not under what the
//     container provides itself.
//   LocalDeviceResourceData {SourcePath, GroupOwnerSetting?}
//     a character or block device under /dev, mounted at the same path.
//   SecretsManagerSecretResourceData {ARN, AdditionalStagingLabelsToDownload?}
//     ARN: a full secret ARN (src/secrets/secret-arn.ts); no two secret
//     resources may share an ARN or a secret name (functions ask for a
//     secret by either). Labels: at most 20 distinct strings of 1-256
//     characters; AWSCURRENT is always included (naming it is allowed).
//     The value is served by the secrets service (src/secrets/).
//   S3MachineLearningModelResourceData,
//   SageMakerMachineLearningModelResourceData: shape checked loosely and not
//   provided yet (models need a download nanolambda does not do). Policies
//   may name them.
// - GroupOwnerSetting {AutoAddGroupOwner, GroupOwner?}: the group owning
//   SourcePath, or the named group from /etc/group, is added to the
//   supplementary groups of every function with a policy on the resource.
//   The root group (gid 0) needs Nanolambda.Runtime.AllowFunctionsToRunAsRoot,
//   as RunAs Gid 0 does (run-as.ts).
// - Policies: at most 10 per function, {ResourceId, Permission "ro"|"rw"
//   (default "ro")}; volumes and devices need GreengrassContainer mode;
//   secrets are "ro" only, and in any mode (they are read over the SDK).
//   Two device resources of one function naming the same device path give
//   one device, read-write if either policy says "rw".
// Paths reach the C launcher in tab- and newline-separated environment
// variables, so no path may contain a tab, a newline or a NUL.
import fs from 'node:fs';
import path from 'node:path';
import { parseSecretArn, SECRET_ARN_RULE } from '../secrets/secret-arn';
import { describe, Fields, type JsonObject } from './fields';
import { ROOT_OPT_IN } from './run-as';
import type { FunctionSpec, IsolationMode } from './types';

export type LocalResource =
  | { kind: 'volume'; id: string; source: string; destination: string; groupGid: number | undefined }
  | { kind: 'device'; id: string; path: string; groupGid: number | undefined }
  /** stagingLabels: 'AWSCURRENT' first, then AdditionalStagingLabelsToDownload without repeats. */
  | { kind: 'secret'; id: string; arn: string; name: string; stagingLabels: string[] }
  /** Models are accepted so policies may name them; nothing is provided for them yet. */
  | { kind: 'model'; id: string };

/** Resource Id -> resource. */
export type ResourceTable = ReadonlyMap<string, LocalResource>;

/** What one function may access, ready for its FunctionSpec. */
export interface ResourceAccess {
  volumes: FunctionSpec['volumes'];
  devices: FunctionSpec['devices'];
  supplementaryGids: number[];
  /** Ids of the secret resources it may read (sorted). */
  secrets: string[];
}

export const MAX_POLICIES = 10;
export const GROUP_FILE = '/etc/group';
// Same rule as function Ids (function-entry.ts imports this file, so it
// cannot import that constant back without a cycle).
const NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;
const NAME_RULE = '1-128 characters of [a-zA-Z0-9:_-]';
const DATA_KINDS = [
  'LocalVolumeResourceData',
  'LocalDeviceResourceData',
  'SecretsManagerSecretResourceData',
  'S3MachineLearningModelResourceData',
  'SageMakerMachineLearningModelResourceData',
] as const;
/** Mounted by the container itself: a volume there would hide or fight it. */
const CONTAINER_OWN = ['/proc', '/sys', '/dev', '/tmp', '/lambda'];
const PERMISSIONS = ['ro', 'rw'] as const;
/** Secrets Manager's limit of staging labels on one version. */
export const MAX_STAGING_LABELS = 20;
const STAGING_LABEL = /^[^\x00-\x1f\x7f]{1,256}$/;
const GROUP_NAME = /^[^:\s]+$/;

/** Refuse a path that would break the launcher's tab/newline-separated lists. */
export function checkPathCharacters(s: string, p: string, f: Fields): void {
  if (/[\t\n\0]/.test(s)) {
    throw f.error(p, `a path cannot contain a tab, a newline or a NUL character (the launcher receives paths in tab- and newline-separated lists), found ${describe(s)}`);
  }
}

/** `dir` itself or anything below it. */
function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(`${dir}/`);
}

/** The version body {Resources:[...]} (already unwrapped) -> Id -> resource. */
/** `allowRoot`: Nanolambda.Runtime.AllowFunctionsToRunAsRoot (a GroupOwnerSetting may then add gid 0). */
export function parseResources(body: JsonObject, p: string, f: Fields, allowRoot: boolean): Map<string, LocalResource> {
  f.onlyKeys(body, p, ['Resources']);
  const listPath = `${p}.Resources`;
  const resources = new Map<string, LocalResource>();
  const byId = new Map<string, number>();
  const byName = new Map<string, number>();
  const groups = new GroupLookup(allowRoot);
  f.array(body.Resources, listPath).forEach((item, i) => {
    const rp = `${listPath}[${i}]`;
    const obj = f.object(item, rp);
    f.onlyKeys(obj, rp, ['Id', 'Name', 'ResourceDataContainer']);
    const id = f.pattern(obj.Id, `${rp}.Id`, NAME_PATTERN, NAME_RULE);
    unique(id, byId, `${rp}.Id`, 'Id', listPath, f);
    const name = f.pattern(obj.Name, `${rp}.Name`, NAME_PATTERN, NAME_RULE);
    unique(name, byName, `${rp}.Name`, 'Name', listPath, f);
    byId.set(id, i);
    byName.set(name, i);
    resources.set(id, parseData(obj.ResourceDataContainer, `${rp}.ResourceDataContainer`, id, f, groups));
  });
  checkSecretsDistinct([...resources.values()], listPath, f);
  return resources;
}

/**
 * A function asks for a secret by ARN or by name: two resources sharing
 * either would make the answer depend on which one is found first.
 * `all` is in Resources[] order.
 */
function checkSecretsDistinct(all: readonly LocalResource[], listPath: string, f: Fields): void {
  const byArn = new Map<string, number>();
  const byName = new Map<string, number>();
  all.forEach((resource, i) => {
    if (resource.kind !== 'secret') return;
    const p = `${listPath}[${i}].ResourceDataContainer.SecretsManagerSecretResourceData.ARN`;
    const sameArn = byArn.get(resource.arn);
    if (sameArn !== undefined) throw f.error(p, `${listPath}[${sameArn}] names the same secret: one resource per secret`);
    const sameName = byName.get(resource.name);
    if (sameName !== undefined) {
      throw f.error(
        p,
        `${listPath}[${sameName}] names another secret called ${JSON.stringify(resource.name)}: functions ask for secrets by name, so names must differ within a group`,
      );
    }
    byArn.set(resource.arn, i);
    byName.set(resource.name, i);
  });
}

function unique(value: string, seen: ReadonlyMap<string, number>, p: string, what: string, listPath: string, f: Fields): void {
  const earlier = seen.get(value);
  if (earlier !== undefined) throw f.error(p, `duplicate ${what} ${describe(value)}: ${listPath}[${earlier}] has it too`);
}

function parseData(value: unknown, p: string, id: string, f: Fields, groups: GroupLookup): LocalResource {
  const c = f.object(value, p);
  f.onlyKeys(c, p, DATA_KINDS);
  const present = DATA_KINDS.filter((k) => c[k] !== undefined);
  if (present.length !== 1) {
    throw f.error(p, `expected exactly one of ${DATA_KINDS.join(', ')}, found ${present.length === 0 ? 'none' : present.join(' and ')}`);
  }
  const kind = present[0]!;
  const dp = `${p}.${kind}`;
  switch (kind) {
    case 'LocalVolumeResourceData':
      return parseVolume(c[kind], dp, id, f, groups);
    case 'LocalDeviceResourceData':
      return parseDevice(c[kind], dp, id, f, groups);
    case 'SecretsManagerSecretResourceData':
      return parseSecret(c[kind], dp, id, f);
    default:
      f.object(c[kind], dp);
      return { kind: 'model', id };
  }
}

function parseSecret(value: unknown, p: string, id: string, f: Fields): LocalResource {
  const s = f.object(value, p);
  f.onlyKeys(s, p, ['ARN', 'AdditionalStagingLabelsToDownload']);
  const arn = f.string(s.ARN, `${p}.ARN`);
  const parsed = parseSecretArn(arn);
  if (parsed === undefined) throw f.error(`${p}.ARN`, `expected ${SECRET_ARN_RULE}, found ${describe(arn)}`);
  const stagingLabels = ['AWSCURRENT'];
  if (s.AdditionalStagingLabelsToDownload !== undefined) {
    const lp = `${p}.AdditionalStagingLabelsToDownload`;
    const labels = f.array(s.AdditionalStagingLabelsToDownload, lp);
    if (labels.length > MAX_STAGING_LABELS) {
      throw f.error(lp, `expected at most ${MAX_STAGING_LABELS} staging labels (Secrets Manager's limit per version), found ${labels.length}`);
    }
    const seen = new Map<string, number>();
    labels.forEach((item, i) => {
      const label = f.pattern(item, `${lp}[${i}]`, STAGING_LABEL, 'a staging label of 1-256 characters, no control characters');
      const earlier = seen.get(label);
      if (earlier !== undefined) throw f.error(`${lp}[${i}]`, `duplicate label ${describe(label)}: ${lp}[${earlier}] has it too`);
      seen.set(label, i);
      // Always included; naming it too is harmless (the console lists it).
      if (label !== 'AWSCURRENT') stagingLabels.push(label);
    });
  }
  return { kind: 'secret', id, arn, name: parsed.name, stagingLabels };
}

function parseVolume(value: unknown, p: string, id: string, f: Fields, groups: GroupLookup): LocalResource {
  const v = f.object(value, p);
  f.onlyKeys(v, p, ['SourcePath', 'DestinationPath', 'GroupOwnerSetting']);

  const srcPath = `${p}.SourcePath`;
  const source = absolutePath(v.SourcePath, srcPath, f);
  if (source === '/') throw f.error(srcPath, 'the whole file system cannot be a volume: name the directory the function needs');
  checkVolumeSource(source, source, srcPath, f);
  checkProcSource(source, source, srcPath, f);
  const st = statOrFail(source, srcPath, f);
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    throw f.error(srcPath, `${source} is a device: make it a LocalDeviceResourceData resource`);
  }
  // A symlink must not smuggle /sys or /dev in. /var is checked on the path
  // as written only: it is Greengrass's compatibility rule, and systems that
  // keep /home under /var (a symlink) would otherwise lose all of /home.
  const real = fs.realpathSync(source);
  if (real !== source && (isUnder(real, '/sys') || (isUnder(real, '/dev') && !isUnder(real, '/dev/shm')))) {
    checkVolumeSource(real, source, srcPath, f);
  }
  // Nor the whole file system: a symlink to "/", or /proc/self/root.
  if (real === '/') {
    throw f.error(srcPath, `${source} resolves to /, and the whole file system cannot be a volume: name the directory the function needs`);
  }
  // A magic link's target is only what this process sees (/proc/<pid>/root
  // of a process in another mount namespace may read "/"), so every step of
  // the resolution is checked, not just the real path.
  for (const step of resolutionSteps(source)) checkProcSource(step, `${source} resolves through ${step}, which`, srcPath, f);
  if (real !== source) checkProcSource(real, `${source} resolves to ${real}, which`, srcPath, f);

  const dstPath = `${p}.DestinationPath`;
  const rawDestination = f.string(v.DestinationPath, dstPath);
  if (rawDestination.split('/').includes('..')) {
    throw f.error(dstPath, `expected a path without ".." segments, found ${describe(rawDestination)}`);
  }
  const destination = absolutePath(rawDestination, dstPath, f);
  if (destination === '/') throw f.error(dstPath, "the container's root cannot be a volume: mount it at a directory such as /data");
  const own = CONTAINER_OWN.find((dir) => isUnder(destination, dir));
  if (own !== undefined) {
    throw f.error(dstPath, `${destination} is under ${own}, which the container provides itself: choose another DestinationPath`);
  }

  const groupGid = groupOwner(v.GroupOwnerSetting, `${p}.GroupOwnerSetting`, source, st, f, groups);
  return { kind: 'volume', id, source, destination, groupGid };
}

/** `checked` is `source` or what it resolves to; the error names both when they differ. */
function checkVolumeSource(checked: string, source: string, p: string, f: Fields): void {
  const what = checked === source ? source : `${source} resolves to ${checked}, which`;
  if (isUnder(checked, '/sys')) {
    throw f.error(p, `${what} is under /sys: a volume cannot expose /sys (Environment.AccessSysfs shows it read-only)`);
  }
  if (isUnder(checked, '/dev') && !isUnder(checked, '/dev/shm')) {
    throw f.error(p, `${what} is under /dev: devices are LocalDeviceResourceData resources (only /dev/shm may be a volume)`);
  }
  if (isUnder(checked, '/var')) {
    throw f.error(p, `${what} is under /var, which Greengrass does not allow as a volume: bind-mount it elsewhere first (mount --bind ${source} /srv/...) and use that path`);
  }
}

/**
 * /proc/<pid>/root and /proc/<pid>/cwd (also of a thread, /proc/<pid>/task/<tid>/...)
 * are links into that process's view of the file system, followed by the
 * kernel whatever the container's own root is: a volume on one, anything
 * below one, or a directory holding them (/proc, /proc/<pid>, ...) reaches the
 * whole file system of the host or of another function's container.
 * `checked` is SourcePath or a path it resolves through; `what` names it in the error.
 */
function checkProcSource(checked: string, what: string, p: string, f: Fields): void {
  if (!isUnder(checked, '/proc')) return;
  const parts = checked.split('/').slice(2); // the segments after /proc
  const link = parts[1] === 'task' ? parts[3] : parts[1];
  if (link === 'root' || link === 'cwd') {
    throw f.error(
      p,
      `${what} reaches a process's ${link === 'root' ? 'root' : 'working'} directory (/proc/<pid>/${link}), through which a volume would show that process's whole file system: name the directory the function needs`,
    );
  }
  const processDir = (s: string | undefined): boolean => s !== undefined && /^([0-9]+|self|thread-self)$/.test(s);
  const holdsLinks =
    parts.length === 0 ||
    (parts.length === 1 && processDir(parts[0])) ||
    (parts.length <= 3 && parts[1] === 'task' && processDir(parts[0]) && (parts.length === 2 || /^[0-9]+$/.test(parts[2]!)));
  if (holdsLinks) {
    throw f.error(
      p,
      `${what} holds processes' root and cwd links (/proc/<pid>/root, /proc/<pid>/cwd), through which a volume would show their whole file systems: name the /proc files the function needs (like /proc/cpuinfo)`,
    );
  }
}

/**
 * The paths resolving `p` passes through: at each symlink, the path before
 * and after following it, with the rest of `p` appended. Magic links such as
 * /proc/self/root show here though the real path hides them. What cannot be
 * read ends nothing (SourcePath's stat reported real problems); the walk stops
 * after 40 links, as the kernel would.
 */
function resolutionSteps(p: string): string[] {
  const steps: string[] = [];
  let rest = p.split('/').filter((s) => s !== '' && s !== '.');
  let done = '/';
  let links = 0;
  while (rest.length > 0 && links < 40) {
    const name = rest.shift()!;
    if (name === '..') {
      done = path.posix.dirname(done);
      continue;
    }
    const next = path.posix.join(done, name);
    let target: string | undefined;
    try {
      if (fs.lstatSync(next).isSymbolicLink()) target = fs.readlinkSync(next);
    } catch {
      target = undefined;
    }
    if (target === undefined) {
      done = next;
      continue;
    }
    links += 1;
    const followed = path.posix.resolve(done, target);
    steps.push(path.posix.join(next, ...rest), path.posix.join(followed, ...rest));
    rest = [...followed.split('/').filter((s) => s !== ''), ...rest];
    done = '/';
  }
  return steps;
}

function parseDevice(value: unknown, p: string, id: string, f: Fields, groups: GroupLookup): LocalResource {
  const d = f.object(value, p);
  f.onlyKeys(d, p, ['SourcePath', 'GroupOwnerSetting']);
  const srcPath = `${p}.SourcePath`;
  const device = absolutePath(d.SourcePath, srcPath, f);
  if (!isUnder(device, '/dev') || device === '/dev') {
    throw f.error(srcPath, `expected a device under /dev, found ${describe(d.SourcePath)}`);
  }
  const st = statOrFail(device, srcPath, f);
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw f.error(srcPath, `${device} is a ${fileKind(st)}, expected a character or block device`);
  }
  const groupGid = groupOwner(d.GroupOwnerSetting, `${p}.GroupOwnerSetting`, device, st, f, groups);
  return { kind: 'device', id, path: device, groupGid };
}

/** An absolute path, normalized (no "//", "." or trailing "/"). */
function absolutePath(v: unknown, p: string, f: Fields): string {
  const s = f.string(v, p);
  checkPathCharacters(s, p, f);
  if (!path.posix.isAbsolute(s)) throw f.error(p, `expected an absolute path, found ${describe(s)}`);
  const normal = path.posix.normalize(s);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

function statOrFail(file: string, p: string, f: Fields): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw f.error(p, `${file} does not exist on this machine`);
    if (code === 'EACCES') throw f.error(p, `${file} cannot be read: permission denied`);
    throw f.error(p, `${file} cannot be read: ${(err as Error).message}`);
  }
}

function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'regular file';
  if (st.isSocket()) return 'socket';
  if (st.isFIFO()) return 'FIFO';
  return 'special file';
}

/** The gid a GroupOwnerSetting adds, if any. `st` is the stat of SourcePath, `source`. */
function groupOwner(value: unknown, p: string, source: string, st: fs.Stats, f: Fields, groups: GroupLookup): number | undefined {
  if (value === undefined) return undefined;
  const g = f.object(value, p);
  f.onlyKeys(g, p, ['AutoAddGroupOwner', 'GroupOwner']);
  if (g.AutoAddGroupOwner === undefined) {
    throw f.error(`${p}.AutoAddGroupOwner`, 'missing: expected true (add the group owning SourcePath) or false (use GroupOwner, if any)');
  }
  const auto = f.boolean(g.AutoAddGroupOwner, `${p}.AutoAddGroupOwner`);
  // Checked even when AutoAddGroupOwner makes Greengrass ignore it: a
  // malformed value is a typo worth reporting. An empty name means none:
  // nothing else could be meant by it.
  const name = g.GroupOwner === undefined || g.GroupOwner === '' ? undefined : f.pattern(g.GroupOwner, `${p}.GroupOwner`, GROUP_NAME, 'a group name');
  if (auto) {
    if (st.gid === 0 && !groups.allowRoot) {
      throw f.error(
        `${p}.AutoAddGroupOwner`,
        `AutoAddGroupOwner adds the group owning ${source}, the root group (gid 0), to every function with a policy on this resource, which is refused by default: ${ROOT_OPT_IN}, or set AutoAddGroupOwner to false`,
      );
    }
    return st.gid;
  }
  if (name === undefined) return undefined;
  const gid = groups.gidOf(name, `${p}.GroupOwner`, f);
  if (gid === 0 && !groups.allowRoot) {
    throw f.error(
      `${p}.GroupOwner`,
      `GroupOwner ${JSON.stringify(name)} is the root group (gid 0): adding it to every function with a policy on this resource is refused by default: ${ROOT_OPT_IN}`,
    );
  }
  return gid;
}

/** The gid of group `name` in /etc/group's text, undefined when absent. */
export function groupIdOf(name: string, groupFileText: string): number | undefined {
  for (const line of groupFileText.split('\n')) {
    // name:password:gid:members; comments and NIS "+" lines never match a name
    const fields = line.replace(/\r$/, '').split(':');
    if (fields.length >= 3 && fields[0] === name && /^[0-9]+$/.test(fields[2]!)) return Number(fields[2]);
  }
  return undefined;
}

/** Reads /etc/group once per group file, and only if a GroupOwner needs it. */
class GroupLookup {
  private text: string | undefined;

  /** Nanolambda.Runtime.AllowFunctionsToRunAsRoot: gid 0 may be added. */
  constructor(readonly allowRoot: boolean) {}

  gidOf(name: string, p: string, f: Fields): number {
    if (this.text === undefined) {
      try {
        this.text = fs.readFileSync(GROUP_FILE, 'utf8');
      } catch (err) {
        throw f.error(p, `cannot read ${GROUP_FILE} to find group ${JSON.stringify(name)}: ${(err as Error).message}`);
      }
    }
    const gid = groupIdOf(name, this.text);
    if (gid === undefined) {
      throw f.error(p, `no group ${JSON.stringify(name)} in ${GROUP_FILE}: create it (groupadd) or set AutoAddGroupOwner to true`);
    }
    return gid;
  }
}

/**
 * A function's Environment.ResourceAccessPolicies (undefined: none) against
 * the group's resources. `resources` is undefined when the group has no
 * ResourceDefinitionVersion.
 */
export function parseResourcePolicies(
  value: unknown,
  p: string,
  f: Fields,
  resources: ResourceTable | undefined,
  isolationMode: IsolationMode,
): ResourceAccess {
  const access: ResourceAccess = { volumes: [], devices: [], supplementaryGids: [], secrets: [] };
  if (value === undefined) return access;
  const list = f.array(value, p);
  if (list.length > MAX_POLICIES) {
    throw f.error(p, `expected at most ${MAX_POLICIES} resource access policies (Greengrass's limit), found ${list.length}`);
  }
  const seen = new Map<string, number>();
  const destinations = new Map<string, number>();
  const gids = new Set<number>();
  list.forEach((item, i) => {
    const pp = `${p}[${i}]`;
    const obj = f.object(item, pp);
    f.onlyKeys(obj, pp, ['ResourceId', 'Permission']);
    const id = f.string(obj.ResourceId, `${pp}.ResourceId`);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw f.error(`${pp}.ResourceId`, `duplicate ResourceId ${describe(id)}: ${p}[${earlier}] has it too`);
    seen.set(id, i);
    const permission = obj.Permission === undefined ? 'ro' : f.oneOf(obj.Permission, `${pp}.Permission`, PERMISSIONS);
    const resource = resources?.get(id);
    if (resource === undefined) {
      throw f.error(
        `${pp}.ResourceId`,
        resources === undefined
          ? `no resource ${JSON.stringify(id)}: the group has no ResourceDefinitionVersion`
          : `no resource in ResourceDefinitionVersion has the Id ${JSON.stringify(id)}`,
      );
    }
    const readOnly = permission !== 'rw';
    if (resource.kind === 'secret') {
      if (!readOnly) throw f.error(`${pp}.Permission`, 'a secret can only be read: set "ro" (or leave Permission out)');
      access.secrets.push(id);
      return;
    }
    if (resource.kind === 'model') return; // nothing is provided for models yet
    if (isolationMode === 'NoContainer') {
      throw f.error(
        pp,
        `resource ${JSON.stringify(id)} is a local ${resource.kind}: device and volume resources need GreengrassContainer mode, and this function runs NoContainer`,
      );
    }
    if (resource.groupGid !== undefined) gids.add(resource.groupGid);
    if (resource.kind === 'device') {
      // Two resources naming one device: one bind of the node (a second is
      // pointless and may open a serial port twice), read-write if either is.
      const same = access.devices.find((d) => d.path === resource.path);
      if (same === undefined) access.devices.push({ resourceId: id, path: resource.path, readOnly });
      else same.readOnly &&= readOnly;
      return;
    }
    if (!readOnly && isUnder(resource.source, '/proc')) {
      throw f.error(`${pp}.Permission`, `${resource.source} is under /proc, which can only be read: set "ro" (or leave Permission out)`);
    }
    const other = destinations.get(resource.destination);
    if (other !== undefined) {
      throw f.error(
        `${pp}.ResourceId`,
        `resource ${JSON.stringify(id)} mounts at ${resource.destination} like ${p}[${other}]: a function's volumes need distinct DestinationPaths`,
      );
    }
    destinations.set(resource.destination, i);
    access.volumes.push({ resourceId: id, source: resource.source, destination: resource.destination, readOnly });
  });
  access.supplementaryGids = [...gids].sort((a, b) => a - b);
  access.secrets.sort();
  return access;
}
