// NDJSON lines for plain records, written by the worker thread in C++ (collector/pipeline/processor.ts takes this
// path when the addon is there; native-lines.ts wraps it), and a plain copy of shared memory for the main thread.
//
// Why: chunks and their output live in SharedArrayBuffer slots (collector/pipeline/buffer-pool.ts), and V8 copies
// shared memory with relaxed atomics, about 10x slower than memcpy (0.4-0.65 ms per MiB against 0.04 here). At
// 1 KiB records the worker's JavaScript copy of each record's bytes into its output slot, and the main thread's
// copy of a small output out of its slot, were a large share of the collector's CPU per record (bench case a).
// Here a whole run of plain messages becomes lines in one call, each record's bytes moved by one memcpy.
//
// PlainLines writes exactly what ChunkProcessor.record()'s fast path writes, and only for messages where that path
// is certain: a frames message (kind 0) without sender or routing id, from an input whose records take the fast
// path (`modes`), every frame non-empty, at most maxRecordBytes, JSON-plain (FLAG_JSON_PLAIN, or the same check
// here: json-plain.h) and, for format auto, not starting with '{' or '<'. Per frame the line is
//   before + ISO 8601 time of the message (as JavaScript's Date.prototype.toISOString writes it) + after[input]
//   + the frame's bytes + end
// It stops at the first message it cannot write (or when the output or the per-message table is full) and
// leaves that message to JavaScript.
#include "ndjson.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "json-plain.h"

namespace zlog {
namespace {

constexpr size_t kMsgHeader = 20;  // chunk.ts MSG_HEADER
constexpr uint8_t kFlagJsonPlain = 2;
constexpr size_t kIsoBytes = 24;  // YYYY-MM-DDTHH:MM:SS.sssZ
// Date.prototype.toISOString writes years 0-9999 with four digits (ECMA-262 21.4.4.36, Date Time String Format);
// later ones (expanded years) are left to JavaScript.
constexpr double kIsoFourDigitEnd = 253402300800000.0;  // 10000-01-01T00:00:00Z in ms

inline uint32_t U32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // chunk layout is little-endian, as the hosts the addon builds for
  return v;
}

// Days since 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's days-to-civil algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

inline void Digits(char* p, unsigned v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10) p[i] = static_cast<char>('0' + v % 10);
}

// ms since the epoch, 0 <= ms < kIsoFourDigitEnd.
void FormatIso(int64_t ms, char* out) {
  int64_t days = ms / 86400000, rest = ms % 86400000;
  int64_t y;
  unsigned mo, d;
  CivilFromDays(days, &y, &mo, &d);
  Digits(out, static_cast<unsigned>(y), 4);
  out[4] = '-';
  Digits(out + 5, mo, 2);
  out[7] = '-';
  Digits(out + 8, d, 2);
  out[10] = 'T';
  Digits(out + 11, static_cast<unsigned>(rest / 3600000), 2);
  out[13] = ':';
  Digits(out + 14, static_cast<unsigned>(rest / 60000 % 60), 2);
  out[16] = ':';
  Digits(out + 17, static_cast<unsigned>(rest / 1000 % 60), 2);
  out[19] = '.';
  Digits(out + 20, static_cast<unsigned>(rest % 1000), 3);
  out[23] = 'Z';
}

std::string BytesOf(const Napi::Value& v) {
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(a.Data()), a.ByteLength());
}

bool IsUint8Array(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}

