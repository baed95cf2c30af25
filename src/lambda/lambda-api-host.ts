// The runtime's side of the Lambda API: the function store
// (<StateDir>/lambda.db) opened only when it exists or at the first
// management request (SQLite costs RSS a gateway without API functions need
// not pay), the package store (<StateDir>/code), and the group the runtime
// runs: the group file's entries plus the stored functions'. The store asks
// it before a function's code or architecture changes whether this machine
// can run that (admit). It removes the packages no version uses any more
// once no worker runs from them (PackageCollector): the runtime says which
// code its workers use and when to look.
import fs from 'node:fs';
import path from 'node:path';
import type { GroupConfig } from '../config/types';
import type { ComponentLog } from '../logs/system-log';
import { architectureProblem } from '../isolation/function-architecture';
import { apiExecutable, apiGroup, unrunnableReason, type ApiIsolation } from './api-group';
import { checkPackageArchitecture, packageDir, PackageError, sweepPackageStore } from './package';
import { FunctionStore, type FunctionCandidate } from './store/function-store';
import { invalidParameter } from './store/lambda-api-error';
import { PackageCollector } from './package-collector';

export interface PackageUse {
  /** Code roots workers run from or may start from: deployed entries' and those of entries still draining. */
  inUse(): Iterable<string>;
  /** Where removals are logged (the system log). */
  log: ComponentLog;
}

export class LambdaApiHost {
  readonly codeDir: string;
  private opened: FunctionStore | undefined;
  private readonly collector: PackageCollector;

  constructor(
    private readonly stateDir: string,
    use: PackageUse,
  ) {
    this.codeDir = path.join(stateDir, 'code');
    this.collector = new PackageCollector({
      codeDir: this.codeDir,
      // Without a function store no version references anything (and none is opened just to say so).
      references: () => (this.exists ? this.store().codeReferences() : []),
      inUse: use.inUse,
      log: use.log,
    });
  }

  /** Whether an earlier run created functions through the API. */
  get exists(): boolean {
    return this.opened !== undefined || fs.existsSync(path.join(this.stateDir, 'lambda.db'));
  }

  store(): FunctionStore {
    if (this.opened === undefined) {
      fs.mkdirSync(this.codeDir, { recursive: true, mode: 0o700 });
      this.opened = new FunctionStore(this.stateDir, { admit: (candidate) => this.admit(candidate) });
    }
    return this.opened;
  }

  /**
   * At start, before any upload can begin and before any worker runs: remove
   * what a crash left in the middle of storing a package, then every package
   * no function version uses.
   */
  async sweep(): Promise<void> {
    if (!fs.existsSync(this.codeDir)) return;
    await sweepPackageStore(this.codeDir);
    await this.collector.collect('start');
  }

  /**
   * Remove the packages no version uses and no worker runs from: after a
   * change through the API, and whenever a replaced entry's workers are gone.
   * Never rejects (a failure is logged).
   */
  collectPackages(): Promise<void> {
    return this.collector.collect('change');
  }

  /** Start no more collections; resolves once a running one has finished (before the store and the log close). */
  stopCollecting(): Promise<void> {
    return this.collector.stop();
  }

  /** The group file's entries and aliases, with the stored functions' added. */
  withApiFunctions(fileGroup: GroupConfig, isolation: ApiIsolation): GroupConfig {
    if (!this.exists) return fileGroup;
    const api = apiGroup(this.store(), this.codeDir, isolation);
    // The group file's functions win: an API function of the same name (created
    // before the file named it) would shadow them in name resolution.
    const fileNames = new Set(fileGroup.functions.map((fn) => fn.name));
    const shadowed = api.functions.filter((fn) => fileNames.has(fn.name));
    for (const name of new Set(shadowed.map((fn) => fn.name))) {
      process.emitWarning(`the Lambda API's function ${name} is not run: the group file defines a function of that name`, { code: 'NANOLAMBDA_API_SHADOWED' });
    }
    return {
      ...fileGroup,
      functions: [...fileGroup.functions, ...api.functions.filter((fn) => !fileNames.has(fn.name))],
      aliases: new Map([...fileGroup.aliases, ...api.aliases]),
    };
  }

  /** Why a stored function named so cannot run, when it is one that cannot. */
  whyNotRunnable(nameOrArn: string, qualifier?: string): string | undefined {
    if (!this.exists) return undefined;
    try {
      return unrunnableReason(this.store().resolve(nameOrArn, qualifier).config, this.codeDir);
    } catch {
      return undefined;
    }
  }

  /**
   * Refuse a function this machine cannot run (a foreign architecture without
   * a qemu-user handler or its SDK) or whose package holds executables for
   * another architecture than its own.
   */
  private admit({ functionName, architecture, codeSha256, runtime, handler, environment }: FunctionCandidate): void {
    const executable = apiExecutable(runtime, handler, this.codeDir, codeSha256);
    const problem = architectureProblem(architecture, { runtime, environment, executable });
    if (problem !== undefined) {
      throw invalidParameter(`Function ${functionName} has Architectures ["${architecture}"], and ${problem}`);
    }
    const dir = packageDir(this.codeDir, codeSha256);
    if (dir === undefined) return; // stored by someone else's hand: it is left out of the group, and invoking says not found
    try {
      checkPackageArchitecture(dir, architecture);
    } catch (error) {
      if (error instanceof PackageError) throw invalidParameter(`Function ${functionName}: ${error.message}`);
      throw error;
    }
  }

  close(): void {
    this.opened?.close();
    this.opened = undefined;
  }
}
