// The groups the cases that time native executables run: one function per
// entry, the C echo example unless another executable is named, binary
// payloads, state and logs in a scratch directory; and the sentence saying
// which identity the functions ran as. (bench/invoke.js starts from the
// example group, bench/paths.js mixes runtimes: theirs are their own.)
'use strict';
const path = require('node:path');
const { parseGroup } = require('../dist/config/load-group.js');
const { root, ECHO } = require('./common.js');

const arnOf = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`;

/**
 * The group JSON. `functions`: [{ name, exe = ECHO, isolation = 'NoContainer',
 * memoryKb?, settings = { MaxInstances: 1 } }]. `asRoot`: RunAs uid 0 gid 0
 * (and allowed); else RunAs is omitted (the default identity). `runtime`:
 * more of Nanolambda.Runtime (MaxConcurrentWorkers).
 */
function functionGroupJson(functions, { dir, timeout, asRoot = false, runtime = {} }) {
  const execution = (f) => ({ IsolationMode: f.isolation ?? 'NoContainer', ...(asRoot ? { RunAs: { Uid: 0, Gid: 0 } } : {}) });
  const config = (f) => ({
    Executable: path.basename(f.exe ?? ECHO),
    EncodingType: 'binary',
    Timeout: timeout,
    Pinned: false,
    ...(f.memoryKb === undefined ? {} : { MemorySize: f.memoryKb }),
    Environment: { Execution: execution(f) },
  });
  return {
    FunctionDefinitionVersion: { Functions: functions.map((f) => ({ Id: f.name, FunctionArn: arnOf(f.name), FunctionConfiguration: config(f) })) },
    Nanolambda: {
      Code: Object.fromEntries(functions.map((f) => [arnOf(f.name), f.exe ?? ECHO])),
      Functions: Object.fromEntries(functions.map((f) => [arnOf(f.name), f.settings ?? { MaxInstances: 1 }])),
      Http: false,
      StateDir: path.join(dir, 'state'),
      LogDir: path.join(dir, 'logs'),
      Runtime: { AllowFunctionsToRunAsRoot: asRoot, ...runtime },
    },
  };
}

/** The same, parsed as the runtime takes it; `what` names it in a config error. */
function functionGroup(functions, options, what) {
  return parseGroup(functionGroupJson(functions, options), what, root);
}

/** Which identity `fn` runs as, and why: the default, or root because the default failed. */
function identityOf(runtime, fn, asRoot) {
  const { uid, gid } = runtime.registry.resolve(fn).fn.runAs;
  return `uid ${uid} gid ${gid}${asRoot ? ' (root: the default identity failed)' : ' (RunAs omitted: the default)'}`;
}

module.exports = { functionGroupJson, functionGroup, identityOf };
