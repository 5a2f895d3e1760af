// NDJSON lines for plain records, written by the worker thread in C++ (collector/pipeline/processor.ts takes this
// path when the addon is there; native-lines.ts wraps it), and plain copies out of and into shared memory for the
// main thread.
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
// It also writes a native protocol batch (kind 1, ROUTER inputs: [header, payload], docs/protocol.md) whose
// header and payload openPayload (collector/protocol/message.ts) would open as they are: magic, version 1, known
// flags, compression none, reserved bytes 0, a declared length equal to the payload's and within
// maxDecompressedBytes, exactly the declared number of u32 big-endian length-prefixed records filling the payload;
// every record as a frame above, and a sender and routing id of printable ASCII (their JSON strings then escape
// only '"' and '\'). Per record the line is as above with the end ChunkProcessor.senderEnd writes:
//   '"' [+ ',"clientKey":' + JSON string of the sender] [+ ',"routingId":' + JSON string of the id] + '}\n'
// It stops at the first message it cannot write (or when the output or the per-message table is full) and
// leaves that message to JavaScript, which then writes it (or rejects it) as it always did.
#include "ndjson.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "json-plain.h"

namespace zlog {
namespace {

constexpr size_t kMsgHeader = 20;  // chunk.ts MSG_HEADER
constexpr uint8_t kFlagSender = 1;     // chunk.ts FLAG_SENDER
constexpr uint8_t kFlagJsonPlain = 2;  // chunk.ts FLAG_JSON_PLAIN
constexpr uint8_t kFlagRoutingId = 4;  // chunk.ts FLAG_ROUTING_ID
constexpr uint8_t kKindNative = 1;     // chunk.ts KIND_NATIVE
// The native protocol's header (collector/protocol/header.ts): 28 bytes, "ZL", version, flags (bit 0 no-ack, the
// only one defined), compression, 3 reserved bytes, u64 seq, u32 record count, u32 CRC-32, u32 uncompressed length.
constexpr size_t kProtocolHeaderBytes = 28;
constexpr uint8_t kProtocolVersion = 1;  // header.ts SUPPORTED_VERSIONS
constexpr size_t kIsoBytes = 24;  // YYYY-MM-DDTHH:MM:SS.sssZ
// Date.prototype.toISOString writes years 0-9999 with four digits (ECMA-262 21.4.4.36, Date Time String Format);
// later ones (expanded years) are left to JavaScript.
constexpr double kIsoFourDigitEnd = 253402300800000.0;  // 10000-01-01T00:00:00Z in ms

inline uint32_t U32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // chunk layout is little-endian, as the hosts the addon builds for
  return v;
}

inline uint32_t BigEndian32(const uint8_t* p) {  // the native protocol's numbers (docs/protocol.md)
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// JSON.stringify's text of a string of printable ASCII (0x20-0x7e), appended to `out` with its quotes: such a string
// needs only '"' and '\' escaped (ECMA-262 QuoteJSONString). False, and `out` unusable, for any other byte.
bool AppendAsciiJson(std::string* out, const uint8_t* p, size_t n) {
  out->push_back('"');
  for (size_t i = 0; i < n; i++) {
    const uint8_t b = p[i];
    if (b < 0x20 || b > 0x7e) return false;
    if (b == '"' || b == '\\') out->push_back('\\');
    out->push_back(static_cast<char>(b));
  }
  out->push_back('"');
  return true;
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
  // maxRecordBytes: number[, maxDecompressedBytes: number]): without the last, native batches are left to
  // JavaScript. Per input index: after[i] the bytes between the time and the record, modes[i] 0 (not
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
    if (info.Length() > 5 && info[5].IsNumber()) {
      double dmax = info[5].As<Napi::Number>().DoubleValue();
      max_decompressed_ = dmax > 0 ? static_cast<uint64_t>(dmax) : 0;
    }
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
    while (off < len && count < per_cap && len - off >= kMsgHeader) {
      const uint8_t* h = c + off;
      const uint8_t input = h[1];
      if (input >= modes_.size() || modes_[input] == 0) break;
      double t;
      std::memcpy(&t, h + 8, 8);
      // Date's TimeClip truncates toward zero.
      if (!(t >= 0 && t < kIsoFourDigitEnd)) break;
      const int64_t ms = static_cast<int64_t>(t);
      size_t next = 0;
      const int64_t n = h[0] == kKindNative ? Batch(c, len, off, o, cap, &pos, ms, &next) : h[0] == 0 ? Frames(c, len, off, o, cap, &pos, ms, &next) : -1;
      if (n < 0) break;
      pm[count++] = static_cast<int32_t>(n);
      records += n;
      off = next;
    }
    st[0] = static_cast<int32_t>(off);
    st[1] = static_cast<int32_t>(pos);
    st[2] = static_cast<int32_t>(count);
    st[3] = static_cast<int32_t>(records);
  }

  // The message at `off`, a frames message (kind 0): its lines at *pos on, *next past it; the records written, or
  // -1 (nothing written) when it is not one this writer takes or its lines do not fit.
  int64_t Frames(const uint8_t* c, size_t len, size_t off, uint8_t* o, size_t cap, size_t* pos, int64_t ms, size_t* next) {
    const uint8_t* h = c + off;
    const uint8_t input = h[1], flags = h[3];
    const uint32_t n = U32(h + 16);
    if ((flags & ~kFlagJsonPlain) != 0 || n == 0) return -1;
    const std::string& after = after_[input];
    const size_t per_line = before_.size() + kIsoBytes + after.size() + end_.size();
    size_t p = off + kMsgHeader, need = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (len - p < 4) return -1;
      const size_t flen = U32(c + p);
      p += 4;
      if (!(flen <= len - p && Plain(input, flags, c + p, flen))) return -1;
      need += per_line + flen;
      p += flen;
    }
    if (need > cap - *pos) return -1;
    Stamp(ms);
    size_t q = off + kMsgHeader;
    for (uint32_t i = 0; i < n; i++) {
      const size_t flen = U32(c + q);
      q += 4;
      Line(o, pos, after, c + q, flen, end_);
      q += flen;
    }
    *next = p;
    return n;
  }

