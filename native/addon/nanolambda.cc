// nanolambda.cc - Node-API glue over native/wire: the NativeBinding surface
// declared in src/native/binding.ts. No policy lives here (scheduling,
// timeouts and retries are TypeScript); this file checks arguments, maps
// the region, moves bytes and learns the host spin budget. Starting and
// watching worker processes is worker_process.cc.
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "args.h"
#include "nlw_channel.h"
#include "worker_process.h"

namespace {

using nanolambda::RangeErr;
using nanolambda::SystemErr;
using nanolambda::Throw;
using nanolambda::TypeErr;
using nanolambda::U32Arg;

// Host spin budget bounds, learned from the handler's run time. The floor
// covers the round trip through the rings (about 1 us with a spinning
// worker) with room to spare: a miss costs a doorbell and a wakeup (~50 us
// on these VMs), so a few microseconds of spinning is cheap insurance.
// Above 30 us a doorbell through the event loop is cheaper than the CPU.
const uint64_t kSpinMinNs = 5000;
const uint64_t kSpinMaxNs = 30000;
// Spin after waking a sleeping worker: one cross-core wakeup and a little.
const uint64_t kWakeSpinNs = 80000;
// Peeks between clock reads while spinning (a clock read costs ~20 ns).
const int kSpinPeeksPerClock = 16;
// A worker can make arm() report "arrived" with pads only; bound the retries.
const int kMaxArmRetries = 64;

// Brands our externals so a foreign object is never taken for a channel.
const napi_type_tag kChannelTag = {0x6e616e6f6c616d62ull, 0x64616368616e6e6cull};

struct Channel {
  nlw_channel ch;
  bool open;
  nlw_spin_budget spin;
  uint32_t last_submit_id;  // the newest submit, for learning the budget
  uint32_t woke_id;         // the submit that had to wake the worker, or 0
};

struct AddonData {
  Napi::Reference<Napi::Buffer<uint8_t>> empty;  // shared for empty payloads
};

Napi::Value CorruptErr(Napi::Env env, const char* ring) {
  return Throw(Napi::Error::New(env, std::string("the worker wrote an impossible record or position in the ") +
                                         ring + " ring; stop this worker"),
               "ERR_NLW_CORRUPT");
}

// The channel behind info[0], or nullptr after throwing.
Channel* ChannelArg(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsExternal() || !v.As<Napi::External<Channel>>().CheckTypeTag(&kChannelTag)) {
    TypeErr(info.Env(), "handle must be a channel handle returned by channelOpen");
    return nullptr;
  }
  Channel* c = v.As<Napi::External<Channel>>().Data();
  if (!c->open) {
    Throw(Napi::Error::New(info.Env(), "the channel is closed"), "ERR_NLW_CLOSED");
    return nullptr;
  }
  return c;
}

bool IsTypedArrayOf(Napi::Value v, napi_typedarray_type type, size_t min_length) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type &&
         v.As<Napi::TypedArray>().ElementLength() >= min_length;
}

void CloseChannel(Channel* c) {
  if (c->open) nlw_channel_detach(&c->ch);
  c->open = false;
}

Napi::Value ChannelOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t ring_bytes;
  if (!U32Arg(info[0], "ringBytes", NLW_MIN_RING_BYTES, NLW_MAX_RING_BYTES, &ring_bytes)) return env.Undefined();
  if ((ring_bytes & (ring_bytes - 1)) != 0)
    return RangeErr(env, "ringBytes must be a power of two, got " + std::to_string(ring_bytes));

  Channel* c = new Channel();
  int shm_fd, fds[2];
  if (nlw_channel_create(&c->ch, ring_bytes, &shm_fd) != NLW_OK) {
    int err = errno;
    delete c;
    return SystemErr(env, "cannot create the shared memory region", err);
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0 ||
      fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) != 0) {
    int err = errno;
    nlw_channel_detach(&c->ch);
    close(shm_fd);
    delete c;
    return SystemErr(env, "cannot create the worker socket pair", err);
  }
  c->open = true;
  nlw_spin_budget_init(&c->spin, kSpinMinNs, kSpinMaxNs);

  auto handle = Napi::External<Channel>::New(env, c, [](Napi::Env, Channel* ch) {
    CloseChannel(ch);
    delete ch;
  });
  handle.TypeTag(&kChannelTag);
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", handle);
  out.Set("shmFd", Napi::Number::New(env, shm_fd));
  out.Set("hostFd", Napi::Number::New(env, fds[0]));
  out.Set("workerFd", Napi::Number::New(env, fds[1]));
  return out;
}

