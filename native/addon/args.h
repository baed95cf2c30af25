// args.h - argument checks and the errors the addon throws, shared by its
// source files. Every error carries a stable `code`; a check that fails has
// thrown already and its caller only returns.
#ifndef NANOLAMBDA_ADDON_ARGS_H
#define NANOLAMBDA_ADDON_ARGS_H

#include <napi.h>

#include <stdint.h>
#include <string.h>

#include <string>

namespace nanolambda {

inline Napi::Value Throw(Napi::Error err, const char* code) {
  err.Set("code", Napi::String::New(err.Env(), code));
  err.ThrowAsJavaScriptException();
  return err.Env().Undefined();
}
inline Napi::Value TypeErr(Napi::Env env, const std::string& msg) {
  return Throw(Napi::TypeError::New(env, msg), "ERR_INVALID_ARG_TYPE");
}
inline Napi::Value RangeErr(Napi::Env env, const std::string& msg) {
  return Throw(Napi::RangeError::New(env, msg), "ERR_OUT_OF_RANGE");
}
inline Napi::Value SystemErr(Napi::Env env, const std::string& what, int err) {
  return Throw(Napi::Error::New(env, what + ": " + strerror(err)), "ERR_NLW_SYSTEM");
}

// An unsigned 32-bit integer argument within [min, max], or false after throwing.
inline bool U32Arg(Napi::Value v, const char* name, double min, double max, uint32_t* out) {
  if (!v.IsNumber()) return TypeErr(v.Env(), std::string(name) + " must be a number"), false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    RangeErr(v.Env(), std::string(name) + " must be an integer from " + std::to_string(static_cast<uint64_t>(min)) +
                          " to " + std::to_string(static_cast<uint64_t>(max)) + ", got " +
                          v.ToString().Utf8Value());
    return false;
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

}  // namespace nanolambda

#endif
