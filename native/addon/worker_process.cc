// worker_process.cc - starting worker processes and learning of their exit,
// without child_process (native/spawn/nls_spawn.h says why).
//
//   spawnWorker(file, argv, envp, shmFd, workerFd)
//     -> { pid, stdoutFd, stderrFd, pidfd }
//   watchExit(pidfd, pid, callback(code | null, signal | null))
//
// A failed spawn throws what child_process reports: code 'ENOENT' (...),
// message "spawn <file> ENOENT". watchExit reaps pid once it exited and
// calls back once, inside a callback scope (nextTicks and microtasks run
// after it, as after any I/O callback); it owns pidfd from then on. The
// pidfd is polled on Node's own libuv loop; with none (-1: kernels before
// 5.3) a timer asks waitpid every kExitPollMs instead.
//
// Nobody else may reap our workers, and nobody does: libuv (1.46 in Node 20)
// answers SIGCHLD by calling waitpid(pid, WNOHANG) for each pid it spawned
// itself (uv__wait_children walks loop->process_handles), never
// waitpid(-1); and nanolambda never sets SIGCHLD to SIG_IGN, which would
// make the kernel reap them.
#include "worker_process.h"

#include <errno.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <utility>
#include <vector>

#include "args.h"
extern "C" {
#include "nls_spawn.h"
}

namespace nanolambda {
namespace {

// Without a pidfd, how often waitpid is asked whether the worker exited.
const uint64_t kExitPollMs = 20;

// One worker being watched. Freed by libuv's close callback.
struct ExitWatch {
  napi_env env;
  union {
    uv_poll_t poll;    // readable pidfd: the worker exited
    uv_timer_t timer;  // no pidfd: ask waitpid now and then
  } uv;
  int pidfd;  // -1 when the timer is the one in use
  pid_t pid;
  bool closing;  // uv_close was called
  Napi::FunctionReference callback;
  napi_async_context context;
  // Holds back the environment's teardown until the handle is closed: the
  // close callback is code in this library, which Node unloads with the
  // environment of a worker thread.
  napi_async_cleanup_hook_handle teardown;
};

// A string argument without NUL bytes (exec would cut it short there), or
// false after throwing.
bool StringArg(Napi::Value v, const std::string& name, std::string* out) {
  if (!v.IsString()) return TypeErr(v.Env(), name + " must be a string"), false;
  *out = v.As<Napi::String>().Utf8Value();
  if (out->find('\0') != std::string::npos) {
    Throw(Napi::TypeError::New(v.Env(), name + " must not contain null bytes"), "ERR_INVALID_ARG_VALUE");
    return false;
  }
  return true;
}

// An array of such strings, or false after throwing.
bool StringsArg(Napi::Value v, const char* name, std::vector<std::string>* out) {
  if (!v.IsArray()) return TypeErr(v.Env(), std::string(name) + " must be an array of strings"), false;
  Napi::Array array = v.As<Napi::Array>();
  out->resize(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    if (!StringArg(array.Get(i), std::string(name) + "[" + std::to_string(i) + "]", &(*out)[i])) return false;
  }
  return true;
}

// The NULL-terminated array exec wants, pointing into strings.
std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Throws the error child_process would: same message, code, errno, syscall and path.
Napi::Value SpawnErr(Napi::Env env, const std::string& file, int err) {
  char name[64];
  uv_err_name_r(-err, name, sizeof name);  // libuv's codes are negated errno values on Unix
  Napi::Error error = Napi::Error::New(env, "spawn " + file + " " + name);
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("syscall", Napi::String::New(env, "spawn " + file));
  error.Set("path", Napi::String::New(env, file));
  return Throw(error, name);
}

Napi::Value SpawnWorker(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string file;
  std::vector<std::string> argv, envp;
  uint32_t shm_fd, worker_fd;
  if (!StringArg(info[0], "file", &file) || !StringsArg(info[1], "argv", &argv) ||
      !StringsArg(info[2], "envp", &envp) || !U32Arg(info[3], "shmFd", 0, INT_MAX, &shm_fd) ||
      !U32Arg(info[4], "workerFd", 0, INT_MAX, &worker_fd))
    return env.Undefined();
  if (argv.empty()) return RangeErr(env, "argv must hold at least argv[0], got an empty array");

  std::vector<char*> c_argv = CStrings(argv), c_envp = CStrings(envp);
  nls_worker worker;
  int err = nls_spawn(file.c_str(), c_argv.data(), c_envp.data(), static_cast<int>(shm_fd),
                      static_cast<int>(worker_fd), &worker);
  if (err != 0) return SpawnErr(env, file, err);
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, worker.pid));
  out.Set("stdoutFd", Napi::Number::New(env, worker.stdout_fd));
  out.Set("stderrFd", Napi::Number::New(env, worker.stderr_fd));
  out.Set("pidfd", Napi::Number::New(env, worker.pidfd));
  return out;
}