Napi::Value ChannelSubmit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Channel* c = ChannelArg(info);
  if (c == nullptr) return env.Undefined();
  uint32_t id;
  if (!U32Arg(info[1], "id", 1, 4294967295.0, &id)) return env.Undefined();
  if (!IsTypedArrayOf(info[2], napi_uint8_array, 0)) return TypeErr(env, "payload must be a Uint8Array or Buffer");
  Napi::Uint8Array payload = info[2].As<Napi::Uint8Array>();
  const uint8_t* ctx = nullptr;
  size_t ctx_len = 0;
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    if (!IsTypedArrayOf(info[3], napi_uint8_array, 0))
      return TypeErr(env, "clientContext must be a Uint8Array, Buffer or null");
    Napi::Uint8Array context = info[3].As<Napi::Uint8Array>();
    ctx = context.Data();
    ctx_len = context.ByteLength();
    if (ctx_len > NLW_MAX_CONTEXT_BYTES)
      return RangeErr(env, "clientContext of " + std::to_string(ctx_len) + " bytes exceeds the limit of " +
                               std::to_string(NLW_MAX_CONTEXT_BYTES) + " bytes");
  }
  size_t limit = NLW_MAX_RECORD_BYTES(c->ch.ring_bytes) - NLW_RECORD_HEADER_BYTES - ctx_len;
  if (payload.ByteLength() > limit)
    return RangeErr(env, "payload of " + std::to_string(payload.ByteLength()) +
                             " bytes exceeds the channel limit of " + std::to_string(limit) + " bytes");

  nlw_ring_ctl* ring = &c->ch.hdr->request;
  nlw_record* rec;
  uint32_t size;
  int rc = nlw_ring_reserve(ring, c->ch.request_data, c->ch.ring_bytes, static_cast<uint32_t>(ctx_len),
                            static_cast<uint32_t>(payload.ByteLength()), &rec, &size);
  if (rc == NLW_E_AGAIN) return Napi::Boolean::New(env, false);
  if (rc != NLW_OK) return CorruptErr(env, "request");
  rec->kind = NLW_REC_INVOKE;
  rec->id = id;
  if (ctx_len > 0) memcpy(nlw_record_ctx_mut(rec), ctx, ctx_len);
  // Our own ctx_len and size, never the shared header: the worker can rewrite it.
  if (payload.ByteLength() > 0)
    memcpy(nlw_record_payload_mut(rec, static_cast<uint32_t>(ctx_len)), payload.Data(), payload.ByteLength());
  c->last_submit_id = id;
  c->woke_id = 0;
  if (nlw_ring_publish(ring, size)) {
    c->woke_id = id;
    nlw_futex_wake_armed(ring);
  }
  return Napi::Boolean::New(env, true);
}

struct Span {
  uint8_t* data;
  size_t len;
};

// Moves one result out of the ring: into `into` when it fits (returns the
// length), else into a new Buffer; undefined if none. meta gets [id, status]
// and, when it has a third element, the handler's run time in ns.
Napi::Value TakeOne(Napi::Env env, Channel* c, uint32_t* meta, size_t meta_len, const Span* into, bool* corrupt) {
  nlw_ring_ctl* ring = &c->ch.hdr->result;
  const nlw_record* rec;
  nlw_record hdr;  // validated copy: the worker may rewrite the shared one
  int rc = nlw_ring_peek_copy(ring, c->ch.result_data, c->ch.ring_bytes, &hdr, &rec);
  if (rc == NLW_E_AGAIN) return Napi::Value();
  if (rc != NLW_OK || hdr.kind != NLW_REC_RESULT) {
    *corrupt = true;
    return Napi::Value();
  }
  Napi::Value out;
  const uint8_t* payload = nlw_record_payload(rec, hdr.ctx_len);
  if (hdr.payload_len == 0) {
    out = env.GetInstanceData<AddonData>()->empty.Value();
  } else if (into != nullptr && hdr.payload_len <= into->len) {
    // Small results go into a Buffer JS took from Node's pool: far cheaper
    // than a Buffer of its own. The caller learns the length from the number.
    memcpy(into->data, payload, hdr.payload_len);
    out = Napi::Number::New(env, hdr.payload_len);
  } else {
    out = Napi::Buffer<uint8_t>::Copy(env, payload, hdr.payload_len);
  }
  meta[0] = hdr.id;
  meta[1] = hdr.status;
  if (meta_len > 2) meta[2] = hdr.duration_ns;
  nlw_ring_consume_bytes(ring, hdr.size);
  // Learn from the handler's own run time, not from how long we waited:
  // once we stop spinning, waits include a wakeup (~50 µs here) and the
  // budget would never come back.
  if (hdr.id == c->last_submit_id) {
    nlw_spin_budget_observe(&c->spin, hdr.duration_ns);
    c->last_submit_id = 0;
  }
  return out;
}

