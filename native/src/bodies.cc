// Request body parts of the HTTP sinks, written by the pipeline's worker thread in C++ (collector/sinks/http/
// worker-body.ts takes this path when the addon is there, and JavaScript writes the same bytes without it).
//
// Why: an elasticsearch bulk part repeats each NDJSON line of a chunk after an action line, in the same pool slot
// (a SharedArrayBuffer) as the lines. V8 copies shared memory with relaxed atomics, byte by byte unless source and
// target are equally aligned, which lines starting anywhere are not; the JavaScript path copied every line twice
// that way (out of the slot into a part, and the part back). Here each line is one memcpy.
//
// bulkLines(buf: Uint8Array, ranges: Int32Array, action: Uint8Array, state: Int32Array): boolean
//   For each non-empty line (bytes up to a '\n' or the range's end) inside buf[ranges[2k], ranges[2k+1]), writes
//   action + line + '\n' at buf[state[0]...], in order. Every range must end at or before state[0] (the part goes
//   after the lines it repeats). Returns true with state[0] = the position after the part and state[1] = the
//   lines written; or false, writing nothing, with state[1] = the bytes the part needs from state[0] (the caller
//   grows the buffer and calls again).
// copyInto: see below; the other parts (Loki push streams, bulk with a per-record index) are built in plain memory
// from plain copies of the lines (copyOf, ndjson.cc) and put into the slot with it.
#include "bodies.h"

#include <cstdint>
#include <cstring>

namespace zlog {
namespace {

bool IsType(const Napi::Value& v, napi_typedarray_type t) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == t;
}

Napi::Value BulkLines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !IsType(info[0], napi_uint8_array) || !IsType(info[1], napi_int32_array) || !IsType(info[2], napi_uint8_array) ||
      !IsType(info[3], napi_int32_array) || info[3].As<Napi::Int32Array>().ElementLength() < 2) {
    Napi::TypeError::New(env, "bulkLines(Uint8Array, Int32Array, Uint8Array, Int32Array(2)) expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
  Napi::Int32Array ranges = info[1].As<Napi::Int32Array>();
  Napi::Uint8Array action = info[2].As<Napi::Uint8Array>();
  Napi::Int32Array state = info[3].As<Napi::Int32Array>();
  uint8_t* data = buf.Data();
  const size_t size = buf.ByteLength();
  const int32_t* r = ranges.Data();
  const size_t nr = ranges.ElementLength() & ~static_cast<size_t>(1);
  const uint8_t* act = action.Data();
  const size_t alen = action.ByteLength();
  int32_t* st = state.Data();
  if (st[0] < 0 || static_cast<size_t>(st[0]) > size) {
    Napi::RangeError::New(env, "bulkLines: state[0] outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t pos = static_cast<size_t>(st[0]);
  for (size_t i = 0; i < nr; i += 2) {
    if (r[i] < 0 || r[i] > r[i + 1] || static_cast<size_t>(r[i + 1]) > pos) {
      Napi::RangeError::New(env, "bulkLines: a range outside the lines before state[0]").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  // First the size of the part (memchr is cheap next to the copies), so nothing is written when it does not fit.
  size_t need = 0;
  for (size_t i = 0; i < nr; i += 2) {
    const uint8_t* s = data + r[i];
    const uint8_t* end = data + r[i + 1];
    while (s < end) {
      const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(s, '\n', static_cast<size_t>(end - s)));
      if (nl == nullptr) nl = end;
      if (nl > s) need += alen + static_cast<size_t>(nl - s) + 1;
      s = nl + 1;
    }
  }
  if (need > size - pos) {
    st[1] = static_cast<int32_t>(need > INT32_MAX ? INT32_MAX : need);
    return Napi::Boolean::New(env, false);
  }
  uint8_t* out = data + pos;
  int32_t lines = 0;
  for (size_t i = 0; i < nr; i += 2) {
    const uint8_t* s = data + r[i];
    const uint8_t* end = data + r[i + 1];
    while (s < end) {
      const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(s, '\n', static_cast<size_t>(end - s)));
      if (nl == nullptr) nl = end;
      if (nl > s) {
        std::memcpy(out, act, alen);
        out += alen;
        const size_t n = static_cast<size_t>(nl - s);
        std::memcpy(out, s, n);  // the source lies before pos: never overlaps what is written
        out += n;
        *out++ = '\n';
        lines++;
      }
      s = nl + 1;
    }
  }
  st[0] = static_cast<int32_t>(out - data);
  st[1] = lines;
  return Napi::Boolean::New(env, true);
}

// copyInto(target: Uint8Array, offset: number, source: Uint8Array): undefined — source's bytes at target[offset...]
// by memmove (a part built in plain memory into the output's shared slot).
Napi::Value CopyInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !IsType(info[0], napi_uint8_array) || !info[1].IsNumber() || !IsType(info[2], napi_uint8_array)) {
    Napi::TypeError::New(env, "copyInto(Uint8Array, number, Uint8Array) expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array target = info[0].As<Napi::Uint8Array>();
  Napi::Uint8Array source = info[2].As<Napi::Uint8Array>();
  const double offset = info[1].As<Napi::Number>().DoubleValue();
  if (!(offset >= 0) || offset + static_cast<double>(source.ByteLength()) > static_cast<double>(target.ByteLength())) {
    Napi::RangeError::New(env, "copyInto: the source does not fit the target at that offset").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::memmove(target.Data() + static_cast<size_t>(offset), source.Data(), source.ByteLength());
  return env.Undefined();
}

}  // namespace

void ExportBodies(Napi::Env env, Napi::Object exports) {
  exports.Set("bulkLines", Napi::Function::New(env, BulkLines, "bulkLines"));
  exports.Set("copyInto", Napi::Function::New(env, CopyInto, "copyInto"));
}

}  // namespace zlog