// libuv is done with the handle: the environment may end now.
void OnClosed(uv_handle_t* handle) {
  ExitWatch* w = static_cast<ExitWatch*>(handle->data);
  napi_async_cleanup_hook_handle teardown = w->teardown;
  delete w;
  napi_remove_async_cleanup_hook(teardown);
}

// Closes the handle (libuv frees the watch later) and the pidfd. The
// callback reference must be gone by the time the close callback runs.
void CloseWatch(ExitWatch* w) {
  uv_handle_t* handle = w->pidfd >= 0 ? reinterpret_cast<uv_handle_t*>(&w->uv.poll)
                                      : reinterpret_cast<uv_handle_t*>(&w->uv.timer);
  w->closing = true;
  uv_close(handle, OnClosed);  // stops it first, so the pidfd can go now
  if (w->pidfd >= 0) close(w->pidfd);
}

// The environment ends (process exit, a worker thread stopping) with the
// worker still running: let go quietly. Node waits for OnClosed.
void OnEnvTeardown(napi_async_cleanup_hook_handle, void* arg) {
  ExitWatch* w = static_cast<ExitWatch*>(arg);
  if (w->closing) return;  // the worker exited just before: OnClosed is on its way
  w->callback.Reset();
  napi_async_destroy(w->env, w->context);
  CloseWatch(w);
}

void CheckExit(ExitWatch* w) {
  int status = 0;
  pid_t got;
  do {
    got = waitpid(w->pid, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got == 0) return;  // still running: a timer tick came first
  // got < 0 (ECHILD) would mean someone else reaped it: report an exit
  // without a code rather than watch forever.
  bool reaped = got == w->pid;

  Napi::Env env(w->env);
  Napi::FunctionReference callback = std::move(w->callback);
  napi_async_context context = w->context;
  CloseWatch(w);  // w belongs to libuv from here on

  Napi::HandleScope scope(env);
  napi_value args[2] = {
      reaped && WIFEXITED(status) ? Napi::Number::New(env, WEXITSTATUS(status)) : env.Null(),
      reaped && WIFSIGNALED(status) ? Napi::Number::New(env, WTERMSIG(status)) : env.Null(),
  };
  // Plain Node-API: node-addon-api's MakeCallback aborts the process when
  // the environment is stopping (a worker thread that called process.exit
  // in an earlier callback of this loop turn) and cannot run JS any more.
  napi_value result;
  if (napi_make_callback(env, context, env.Global(), callback.Value(), 2, args, &result) != napi_ok) {
    // Thrown by the callback: uncaught, as from any other event.
    bool pending = false;
    napi_value error;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
      napi_fatal_exception(env, error);
  }
  napi_async_destroy(env, context);
}

void OnPidfdReadable(uv_poll_t* handle, int, int) { CheckExit(static_cast<ExitWatch*>(handle->data)); }

void OnPollTick(uv_timer_t* handle) { CheckExit(static_cast<ExitWatch*>(handle->data)); }

Napi::Value WatchExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t pidfd = 0, pid;
  bool no_pidfd = info[0].IsNumber() && info[0].As<Napi::Number>().DoubleValue() == -1;
  if ((!no_pidfd && !U32Arg(info[0], "pidfd", 0, INT_MAX, &pidfd)) || !U32Arg(info[1], "pid", 1, INT_MAX, &pid))
    return env.Undefined();
  if (!info[2].IsFunction()) return TypeErr(env, "callback must be a function");
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    return Throw(Napi::Error::New(env, "cannot reach the event loop to watch worker " + std::to_string(pid)),
                 "ERR_NLW_SYSTEM");
  }

  ExitWatch* w = new ExitWatch();
  w->env = env;
  w->pid = static_cast<pid_t>(pid);
  w->pidfd = no_pidfd ? -1 : static_cast<int>(pidfd);
  w->callback = Napi::Persistent(info[2].As<Napi::Function>());
  napi_async_init(env, nullptr, Napi::String::New(env, "nanolambda.workerExit"), &w->context);
  // Ref'd like a ChildProcess: a running worker keeps the loop alive.
  if (w->pidfd >= 0 && uv_poll_init(loop, &w->uv.poll, w->pidfd) == 0) {
    w->uv.poll.data = w;
    uv_poll_start(&w->uv.poll, UV_READABLE, OnPidfdReadable);
  } else {
    if (w->pidfd >= 0) close(w->pidfd);
    w->pidfd = -1;
    uv_timer_init(loop, &w->uv.timer);
    w->uv.timer.data = w;
    uv_timer_start(&w->uv.timer, OnPollTick, kExitPollMs, kExitPollMs);
  }
  napi_add_async_cleanup_hook(env, OnEnvTeardown, w, &w->teardown);
  return env.Undefined();
}

}  // namespace

void InitWorkerProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnWorker", Napi::Function::New(env, SpawnWorker, "spawnWorker"));
  exports.Set("watchExit", Napi::Function::New(env, WatchExit, "watchExit"));
}

}  // namespace nanolambda