class PlainLines : public Napi::ObjectWrap<PlainLines> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "PlainLines", {InstanceMethod("write", &PlainLines::Write)});
  }

  // new PlainLines(before: Uint8Array, after: (Uint8Array | null)[], modes: Uint8Array, end: Uint8Array,
  // maxRecordBytes: number). Per input index: after[i] the bytes between the time and the record, modes[i] 0 (not
  // here), 1 (format text: any first byte) or 2 (format auto: not '{' or '<').
  explicit PlainLines(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PlainLines>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !IsUint8Array(info[0]) || !info[1].IsArray() || !IsUint8Array(info[2]) || !IsUint8Array(info[3]) || !info[4].IsNumber()) {
      Napi::TypeError::New(env, "PlainLines(before: Uint8Array, after: (Uint8Array | null)[], modes: Uint8Array, end: Uint8Array, maxRecordBytes: number) expected").ThrowAsJavaScriptException();
      return;
    }
    before_ = BytesOf(info[0]);
    Napi::Array after = info[1].As<Napi::Array>();
    Napi::Uint8Array modes = info[2].As<Napi::Uint8Array>();
    if (modes.ByteLength() != after.Length()) {
      Napi::TypeError::New(env, "PlainLines: modes and after must have one entry per input").ThrowAsJavaScriptException();
      return;
    }
    for (uint32_t i = 0; i < after.Length(); i++) {
      Napi::Value a = after.Get(i);
      bool on = modes.Data()[i] != 0 && IsUint8Array(a);
      modes_.push_back(on ? modes.Data()[i] : 0);
      after_.push_back(on ? BytesOf(a) : std::string());
    }
    end_ = BytesOf(info[3]);
    double max = info[4].As<Napi::Number>().DoubleValue();
    max_record_ = max > 0 ? static_cast<uint64_t>(max) : 0;
  }

 private:
  // write(chunk: Uint8Array, out: Uint8Array, perMessage: Int32Array, state: Int32Array): state is
  // [chunk offset, output position, entries of perMessage used, records] and is updated in place: from the message
  // at state[0], each message written moves the offset past it, its lines go to out at state[1] on, its record count
  // goes to perMessage[state[2]++], and state[3] is set to the records written by this call.
  void Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !IsUint8Array(info[0]) || !IsUint8Array(info[1]) || !info[2].IsTypedArray() || !info[3].IsTypedArray() ||
        info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        info[3].As<Napi::Int32Array>().ElementLength() < 4) {
      Napi::TypeError::New(env, "write(chunk: Uint8Array, out: Uint8Array, perMessage: Int32Array, state: Int32Array(4)) expected").ThrowAsJavaScriptException();
      return;
    }
    Napi::Uint8Array chunk = info[0].As<Napi::Uint8Array>();
    Napi::Uint8Array out = info[1].As<Napi::Uint8Array>();
    Napi::Int32Array per = info[2].As<Napi::Int32Array>();
    int32_t* st = info[3].As<Napi::Int32Array>().Data();
    const uint8_t* c = chunk.Data();
    const size_t len = chunk.ByteLength();
    uint8_t* o = out.Data();
    const size_t cap = out.ByteLength();
    int32_t* pm = per.Data();
    const size_t per_cap = per.ElementLength();
    if (st[0] < 0 || st[1] < 0 || st[2] < 0 || static_cast<size_t>(st[1]) > cap) {
      Napi::RangeError::New(env, "write: state out of range").ThrowAsJavaScriptException();
      return;
    }
    size_t off = static_cast<size_t>(st[0]), pos = static_cast<size_t>(st[1]), count = static_cast<size_t>(st[2]);
    int64_t records = 0;
    const size_t fixed = before_.size() + kIsoBytes + end_.size();
    while (off < len && count < per_cap && len - off >= kMsgHeader) {
      const uint8_t* h = c + off;
      const uint8_t input = h[1], flags = h[3];
      if (h[0] != 0 || (flags & ~kFlagJsonPlain) != 0 || input >= modes_.size() || modes_[input] == 0) break;
      double t;
      std::memcpy(&t, h + 8, 8);
      const uint32_t n = U32(h + 16);
      // Date's TimeClip truncates toward zero.
      if (n == 0 || !(t >= 0 && t < kIsoFourDigitEnd)) break;
      const std::string& after = after_[input];
      size_t p = off + kMsgHeader, need = 0;
      bool ok = true;
      for (uint32_t i = 0; i < n && ok; i++) {
        if (len - p < 4) {
          ok = false;
          break;
        }
        const size_t flen = U32(c + p);
        p += 4;
        ok = flen <= len - p && flen > 0 && flen <= max_record_ && !(modes_[input] == 2 && (c[p] == '{' || c[p] == '<')) &&
             ((flags & kFlagJsonPlain) || JsonPlain(c + p, flen));
        need += fixed + after.size() + flen;
        p += flen;
      }
      if (!ok || need > cap - pos) break;
      const int64_t ms = static_cast<int64_t>(t);
      if (ms != last_ms_) {
        FormatIso(ms, iso_);
        last_ms_ = ms;
      }
      size_t q = off + kMsgHeader;
      for (uint32_t i = 0; i < n; i++) {
        const size_t flen = U32(c + q);
        q += 4;
        std::memcpy(o + pos, before_.data(), before_.size());
        pos += before_.size();
        std::memcpy(o + pos, iso_, kIsoBytes);
        pos += kIsoBytes;
        std::memcpy(o + pos, after.data(), after.size());
        pos += after.size();
        std::memcpy(o + pos, c + q, flen);
        pos += flen;
        std::memcpy(o + pos, end_.data(), end_.size());
        pos += end_.size();
        q += flen;
      }
      pm[count++] = static_cast<int32_t>(n);
      records += n;
      off = p;
    }
    st[0] = static_cast<int32_t>(off);
    st[1] = static_cast<int32_t>(pos);
    st[2] = static_cast<int32_t>(count);
    st[3] = static_cast<int32_t>(records);
  }

  std::string before_, end_;
  std::vector<uint8_t> modes_;
  std::vector<std::string> after_;
  uint64_t max_record_ = 0;
  int64_t last_ms_ = -1;
  char iso_[kIsoBytes];
};

// copyOf(bytes: Uint8Array): Buffer — a plain (not shared) copy, made with memcpy.
Napi::Value CopyOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsUint8Array(info[0])) {
    Napi::TypeError::New(env, "copyOf(Uint8Array) expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array u = info[0].As<Napi::Uint8Array>();
  return Napi::Buffer<uint8_t>::Copy(env, u.Data(), u.ByteLength());
}

}  // namespace

void ExportNdjson(Napi::Env env, Napi::Object exports) {
  exports.Set("PlainLines", PlainLines::Init(env));
  exports.Set("copyOf", Napi::Function::New(env, CopyOf, "copyOf"));
}

}  // namespace zlog