  // The message at `off`, a native protocol batch (kind 1), as Frames: every record of its payload is a line,
  // ending with the batch's sender and routing id (see the top of this file for what is taken).
  int64_t Batch(const uint8_t* c, size_t len, size_t off, uint8_t* o, size_t cap, size_t* pos, int64_t ms, size_t* next) {
    const uint8_t* h = c + off;
    const uint8_t input = h[1], flags = h[3];
    if (max_decompressed_ == 0 || (flags & ~(kFlagJsonPlain | kFlagSender | kFlagRoutingId)) != 0 || U32(h + 16) != 2) return -1;
    size_t p = off + kMsgHeader;
    if (len - p < 4 || U32(c + p) != kProtocolHeaderBytes || len - p - 4 < kProtocolHeaderBytes) return -1;
    const uint8_t* ph = c + p + 4;
    p += 4 + kProtocolHeaderBytes;
    if (len - p < 4) return -1;
    const size_t plen = U32(c + p);
    p += 4;
    if (plen > len - p) return -1;
    const uint8_t* pay = c + p;
    p += plen;
    // ChunkProcessor.senderEnd: '"', the sender's and the routing id's keys when set, '}\n'.
    batch_end_.assign(1, '"');
    for (const auto& [bit, key] : {std::pair<uint8_t, const char*>{kFlagSender, ",\"clientKey\":"}, {kFlagRoutingId, ",\"routingId\":"}}) {
      if (!(flags & bit)) continue;
      if (len - p < 4) return -1;
      const size_t n = U32(c + p);
      p += 4;
      if (n > len - p) return -1;
      batch_end_ += key;
      if (!AppendAsciiJson(&batch_end_, c + p, n)) return -1;
      p += n;
    }
    batch_end_ += "}\n";
    // What parseHeader and openPayload check, for compression none (collector/protocol/header.ts, message.ts).
    if (ph[0] != 'Z' || ph[1] != 'L' || ph[2] != kProtocolVersion || (ph[3] & ~1) != 0 || ph[4] != 0 || ph[5] != 0 || ph[6] != 0 || ph[7] != 0) return -1;
    const uint32_t records = BigEndian32(ph + 16), declared = BigEndian32(ph + 24);
    if (records == 0 || declared != plen || declared > max_decompressed_ || static_cast<uint64_t>(records) * 4 > plen) return -1;
    const std::string& after = after_[input];
    const size_t per_line = before_.size() + kIsoBytes + after.size() + batch_end_.size();
    size_t q = 0, need = 0;
    for (uint32_t i = 0; i < records; i++) {
      if (plen - q < 4) return -1;
      const size_t rlen = BigEndian32(pay + q);
      q += 4;
      if (!(rlen <= plen - q && Plain(input, flags, pay + q, rlen))) return -1;
      need += per_line + rlen;
      q += rlen;
    }
    if (q != plen || need > cap - *pos) return -1;
    Stamp(ms);
    q = 0;
    for (uint32_t i = 0; i < records; i++) {
      const size_t rlen = BigEndian32(pay + q);
      q += 4;
      Line(o, pos, after, pay + q, rlen, batch_end_);
      q += rlen;
    }
    *next = p;
    return records;
  }

