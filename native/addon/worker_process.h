// worker_process.h - the addon's process functions: spawnWorker (posix_spawn
// through native/spawn) and watchExit (a pidfd polled on Node's own loop).
#ifndef NANOLAMBDA_ADDON_WORKER_PROCESS_H
#define NANOLAMBDA_ADDON_WORKER_PROCESS_H

#include <napi.h>

namespace nanolambda {

// Adds spawnWorker and watchExit to exports.
void InitWorkerProcess(Napi::Env env, Napi::Object exports);

}  // namespace nanolambda

#endif