Napi::Value ChannelTake(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Channel* c = ChannelArg(info);
  if (c == nullptr) return env.Undefined();
  if (!IsTypedArrayOf(info[1], napi_uint32_array, 2))
    return TypeErr(env, "meta must be a Uint32Array of at least 2 elements");
  if (!info[2].IsBoolean()) return TypeErr(env, "spin must be a boolean");
  Napi::Uint32Array meta_array = info[1].As<Napi::Uint32Array>();
  uint32_t* meta = meta_array.Data();
  size_t meta_len = meta_array.ElementLength();
  Span span = {nullptr, 0};
  const Span* into = nullptr;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    if (!info[3].IsBuffer()) return TypeErr(env, "into must be a Buffer when given");
    Napi::Buffer<uint8_t> b = info[3].As<Napi::Buffer<uint8_t>>();
    span.data = b.Data();
    span.len = b.Length();
    into = &span;
  }
  bool corrupt = false;
  // A fast function whose worker we just woke answers one wakeup later
  // (~50 us here): waiting for it costs less than a doorbell, which pays a
  // second wakeup. Not for a slow function: it could not answer in time.
  bool woke_fast = c->woke_id != 0 && c->woke_id == c->last_submit_id && c->spin.avg_ns <= kSpinMaxNs;
  c->woke_id = 0;

  Napi::Value got = TakeOne(env, c, meta, meta_len, into, &corrupt);
  if (got.IsEmpty() && !corrupt && info[2].As<Napi::Boolean>().Value()) {
    uint64_t start = nlw_now_ns(), budget = nlw_spin_budget_ns(&c->spin);
    if (woke_fast && budget < kWakeSpinNs) budget = kWakeSpinNs;
    do {
      for (int i = 0; i < kSpinPeeksPerClock && got.IsEmpty() && !corrupt; i++) {
        nlw_cpu_relax();
        got = TakeOne(env, c, meta, meta_len, into, &corrupt);
      }
    } while (got.IsEmpty() && !corrupt && nlw_now_ns() - start < budget);
  }
  // Arm for a doorbell; a record that slipped in meanwhile is taken now.
  for (int i = 0; got.IsEmpty() && !corrupt; i++) {
    if (i == kMaxArmRetries) return CorruptErr(env, "result");
    if (!nlw_ring_arm(&c->ch.hdr->result)) return env.Undefined();
    got = TakeOne(env, c, meta, meta_len, into, &corrupt);
  }
  if (corrupt) return CorruptErr(env, "result");
  return got;
}

Napi::Value ChannelWorkerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Channel* c = ChannelArg(info);
  if (c == nullptr) return env.Undefined();
  if (!IsTypedArrayOf(info[1], napi_uint32_array, 3))
    return TypeErr(env, "out must be a Uint32Array of at least 3 elements");
  uint32_t* out = info[1].As<Napi::Uint32Array>().Data();
  out[0] = __atomic_load_n(&c->ch.hdr->worker_state, __ATOMIC_ACQUIRE);
  out[1] = __atomic_load_n(&c->ch.hdr->busy_id, __ATOMIC_ACQUIRE);
  out[2] = __atomic_load_n(&c->ch.hdr->worker_pid, __ATOMIC_ACQUIRE);
  return env.Undefined();
}

Napi::Value ChannelClose(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsExternal() || !v.As<Napi::External<Channel>>().CheckTypeTag(&kChannelTag))
    return TypeErr(info.Env(), "handle must be a channel handle returned by channelOpen");
  CloseChannel(v.As<Napi::External<Channel>>().Data());
  return info.Env().Undefined();
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  uint32_t fd;
  if (!U32Arg(info[0], "fd", 0, 2147483647.0, &fd)) return info.Env().Undefined();
  // EINTR still closes the descriptor on Linux: never retry, never report.
  if (close(static_cast<int>(fd)) != 0 && errno != EINTR)
    return SystemErr(info.Env(), "closeFd(" + std::to_string(fd) + ")", errno);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData();
  data->empty = Napi::Persistent(Napi::Buffer<uint8_t>::New(env, 0));
  env.SetInstanceData(data);  // deleted with the environment
  exports.Set("channelOpen", Napi::Function::New(env, ChannelOpen, "channelOpen"));
  exports.Set("channelSubmit", Napi::Function::New(env, ChannelSubmit, "channelSubmit"));
  exports.Set("channelTake", Napi::Function::New(env, ChannelTake, "channelTake"));
  exports.Set("channelWorkerState", Napi::Function::New(env, ChannelWorkerState, "channelWorkerState"));
  exports.Set("channelClose", Napi::Function::New(env, ChannelClose, "channelClose"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  nanolambda::InitWorkerProcess(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nanolambda, Init)