  // Whether a record takes record()'s fast path as it is: not empty, at most maxRecordBytes, not '{' or '<' first
  // for format auto, and JSON-plain (the thread's flag says so of the whole message, else checked here).
  bool Plain(uint8_t input, uint8_t flags, const uint8_t* r, size_t n) const {
    return n > 0 && n <= max_record_ && !(modes_[input] == 2 && (r[0] == '{' || r[0] == '<')) && ((flags & kFlagJsonPlain) || JsonPlain(r, n));
  }

  void Stamp(int64_t ms) {
    if (ms != last_ms_) {
      FormatIso(ms, iso_);
      last_ms_ = ms;
    }
  }

  void Line(uint8_t* o, size_t* pos, const std::string& after, const uint8_t* r, size_t n, const std::string& end) {
    size_t at = *pos;
    std::memcpy(o + at, before_.data(), before_.size());
    at += before_.size();
    std::memcpy(o + at, iso_, kIsoBytes);
    at += kIsoBytes;
    std::memcpy(o + at, after.data(), after.size());
    at += after.size();
    std::memcpy(o + at, r, n);
    at += n;
    std::memcpy(o + at, end.data(), end.size());
    *pos = at + end.size();
  }

  std::string before_, end_;
  std::vector<uint8_t> modes_;
  std::vector<std::string> after_;
  uint64_t max_record_ = 0;
  // limits.maxDecompressedBytes; 0 (not given): native batches are left to JavaScript.
  uint64_t max_decompressed_ = 0;
  // Batch's line end, kept to reuse its memory.
  std::string batch_end_;
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

// copyInto(target: Uint8Array, offset: number, source: Uint8Array): target.set(source, offset) with memcpy, for the
// main thread's packing of a ROUTER batch into its chunk's shared slot (collector/pipeline/chunk.ts ChunkBuilder):
// V8 copies into shared memory with relaxed atomics, ~10x slower (a 1 MiB batch of 1 KiB records cost ~0.5 ms).
// RangeError when the source does not fit at offset.
Napi::Value CopyInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !IsUint8Array(info[0]) || !info[1].IsNumber() || !IsUint8Array(info[2])) {
    Napi::TypeError::New(env, "copyInto(target: Uint8Array, offset: number, source: Uint8Array) expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array target = info[0].As<Napi::Uint8Array>();
  Napi::Uint8Array source = info[2].As<Napi::Uint8Array>();
  const double at = info[1].As<Napi::Number>().DoubleValue();
  if (!(at >= 0) || at > static_cast<double>(target.ByteLength()) || source.ByteLength() > target.ByteLength() - static_cast<size_t>(at)) {
    Napi::RangeError::New(env, "copyInto: the source does not fit in the target at that offset").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // memmove: a source and target over the same buffer may overlap.
  std::memmove(target.Data() + static_cast<size_t>(at), source.Data(), source.ByteLength());
  return env.Undefined();
}

}  // namespace

void ExportNdjson(Napi::Env env, Napi::Object exports) {
  exports.Set("PlainLines", PlainLines::Init(env));
  exports.Set("copyOf", Napi::Function::New(env, CopyOf, "copyOf"));
  exports.Set("copyInto", Napi::Function::New(env, CopyInto, "copyInto"));
}

}  // namespace zlog
