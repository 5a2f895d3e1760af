// zlog's native receive path: one libzmq PULL, SUB or ROUTER socket drained by a thread of its own, which packs
// whole messages into chunk buffers lent by JavaScript and hands each filled buffer back in one call. For PULL
// and SUB, JavaScript then does no per-message work at all: the chunk goes to a worker thread as it is. For
// ROUTER (the native protocol, collector/inputs/zmq-router/) JavaScript checks each message and answers it; its
// replies come back through send() (see the reply queue below).
//
// Why a thread and not a DONTWAIT loop on the main thread: zeromq.js pays one C++ -> JS crossing and one
// external Buffer per frame (about 2 us here), which caps single-record PUSH input at ~500k frames/s; the
// thread pays that once per chunk (thousands of frames).
//
// Chunk layout: exactly the one collector/pipeline/chunk.ts reads (little-endian), per message:
//   u8 kind (0 = frames), u8 input index, u8 compression (0), u8 flags, u32 record count (0),
//   f64 receive time (ms since epoch), u32 frame count, then per frame: u32 length + bytes, then with flag
//   bit 0 (CURVE inputs) u32 length + the name of the client key that authenticated the sender (zap.h).
//   Flag bit 1 (FLAG_JSON_PLAIN): every frame's bytes are UTF-8 a JSON string holds as itself (PULL/SUB); for
//   ROUTER, every record of the message's uncompressed native payload is (NativePayloadJsonPlain).
//   Flag bit 3 (ROUTER only, chunk.ts FLAG_OVERSIZE): the message was over maxMessageBytes; only its routing id
//   and header frames are kept, so JavaScript can NACK it by sequence number.
//   Flag bit 4 (ROUTER only, chunk.ts FLAG_CONNECTION): after the sender, u32 descriptor + u32 socket inode of the
//   connection the message came on: JavaScript gives them back with the reply (see SendReplies).
//   Flag bit 5 (ROUTER only, chunk.ts FLAG_CRC_CHECKED): the payload's CRC-32 matches its header's
//   (NativePayloadCrcMatches), so JavaScript does not compute it again.
//   Flag bit 6 (ROUTER only, chunk.ts FLAG_ACKED): this thread sent the message's ACK itself (ackMode received,
//   AckAtReceipt); the u32 at byte 4 (record count, otherwise 0 on this path) is then the microseconds from the
//   message's receive time to that ACK.
//
// Replies (ROUTER): libzmq sockets are not thread-safe and the receive thread owns the socket, so JavaScript's
// send() copies a reply into a bounded mutex-guarded queue and wakes the thread (the PAIR below), which sends it
// with ZMQ_DONTWAIT. ZMQ_ROUTER_MANDATORY makes a reply to a vanished peer fail (EHOSTUNREACH) instead of
// vanishing silently; that and a full peer pipe (EAGAIN) drop the reply and count it: the client times out and
// resends (docs/protocol.md). A reply goes only to the connection its batch came on: a routing id names a peer,
// not a connection, and a client that reconnects (or another peer, once the id is free) may hold the id by the
// time a late reply is sent; such a reply is dropped and counted (repliesToEndedConnections).
//
// ACK at receipt (ROUTER, ackMode received): an uncompressed batch that passes every check the input would make
// (NativeAckable) is acknowledged by this thread as soon as it is in a chunk buffer, so neither the main thread
// (its event loop, its GC pauses) nor the hops to it and back are on the path of a `received` ACK. What
// `received` promises stays true: the batch is held by the collector and counted against the queue bound,
// because the thread acknowledges only within a budget of records and bytes that JavaScript grants out of the
// queue's free room (grantAcks) and takes back (revokeAcks) when the queue has no room or the input drains.
// Past the budget, or for anything the check does not pass, the message goes to JavaScript as before.
//
// Threading: the libzmq socket is only ever touched by one thread at a time. JavaScript binds/connects it
// before start(); after start() only the receive thread uses it, and JavaScript talks to the thread through
// atomics, a mutex-guarded list of lent buffers, and a wake-up message on an inproc PAIR socket.
#include <arpa/inet.h>
#include <napi.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pthread.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bodies.h"
#include "crc32.h"
#include "json-plain.h"
#include "ndjson.h"
#include "zap.h"

namespace {

constexpr size_t kMsgHeader = 20;
constexpr int kIdlePollMs = 100;
// Longest a packed message waits in the thread's buffer for the pipeline to want it (see FlushIfIdle): bounds
// the latency that holding adds when JavaScript is slow to lend, and serves a caller that lends one buffer.
constexpr double kMaxHoldMs = 10;
// PULL/SUB: how long a partly filled buffer is kept although another one is lent (see FillOrHeld).
constexpr double kMinHoldMs = 5;
// PULL/SUB: what one record's NDJSON line adds to the bytes it takes in a chunk (its time, input and keys, less
// the chunk's 20-24 bytes of framing), rounded up: FillOrHeld's estimate of a chunk's output.
constexpr size_t kLineOverheadBytes = 96;
// PULL/SUB: the most libzmq's I/O thread reads from a connection per read(2) (ZLOG_ZMQ_IN_BATCH_SIZE; see the
// constructor). libzmq's default is 8 KiB.
constexpr int kReadBatchBytes = 64 * 1024;
constexpr int kDefaultReadBatchBytes = 8192;
// Messages taken per wake before looking at the control socket again: bounds how late a pause is seen.
constexpr int kMaxPerBurst = 65536;
constexpr uint8_t kFlagSender = 1;
// Connections already ended for a removed key, remembered so that their queued messages do not end them again.
constexpr size_t kKickedMemory = 64;
// Authenticated connections remembered for ending an idle one whose key is removed (see SweepRevoked); beyond
// this many, the rest are ended only at their next message.
constexpr size_t kMaxTrackedConnections = 65536;
// ROUTER: the oversize flag (chunk.ts FLAG_OVERSIZE), and how much of an oversize message is kept to NACK it.
constexpr uint8_t kFlagOversize = 8;
constexpr size_t kOversizeKeepBytes = 4096;
// libzmq routing ids are at most 255 bytes: maxMessageBytes is checked on what follows the id.
constexpr uint64_t kRoutingIdBytes = 255;
// ROUTER: routing-id refusals kept for JavaScript's once-per-key log between two takes (counted either way).
constexpr size_t kMaxRoutingIdRefusals = 64;
// ROUTER: the connection flag (chunk.ts FLAG_CONNECTION) and its 8 bytes (u32 descriptor, u32 socket inode).
constexpr uint8_t kFlagConnection = 16;
constexpr size_t kConnectionBytes = 8;

double NowMs() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()) / 1000.0;
}

inline void PutU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }  // x86-64 / arm64: little-endian

// chunk.ts FLAG_JSON_PLAIN: the message is UTF-8 that a JSON string holds as it is (zlog::JsonPlain).
constexpr uint8_t kFlagJsonPlain = 2;
using zlog::JsonPlain;

// ROUTER: the native protocol's message is [routing id, 28-byte header, payload] (docs/protocol.md). With an
// uncompressed payload (header byte 4 = 0), true when its records (each a u32 big-endian length and that many
// bytes, filling the payload exactly) are all JSON-plain (JsonPlain): the worker then copies them as they are,
// where its JavaScript scan of every byte was most of its time for 1 KiB records (bench case bp). Anything that
// does not parse is left unflagged: the worker checks the message and rejects it as before.
constexpr size_t kProtocolHeaderBytes = 28;
inline bool NativePayloadJsonPlain(const uint8_t* header, size_t header_len, const uint8_t* p, size_t n) {
  if (header_len != kProtocolHeaderBytes || header[0] != 'Z' || header[1] != 'L' || header[4] != 0) return false;
  size_t o = 0;
  while (o < n) {
    if (n - o < 4) return false;
    size_t len = (static_cast<size_t>(p[o]) << 24) | (static_cast<size_t>(p[o + 1]) << 16) | (static_cast<size_t>(p[o + 2]) << 8) | p[o + 3];
    o += 4;
    if (len > n - o || !JsonPlain(p + o, len)) return false;
    o += len;
  }
  return true;
}

// ROUTER (chunk.ts FLAG_CRC_CHECKED): the payload's CRC-32 equals the one its header declares (bytes 20-23,
// big-endian; docs/protocol.md). Checked here, on the copy just made, so that the input's main thread does not
// run zlib.crc32 over every payload (2.3 ms per 1 MiB batch there). A mismatch, or a header that is not a
// protocol header, leaves the flag unset: the input then checks the message itself and answers it.
constexpr uint8_t kFlagCrcChecked = 32;
// ROUTER (chunk.ts FLAG_ACKED): the thread acknowledged the message itself (AckAtReceipt).
constexpr uint8_t kFlagAcked = 64;
inline bool NativePayloadCrcMatches(const uint8_t* header, size_t header_len, const uint8_t* p, size_t n) {
  if (header_len != kProtocolHeaderBytes || header[0] != 'Z' || header[1] != 'L') return false;
  uint32_t declared = (static_cast<uint32_t>(header[20]) << 24) | (static_cast<uint32_t>(header[21]) << 16) |
                      (static_cast<uint32_t>(header[22]) << 8) | header[23];
  return zlog::Crc32(0, p, n) == declared;
}

// ROUTER, ackMode received (AckAtReceipt): whether the input would accept the message [header, payload] as it is:
// every check of checkMessage (collector/protocol/message.ts: size, header fields, record count, declared
// lengths) and checkRecordFraming (payload.ts: exactly recordCount length-prefixed records filling the payload),
// for an uncompressed batch that wants a reply. The CRC-32 is the caller's (NativePayloadCrcMatches). False only
// sends the message the old way (JavaScript checks and answers it), so this may refuse more than the input
// would, never less (test/collector/thread-ack.test.ts sends near-valid batches both ways).
struct AckLimits {
  uint64_t max_message_bytes;  // header + payload (the input's limits.maxMessageBytes)
  uint64_t max_batch_records;
  uint64_t max_decompressed_bytes;
};
inline uint32_t BigEndian32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline bool NativeAckable(const uint8_t* h, size_t header_len, const uint8_t* p, size_t n, const AckLimits& lim, uint32_t* records) {
  if (header_len != kProtocolHeaderBytes || h[0] != 'Z' || h[1] != 'L' || h[2] != 1) return false;
  // Flags 0: bit 0 (no-ack) wants no reply, the others are reserved. Compression none, reserved bytes 5-7 zero.
  if (h[3] != 0 || h[4] != 0 || h[5] != 0 || h[6] != 0 || h[7] != 0) return false;
  if (header_len + n > lim.max_message_bytes) return false;
  uint32_t count = BigEndian32(h + 16), declared = BigEndian32(h + 24);
  if (count > lim.max_batch_records || declared > lim.max_decompressed_bytes || declared != n || static_cast<uint64_t>(count) * 4 > n) return false;
  size_t o = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (n - o < 4) return false;
    size_t len = BigEndian32(p + o);
    o += 4;
    if (len > n - o) return false;
    o += len;
  }
  if (o != n) return false;
  *records = count;
  return true;
}

struct Lent {
  uint32_t slot;
  uint8_t* data;
  size_t cap;   // fill up to here (fillBytes)
  size_t full;  // the buffer's whole size: one message up to this still goes in it
};

// What the thread hands to JavaScript: a lent buffer (slot >= 0) filled to len, or an owned heap buffer for
// a message bigger than a whole lent buffer. An owned delivery still uses up a lent buffer (its slot, handed
// back unfilled) so that every delivery costs one lent buffer: deliveries in flight, and so memory, stay
// bounded by the buffers JavaScript lends, whatever the message sizes.
struct Delivery {
  int64_t slot;
  uint8_t* owned;
  size_t len;
  uint32_t messages;
  uint64_t frames;  // records: frames, or lines with framing lines (what admission charges)
  uint64_t bytes;
  bool drained;  // the last delivery of a stopAccepting(): the socket is closed
};

class Receiver : public Napi::ObjectWrap<Receiver> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Receiver",
                       {
                           InstanceMethod("bind", &Receiver::Bind),
                           InstanceMethod("connect", &Receiver::Connect),
                           InstanceMethod("start", &Receiver::Start),
                           InstanceMethod("lend", &Receiver::Lend),
                           InstanceMethod("pause", &Receiver::Pause),
                           InstanceMethod("resume", &Receiver::Resume),
                           InstanceMethod("stopAccepting", &Receiver::StopAccepting),
                           InstanceMethod("close", &Receiver::Close),
                           InstanceMethod("stats", &Receiver::Stats),
                           InstanceMethod("readBatchBytes", &Receiver::ReadBatchBytes),
                           InstanceMethod("setClientKeys", &Receiver::SetClientKeys),
                           InstanceMethod("authStats", &Receiver::AuthStats),
                           InstanceMethod("send", &Receiver::Send),
                           InstanceMethod("takeRoutingIdRefusals", &Receiver::TakeRoutingIdRefusals),
                           InstanceMethod("grantAcks", &Receiver::GrantAcks),
                           InstanceMethod("revokeAcks", &Receiver::RevokeAcks),
                           InstanceMethod("reclaim", &Receiver::Reclaim),
                       });
  }

  explicit Receiver(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Receiver>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "Receiver(options, onChunk): options object and callback required").ThrowAsJavaScriptException();
      return;
    }
    Napi::Object o = info[0].As<Napi::Object>();
    std::string type = o.Get("type").ToString().Utf8Value();
    input_ = static_cast<uint8_t>(o.Get("inputIndex").ToNumber().Uint32Value());
    max_message_bytes_ = static_cast<uint64_t>(o.Get("maxMessageBytes").ToNumber().Int64Value());
    Napi::Value mr = o.Get("maxMessageRecords");
    if (mr.IsNumber()) max_message_records_ = static_cast<uint64_t>(mr.ToNumber().Int64Value());
    count_lines_ = o.Get("framing").ToString().Utf8Value() == "lines";
    Napi::Value mc = o.Get("maxConnections");
    if (mc.IsNumber()) max_connections_ = static_cast<uint64_t>(mc.ToNumber().Int64Value());
    ctx_ = zmq_ctx_new();
    int st = type == "sub" ? ZMQ_SUB : type == "pull" ? ZMQ_PULL : type == "router" ? ZMQ_ROUTER : -1;
    if (st < 0) {
      Napi::TypeError::New(env, "Receiver: type must be 'pull', 'sub' or 'router', got '" + type + "'").ThrowAsJavaScriptException();
      return;
    }
    router_ = st == ZMQ_ROUTER;
    if (router_) max_message_bytes_ += kRoutingIdBytes;
    sock_ = zmq_socket(ctx_, st);
    int hwm = o.Get("receiveHighWaterMark").ToNumber().Int32Value();
    int64_t maxsize = o.Get("maxFrameBytes").ToNumber().Int64Value();
    int linger = 0;
    zmq_setsockopt(sock_, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock_, ZMQ_MAXMSGSIZE, &maxsize, sizeof maxsize);
    if (router_) {
      // Routing ids (docs/protocol.md, "Routing ids"): no handover, so no peer can take an id another connection
      // holds (with ZMQ_ROUTER_HANDOVER any peer could, and received the holder's replies); zlog's libzmq patch ends
      // a connection presenting a held id and names it on the monitor (upstream keeps it unidentified and reads its
      // next frame as its id). ZMTP heartbeats (RFC 37 PING/PONG) end a connection whose peer stopped answering, so
      // a dead client's id is free again within interval + timeout and it can come back with it.
      // Mandatory: a reply to an unknown peer fails (and is counted) instead of being dropped unseen. Linger: the
      // last replies get a second to leave at close.
      int zero = 0, one = 1, router_linger = 1000;
      int hb_ivl = o.Get("heartbeatIntervalMs").ToNumber().Int32Value();
      int hb_timeout = o.Get("heartbeatTimeoutMs").ToNumber().Int32Value();
      zmq_setsockopt(sock_, ZMQ_ROUTER_HANDOVER, &zero, sizeof zero);
      zmq_setsockopt(sock_, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
      zmq_setsockopt(sock_, ZMQ_LINGER, &router_linger, sizeof router_linger);
      if (zmq_setsockopt(sock_, ZLOG_ZMQ_ROUTER_REFUSE_DUPLICATE, &one, sizeof one) != 0 ||
          (hb_ivl > 0 && (zmq_setsockopt(sock_, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl) != 0 ||
                          zmq_setsockopt(sock_, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout) != 0 ||
                          zmq_setsockopt(sock_, ZMQ_HEARTBEAT_TTL, &hb_timeout, sizeof hb_timeout) != 0))) {
        Napi::Error::New(env, std::string("native receiver: libzmq refused the ROUTER routing-id or heartbeat options (not built by scripts/build-libzmq.sh?): ") +
                                  zmq_strerror(zmq_errno()))
            .ThrowAsJavaScriptException();
        return;
      }
      Napi::Value mr = o.Get("maxReplies");
      if (mr.IsNumber()) max_replies_ = static_cast<size_t>(mr.ToNumber().Int64Value());
      Napi::Value ar = o.Get("ackAtReceipt");
      if (ar.IsObject()) {
        Napi::Object a = ar.As<Napi::Object>();
        ack_at_receipt_ = true;
        ack_limits_ = {static_cast<uint64_t>(a.Get("maxMessageBytes").ToNumber().Int64Value()),
                       static_cast<uint64_t>(a.Get("maxBatchRecords").ToNumber().Int64Value()),
                       static_cast<uint64_t>(a.Get("maxDecompressedBytes").ToNumber().Int64Value())};
      }
    } else {
      zmq_setsockopt(sock_, ZMQ_LINGER, &linger, sizeof linger);
      // libzmq's TCP engine reads at most 8 KiB per read(2) and polls again between reads: at 1 KiB records one
      // epoll_wait and one read per ~8 records in its I/O thread, and a wake-up of this thread as often. Larger
      // reads take what the kernel holds in one call. Messages are decoded as references into that buffer
      // (zero-copy receive), and each one queued keeps at most one buffer alive, so libzmq holds at most
      // RCVHWM buffers per connection: with the buffer no larger than maxMessageBytes that stays within the
      // byte budget RCVHWM was derived from (collector/inputs/zmq/socket.ts receiveHighWaterMark).
      int batch = max_message_bytes_ < static_cast<uint64_t>(kReadBatchBytes) ? static_cast<int>(max_message_bytes_) : kReadBatchBytes;
      if (batch > kDefaultReadBatchBytes && zmq_setsockopt(sock_, ZLOG_ZMQ_IN_BATCH_SIZE, &batch, sizeof batch) != 0) {
        Napi::Error::New(env, std::string("native receiver: libzmq refused ZLOG_ZMQ_IN_BATCH_SIZE (not built by scripts/build-libzmq.sh?): ") + zmq_strerror(zmq_errno()))
            .ThrowAsJavaScriptException();
        return;
      }
    }
    size_t batch_len = sizeof read_batch_bytes_;
    zmq_getsockopt(sock_, ZLOG_ZMQ_IN_BATCH_SIZE, &read_batch_bytes_, &batch_len);
    // The per-message limits of zlog's libzmq patch (native/libzmq/): libzmq holds a multipart message whole until
    // its last frame arrives, so only libzmq itself can stop one of many large frames while it arrives.
    Napi::Value hb = o.Get("maxHeldMessageBytes"), hf = o.Get("maxHeldMessageFrames");
    int64_t held_bytes = hb.IsNumber() ? hb.ToNumber().Int64Value() : maxsize;
    int held_frames = hf.IsNumber() ? hf.ToNumber().Int32Value() : -1;
    if (zmq_setsockopt(sock_, ZLOG_ZMQ_MAXMSGBYTES, &held_bytes, sizeof held_bytes) != 0 ||
        zmq_setsockopt(sock_, ZLOG_ZMQ_MAXMSGPARTS, &held_frames, sizeof held_frames) != 0) {
      Napi::Error::New(env, std::string("native receiver: libzmq refused the per-message limits (not built by scripts/build-libzmq.sh?): ") +
                                zmq_strerror(zmq_errno()))
          .ThrowAsJavaScriptException();
      return;
    }
    if (o.Has("curve") && o.Get("curve").IsObject()) {
      if (!SetUpCurve(env, o.Get("curve").As<Napi::Object>())) return;
    }
    if (st == ZMQ_SUB) {
      Napi::Value t = o.Get("subscribe");
      if (t.IsArray()) {
        Napi::Array a = t.As<Napi::Array>();
        for (uint32_t i = 0; i < a.Length(); i++) {
          std::string s = a.Get(i).ToString().Utf8Value();
          zmq_setsockopt(sock_, ZMQ_SUBSCRIBE, s.data(), s.size());
          topics_.push_back(s);
        }
      }
    }
    // Wake-up channel: JavaScript's end sends one empty message per request, the thread's end is polled.
    wake_rx_ = zmq_socket(ctx_, ZMQ_PAIR);
    wake_tx_ = zmq_socket(ctx_, ZMQ_PAIR);
    std::string ep = "inproc://zlog-wake-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    zmq_bind(wake_rx_, ep.c_str());
    zmq_connect(wake_tx_, ep.c_str());
    zmq_setsockopt(wake_tx_, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(wake_rx_, ZMQ_LINGER, &linger, sizeof linger);
    // Connection events for the health monitor (libzmq's socket monitor, as zeromq.js's socket.events uses).
    std::string mon = "inproc://zlog-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    zmq_socket_monitor(sock_, mon.c_str(),
                       ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    monitor_ = zmq_socket(ctx_, ZMQ_PAIR);
    zmq_setsockopt(monitor_, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(monitor_, mon.c_str());
    on_chunk_ = Napi::Persistent(info[1].As<Napi::Function>());
  }

  ~Receiver() override { Shutdown(); }

  // curve: { serverSecretKey: Z85 text (40 characters), zapDomain }. The ZAP handler binds in this context before
  // the socket binds, so no peer can complete a handshake unanswered; the allow-list starts empty (setClientKeys).
  bool SetUpCurve(Napi::Env env, Napi::Object c) {
    std::string secret = c.Get("serverSecretKey").ToString().Utf8Value();
    std::string domain = c.Get("zapDomain").ToString().Utf8Value();
    zap_ = std::make_unique<zlog::ZapServer>(ctx_, domain);
    if (!zap_->ok()) {
      Napi::Error::New(env, "native receiver: ZAP handler: " + zap_->error()).ThrowAsJavaScriptException();
      return false;
    }
    int one = 1;
    if (secret.size() != 40 || zmq_setsockopt(sock_, ZMQ_CURVE_SECRETKEY, secret.c_str(), 40) != 0 ||
        zmq_setsockopt(sock_, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock_, ZMQ_ZAP_DOMAIN, domain.data(), domain.size()) != 0) {
      Napi::Error::New(env, std::string("native receiver: CURVE server options refused (libzmq without CURVE, or a bad key): ") +
                                zmq_strerror(zmq_errno()))
          .ThrowAsJavaScriptException();
      return false;
    }
    // ZMQ_ZAP_ENFORCE_DOMAIN (draft, 93): fail closed should the handler ever be missing. Debian's libzmq may be
    // built without draft options; the handler above is bound for the socket's whole life either way.
    zap_enforced_ = zmq_setsockopt(sock_, 93, &one, sizeof one) == 0;
    // ROUTER: a connection's key is known at its handshake, before it sends anything (zlog's libzmq patch delivers
    // [routing id, empty frame] with the connection's metadata; ReceiveOne tracks it and drops the message), so a
    // connection that never sent a message is ended at a key removal too (SweepRevoked).
    if (router_ && zmq_setsockopt(sock_, ZLOG_ZMQ_ROUTER_NOTIFY_CONNECT, &one, sizeof one) != 0) {
      Napi::Error::New(env, std::string("native receiver: libzmq refused ZLOG_ZMQ_ROUTER_NOTIFY_CONNECT (not built by scripts/build-libzmq.sh?): ") +
                                zmq_strerror(zmq_errno()))
          .ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  // setClientKeys([[hex, name], ...]): the allowed client keys (64 hex characters each) and their names.
  Napi::Value SetClientKeys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!zap_) return ThrowValue(env, "setClientKeys on a receiver without curve");
    if (!info[0].IsArray()) return ThrowValue(env, "setClientKeys([[hex, name], ...]) expected");
    Napi::Array a = info[0].As<Napi::Array>();
    std::unordered_map<std::string, std::string> keys;
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Array e = a.Get(i).As<Napi::Array>();
      std::string hex = e.Get(uint32_t{0}).ToString().Utf8Value();
      if (hex.size() != 64) return ThrowValue(env, "setClientKeys: key " + std::to_string(i) + " is not 64 hex characters");
      keys.emplace(std::move(hex), e.Get(uint32_t{1}).ToString().Utf8Value());
    }
    zap_->SetKeys(std::move(keys));
    Wake();  // the thread ends connections of removed keys at once (SweepRevoked)
    return env.Undefined();
  }

  // authStats(): counters since start and the refusals kept since the last call (at most zap.h's limit).
  Napi::Value AuthStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (!zap_) return env.Null();
    o.Set("accepted", Napi::Number::New(env, static_cast<double>(zap_->accepted())));
    Napi::Object refused = Napi::Object::New(env);
    for (int r = 0; r < zlog::kRefusalReasons; r++) {
      auto reason = static_cast<zlog::Refusal>(r);
      refused.Set(zlog::RefusalName(reason), Napi::Number::New(env, static_cast<double>(zap_->refused(reason))));
    }
    o.Set("refused", refused);
    o.Set("revokedMessages", Napi::Number::New(env, static_cast<double>(revoked_messages_.load())));
    o.Set("revokedConnections", Napi::Number::New(env, static_cast<double>(revoked_connections_.load())));
    o.Set("zapEnforceDomain", Napi::Boolean::New(env, zap_enforced_));
    auto events = zap_->TakeRefusals();
    Napi::Array list = Napi::Array::New(env, events.size());
    for (size_t i = 0; i < events.size(); i++) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("reason", zlog::RefusalName(events[i].reason));
      if (!events[i].key.empty()) e.Set("key", Napi::Buffer<char>::Copy(env, events[i].key.data(), events[i].key.size()));
      e.Set("address", events[i].address);
      list.Set(static_cast<uint32_t>(i), e);
    }
    o.Set("refusals", list);
    return o;
  }

 private:
  // ---- JavaScript thread ----

  Napi::Value Bind(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (started_) return ThrowValue(env, "bind after start");
    std::string ep = info[0].ToString().Utf8Value();
    if (zmq_bind(sock_, ep.c_str()) != 0) return ThrowValue(env, "bind " + ep + ": " + zmq_strerror(zmq_errno()));
    char last[256];
    size_t n = sizeof last;
    zmq_getsockopt(sock_, ZMQ_LAST_ENDPOINT, last, &n);
    std::string actual(last);
    bound_.push_back(actual);
    return Napi::String::New(env, actual);
  }

  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (started_) return ThrowValue(env, "connect after start");
    std::string ep = info[0].ToString().Utf8Value();
    if (zmq_connect(sock_, ep.c_str()) != 0) return ThrowValue(env, "connect " + ep + ": " + zmq_strerror(zmq_errno()));
    connected_.push_back(ep);
    return env.Undefined();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (started_) return env.Undefined();
    started_ = true;
    tsfn_ = Napi::ThreadSafeFunction::New(env, on_chunk_.Value(), "zlog-native-receive", 0, 1);
    thread_ = std::thread([this] { Run(); });
    return env.Undefined();
  }

  // lend(buffer[, fillBytes]): a buffer the thread may fill (up to fillBytes): an ArrayBuffer, or a Uint8Array
  // (over a SharedArrayBuffer: the pipeline's pool, collector/pipeline/buffer-pool.ts; Node-API reads a shared
  // buffer's memory only through a typed array). The same object comes back with the delivery. JavaScript must
  // not touch it until then.
  Napi::Value Lend(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint8_t* data;
    size_t cap;
    if (info[0].IsArrayBuffer()) {
      Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
      data = static_cast<uint8_t*>(ab.Data());
      cap = ab.ByteLength();
    } else if (info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      Napi::Uint8Array u = info[0].As<Napi::Uint8Array>();
      data = u.Data();
      cap = u.ByteLength();
    } else {
      return ThrowValue(env, "lend(ArrayBuffer | Uint8Array) expected");
    }
    const size_t whole = cap;
    if (info.Length() > 1 && info[1].IsNumber()) {
      int64_t fill = info[1].ToNumber().Int64Value();
      if (fill > 0 && static_cast<size_t>(fill) < cap) cap = static_cast<size_t>(fill);
    }
    uint32_t slot;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
      } else {
        slot = static_cast<uint32_t>(refs_.size());
        refs_.emplace_back();
      }
      refs_[slot] = Napi::Persistent(info[0].As<Napi::Object>());
      lent_.push_back({slot, data, cap, whole});
    }
    Wake();
    return env.Undefined();
  }

  // reclaim(keep): gives back the lent buffers the thread has not started to fill, all but `keep` of them, as an
  // array of the objects lent (oldest first). For an idle input (collector/inputs/zmq/native-frame-input.ts): a
  // buffer it holds is memory, and a pooled one a slot, that busy inputs could use. The buffer the thread is
  // filling, if any, is not among those lent here and stays; with keep >= 1 the thread always has one to take.
  Napi::Value Reclaim(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int64_t keep = info.Length() > 0 && info[0].IsNumber() ? info[0].ToNumber().Int64Value() : -1;
    if (keep < 0) return ThrowValue(env, "reclaim(keep): a count >= 0 expected");
    Napi::Array out = Napi::Array::New(env);
    std::lock_guard<std::mutex> g(mu_);
    uint32_t i = 0;
    while (lent_.size() > static_cast<size_t>(keep)) {
      Lent l = lent_.front();
      lent_.pop_front();
      out.Set(i++, refs_[l.slot].Value());
      refs_[l.slot].Reset();
      free_slots_.push_back(l.slot);
    }
    return out;
  }

  Napi::Value Pause(const Napi::CallbackInfo& info) {
    paused_.store(true, std::memory_order_relaxed);
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    paused_.store(false, std::memory_order_relaxed);
    Wake();
    return info.Env().Undefined();
  }

  // stopAccepting(quietMs, unbind): optionally unbind/disconnect, then read until the socket has been quiet for
  // quietMs; the final delivery carries drained = true and the socket is closed.
  Napi::Value StopAccepting(const Napi::CallbackInfo& info) {
    quiet_ms_.store(info[0].ToNumber().Int32Value());
    unbind_on_stop_.store(info.Length() > 1 && info[1].ToBoolean().Value());
    // paused_ is left as it is: a full queue still holds reading back during the drain (JavaScript resumes when
    // there is room), so a drain under a flood cannot read past the queue's limits.
    stop_accepting_.store(true);
    Wake();
    return info.Env().Undefined();
  }

  // send([frame, ...][, connection]) (ROUTER): queues one reply, routing id first, for the receive thread to send;
  // with connection (the number a delivery gave for the message answered), only to that connection (SendReplies).
  // Returns false when maxReplies are already waiting (the reply is dropped; the caller counts it).
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!router_) return ThrowValue(env, "send on a receiver that is not a ROUTER");
    if (!info[0].IsArray()) return ThrowValue(env, "send([routingId, ...frames]) expected");
    Napi::Array a = info[0].As<Napi::Array>();
    std::vector<std::string> frames;
    frames.reserve(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value v = a.Get(i);
      if (!v.IsTypedArray()) return ThrowValue(env, "send: frame " + std::to_string(i) + " is not a Uint8Array");
      Napi::Uint8Array u = v.As<Napi::Uint8Array>();
      frames.emplace_back(reinterpret_cast<const char*>(u.Data()), u.ByteLength());
    }
    if (frames.size() < 2) return ThrowValue(env, "send: a routing id and at least one frame expected");
    uint64_t conn = 0;
    if (info.Length() > 1 && info[1].IsNumber()) {
      double d = info[1].As<Napi::Number>().DoubleValue();
      if (!(d >= 0 && d < 9007199254740992.0)) return ThrowValue(env, "send: connection is not a number a delivery gave");
      conn = static_cast<uint64_t>(d);
    }
    {
      std::lock_guard<std::mutex> g(reply_mu_);
      if (replies_.size() >= max_replies_) return Napi::Boolean::New(env, false);
      replies_.push_back(Reply{std::move(frames), conn});
      replies_pending_.store(replies_.size());
    }
    Wake();
    return Napi::Boolean::New(env, true);
  }

  // takeRoutingIdRefusals() (ROUTER): the connections refused for presenting a routing id another connection held,
  // since the last call, as [{ reason: 'routing_id_in_use' | 'routing_id_other_key', user }] (user: the refused
  // connection's CURVE key name, '' without CURVE); at most kMaxRoutingIdRefusals kept between calls.
  Napi::Value TakeRoutingIdRefusals(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::deque<std::pair<bool, std::string>> taken;
    {
      std::lock_guard<std::mutex> g(refusals_mu_);
      taken.swap(routing_id_refusals_);
    }
    Napi::Array list = Napi::Array::New(env, taken.size());
    for (size_t i = 0; i < taken.size(); i++) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("reason", taken[i].first ? "routing_id_other_key" : "routing_id_in_use");
      e.Set("user", taken[i].second);
      list.Set(static_cast<uint32_t>(i), e);
    }
    return list;
  }

  // grantAcks(records, bytes) (ROUTER with ackAtReceipt): adds to the budget within which the thread acknowledges
  // batches itself; every batch it acknowledges takes its record count and its header + payload bytes from it.
  Napi::Value GrantAcks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ack_at_receipt_) return ThrowValue(env, "grantAcks on a receiver without ackAtReceipt");
    double r = info[0].ToNumber().DoubleValue(), b = info[1].ToNumber().DoubleValue();
    if (!(r >= 0 && b >= 0 && r < 9007199254740992.0 && b < 9007199254740992.0)) return ThrowValue(env, "grantAcks(records, bytes): two counts >= 0 expected");
    std::lock_guard<std::mutex> g(budget_mu_);
    budget_records_ += static_cast<uint64_t>(r);
    budget_bytes_ += static_cast<uint64_t>(b);
    return env.Undefined();
  }

  // revokeAcks() (ROUTER with ackAtReceipt): empties the budget and returns what was left of it, [records, bytes].
  // Once it returns the thread acknowledges nothing more until the next grant.
  Napi::Value RevokeAcks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint64_t r, b;
    {
      std::lock_guard<std::mutex> g(budget_mu_);
      r = budget_records_;
      b = budget_bytes_;
      budget_records_ = budget_bytes_ = 0;
    }
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(uint32_t{0}, Napi::Number::New(env, static_cast<double>(r)));
    out.Set(uint32_t{1}, Napi::Number::New(env, static_cast<double>(b)));
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  // What libzmq reads per read(2) on this socket's connections (ZLOG_ZMQ_IN_BATCH_SIZE, as set in the constructor).
  Napi::Value ReadBatchBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), read_batch_bytes_); }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("messages", Napi::Number::New(env, static_cast<double>(messages_.load())));
    o.Set("bytes", Napi::Number::New(env, static_cast<double>(bytes_.load())));
    o.Set("oversize", Napi::Number::New(env, static_cast<double>(oversize_.load())));
    o.Set("waitsForBuffer", Napi::Number::New(env, static_cast<double>(waits_.load())));
    o.Set("accepted", Napi::Number::New(env, static_cast<double>(accepted_.load())));
    o.Set("connected", Napi::Number::New(env, static_cast<double>(connected_events_.load())));
    o.Set("disconnected", Napi::Number::New(env, static_cast<double>(disconnected_.load())));
    o.Set("handshakeFailed", Napi::Number::New(env, static_cast<double>(handshake_failed_.load())));
    o.Set("refusedConnections", Napi::Number::New(env, static_cast<double>(refused_connections_.load())));
    o.Set("protocolDrops", Napi::Number::New(env, static_cast<double>(protocol_drops_.load())));
    o.Set("unreadMessages", Napi::Number::New(env, static_cast<double>(unread_messages_.load())));
    o.Set("unreadBytes", Napi::Number::New(env, static_cast<double>(unread_bytes_.load())));
    if (router_) {
      o.Set("repliesPending", Napi::Number::New(env, static_cast<double>(replies_pending_.load())));
      o.Set("repliesSent", Napi::Number::New(env, static_cast<double>(replies_sent_.load())));
      o.Set("repliesUnroutable", Napi::Number::New(env, static_cast<double>(replies_unroutable_.load())));
      o.Set("repliesBlocked", Napi::Number::New(env, static_cast<double>(replies_blocked_.load())));
      o.Set("repliesToEndedConnections", Napi::Number::New(env, static_cast<double>(replies_stale_.load())));
      o.Set("threadAcks", Napi::Number::New(env, static_cast<double>(thread_acks_.load())));
    }
    o.Set("frameTooLarge", Napi::Number::New(env, static_cast<double>(frame_too_large_.load())));
    o.Set("messageTooLarge", Napi::Number::New(env, static_cast<double>(message_too_large_.load())));
    o.Set("tooManyFrames", Napi::Number::New(env, static_cast<double>(too_many_frames_.load())));
    if (router_) {
      o.Set("routingIdInUse", Napi::Number::New(env, static_cast<double>(routing_id_in_use_.load())));
      o.Set("routingIdOtherKey", Napi::Number::New(env, static_cast<double>(routing_id_other_key_.load())));
    }
    return o;
  }

  Napi::Value ThrowValue(Napi::Env env, const std::string& msg) {
    Napi::Error::New(env, "native receiver: " + msg).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  void Wake() {
    if (wake_tx_) zmq_send(wake_tx_, "", 0, ZMQ_DONTWAIT);
  }

  // A drain that ran out of time (JavaScript closes the receiver before the thread delivered drained): what is lost
  // with the socket, so the drain can say it. libzmq has no call for a queue's depth, so its messages are read and
  // discarded here (bounded: at most 1,000,000 messages or 500 ms); the kernel's share is FIONREAD on the copies.
  void CountUnread() {
    uint64_t n = 0;
    double until = NowMs() + 500;
    for (; n < 1000000 && NowMs() < until;) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      int rc = zmq_msg_recv(&m, sock_, ZMQ_DONTWAIT);
      bool more = rc >= 0 && zmq_msg_more(&m);
      zmq_msg_close(&m);
      if (rc < 0) break;
      if (!more) n++;
    }
    uint64_t bytes = 0;
    for (auto& w : watched_) {
      int queued = 0;
      if (ioctl(w.second, FIONREAD, &queued) == 0 && queued > 0) bytes += static_cast<uint64_t>(queued);
    }
    unread_messages_.store(n);
    unread_bytes_.store(bytes);
  }

  void Shutdown() {
    if (closed_) return;
    closed_ = true;
    closing_.store(true);
    Wake();
    if (thread_.joinable()) thread_.join();
    if (started_) tsfn_.Release();
    if (wake_tx_) zmq_close(wake_tx_);
    if (wake_rx_) zmq_close(wake_rx_);
    if (sock_ && !sock_closed_) {
      if (stop_accepting_.load()) CountUnread();
      zmq_socket_monitor(sock_, nullptr, 0);
      zmq_close(sock_);
    }
    if (monitor_) zmq_close(monitor_);
    for (auto& w : watched_) close(w.second);
    watched_.clear();
    zmq_msg_close(&pin_);
    zap_.reset();
    wake_tx_ = wake_rx_ = sock_ = monitor_ = nullptr;
    if (ctx_) zmq_ctx_term(ctx_);
    ctx_ = nullptr;
  }

  // ---- receive thread ----

  bool TakeBuffer() {
    std::lock_guard<std::mutex> g(mu_);
    if (lent_.empty()) return false;
    cur_ = lent_.front();
    lent_.pop_front();
    have_cur_ = true;
    cur_len_ = 0;
    cur_msgs_ = 0;
    cur_frames_ = 0;
    cur_bytes_ = 0;
    return true;
  }

  void Deliver(Delivery* d) {
    tsfn_.BlockingCall(d, [this](Napi::Env env, Napi::Function cb, Delivery* d) { OnDelivery(env, cb, d); });
  }

  void Flush(bool drained) {
    if (have_cur_ && (cur_msgs_ > 0 || drained)) {
      Deliver(new Delivery{cur_.slot, nullptr, cur_len_, cur_msgs_, cur_frames_, cur_bytes_, drained});
      have_cur_ = false;
    } else if (drained) {
      Deliver(new Delivery{-1, nullptr, 0, 0, 0, 0, true});
    }
  }

  // Hands over the current buffer only while JavaScript has lent another one: the pipeline lends a buffer only
  // when it can start on a chunk at once (Pipeline.requestChunkBuffer), so holding none means its workers are
  // busy and a chunk handed over now would only wait. The thread keeps filling the buffer it has instead, and
  // the next lend (a worker came free) wakes it to hand over everything received meanwhile. An idle collector
  // always has a buffer to spare, so a quiet input still hands over each message at once; a busy one hands
  // over chunks of everything that arrived during one worker's chunk. At 100 B records handing over whenever
  // the socket was momentarily empty made chunks of ~37 messages, and the per-chunk work (transfers, worker
  // messages, writes) cost the main thread more than the records did. Nothing is held longer than
  // kMaxHoldMs. PULL and SUB (no reply waits on them) also keep filling a buffer with a spare one at hand until it
  // is half full or kMinHoldMs old (FillOrHeld). Returns how long the loop may wait before calling again (ms;
  // kIdlePollMs when nothing is held).
  long FlushIfIdle() {
    if (!have_cur_ || cur_msgs_ == 0) return kIdlePollMs;
    bool spare;
    {
      std::lock_guard<std::mutex> g(mu_);
      spare = !lent_.empty();
    }
    double held = NowMs() - cur_first_ms_;
    if ((spare && (router_ || FillOrHeld(held))) || held >= kMaxHoldMs) {
      Flush(false);
      return kIdlePollMs;
    }
    long left = static_cast<long>((spare ? kMinHoldMs : kMaxHoldMs) - held) + 1;
    return left < kIdlePollMs ? left : kIdlePollMs;
  }

  // PULL/SUB: whether a buffer is worth handing over although the socket is only momentarily empty. A worker
  // that writes its lines natively (ndjson.cc) is back for the next chunk so soon that chunks stayed at ~100
  // (1 KiB) to ~200 (100 B) records, and the main thread's work per chunk (the delivery, the worker's round trip,
  // the file's writev, lending the buffer again) was most of its CPU per record. Holding up to kMinHoldMs adds at
  // most that to a quiet input's path to the file, and nothing to an acknowledgement (PULL/SUB have none).
  // Full means the chunk's NDJSON, estimated, reaches the fill mark: half the pooled buffer its output goes in
  // (fillBytes is half a buffer: Pipeline.requestChunkBuffer), so even short records, whose lines are twice
  // their size or more, fit it. It was half the fill mark: ~250 records of 1 KiB per chunk.
  bool FillOrHeld(double held) const { return cur_len_ + cur_frames_ * kLineOverheadBytes >= cur_.cap || held >= kMinHoldMs; }

  // Packs one whole message (frames already received) into the current buffer. Returns false when no buffer
  // is available yet: the caller keeps the message pending and waits for one.
  bool Place(std::vector<zmq_msg_t>& frames, uint64_t total, uint64_t records, double now, const std::string* sender, uint8_t extra_flags = 0) {
    size_t need = kMsgHeader + 4 * frames.size() + total + (sender ? 4 + sender->size() : 0) + (pending_conn_ ? kConnectionBytes : 0);
    if (have_cur_ && cur_len_ > 0 && cur_len_ + need > cur_.cap) Flush(false);
    if (!have_cur_ && !TakeBuffer()) return false;
    uint8_t* out;
    uint8_t* owned = nullptr;
    // Fits under the fill mark, or alone in the whole (empty) buffer: in place. Else a buffer of its own.
    if (cur_len_ + need <= cur_.cap || need <= cur_.full) {
      out = cur_.data + cur_len_;
    } else {
      owned = static_cast<uint8_t*>(std::malloc(need));
      if (!owned) {
        oversize_.fetch_add(1, std::memory_order_relaxed);
        return true;  // dropped and counted, like a message above maxMessageBytes
      }
      out = owned;
    }
    out[0] = 0;
    out[1] = input_;
    out[2] = 0;
    PutU32(out + 4, 0);
    std::memcpy(out + 8, &now, 8);
    PutU32(out + 16, static_cast<uint32_t>(frames.size()));
    size_t o = kMsgHeader;
    // ROUTER frames are a routing id, a protocol header and a payload: only an uncompressed payload's records
    // are scanned (NativePayloadJsonPlain), not the id and header.
    bool plain = !router_;
    for (auto& f : frames) {
      size_t n = zmq_msg_size(&f);
      PutU32(out + o, static_cast<uint32_t>(n));
      std::memcpy(out + o + 4, zmq_msg_data(&f), n);
      if (!router_) plain = plain && JsonPlain(out + o + 4, n);
      o += 4 + n;
    }
    bool crc_ok = false, acked = false;
    if (router_ && frames.size() == 3 && extra_flags == 0) {
      const uint8_t* header = static_cast<const uint8_t*>(zmq_msg_data(&frames[1]));
      const uint8_t* payload = out + o - zmq_msg_size(&frames[2]);
      crc_ok = NativePayloadCrcMatches(header, zmq_msg_size(&frames[1]), payload, zmq_msg_size(&frames[2]));
      uint32_t ack_us = 0;
      if (crc_ok && ack_at_receipt_ && AckAtReceipt(frames, payload, now, &ack_us)) {
        acked = true;
        PutU32(out + 4, ack_us);
      }
      // After the ACK: the JSON-plain scan decides only how the worker copies the records, not whether the batch
      // is accepted, and at 1 KiB records it is a pass over the whole payload (~1 MiB) that held the ACK back.
      plain = NativePayloadJsonPlain(header, zmq_msg_size(&frames[1]), payload, zmq_msg_size(&frames[2]));
    }
    if (sender) {
      PutU32(out + o, static_cast<uint32_t>(sender->size()));
      std::memcpy(out + o + 4, sender->data(), sender->size());
      o += 4 + sender->size();
    }
    if (pending_conn_) {
      PutU32(out + o, static_cast<uint32_t>(pending_conn_ >> 32));
      PutU32(out + o + 4, static_cast<uint32_t>(pending_conn_));
    }
    out[3] = (sender ? kFlagSender : 0) | (plain ? kFlagJsonPlain : 0) | (pending_conn_ ? kFlagConnection : 0) | (crc_ok ? kFlagCrcChecked : 0) | (acked ? kFlagAcked : 0) | extra_flags;
    if (owned) {
      Deliver(new Delivery{cur_.slot, owned, need, 1, records, total, false});
      have_cur_ = false;
    } else {
      cur_len_ += need;
      if (cur_msgs_ == 0) cur_first_ms_ = now;
      cur_msgs_++;
      cur_frames_ += records;
      cur_bytes_ += total;
      if (cur_len_ >= cur_.cap) Flush(false);  // a big message took it past the fill mark
    }
    return true;
  }

  // ackMode received: acknowledges the message [routing id, header, payload] now, if the input would accept it
  // (NativeAckable; the CRC-32 was found to match) and the budget JavaScript granted covers it (records, and the
  // bytes the input charges: header + payload, which for an uncompressed batch is also its declared length).
  // The message has just been copied into a chunk buffer, so it is held by the collector. Returns whether it
  // was acknowledged (the ACK may still have been dropped like any reply, and counted); us: receipt to ACK.
  bool AckAtReceipt(std::vector<zmq_msg_t>& frames, const uint8_t* payload, double received, uint32_t* us) {
    const uint8_t* header = static_cast<const uint8_t*>(zmq_msg_data(&frames[1]));
    size_t header_len = zmq_msg_size(&frames[1]), n = zmq_msg_size(&frames[2]);
    uint32_t records = 0;
    if (!NativeAckable(header, header_len, payload, n, ack_limits_, &records)) return false;
    uint64_t charged = header_len + n;
    {
      std::lock_guard<std::mutex> g(budget_mu_);
      if (budget_records_ < records || budget_bytes_ < charged) return false;
      budget_records_ -= records;
      budget_bytes_ -= charged;
    }
    // The reply layout of collector/protocol/reply.ts: magic, version 1, type 1 (ACK), the batch's sequence
    // number (header bytes 8-15, big-endian as there), reason code 0.
    uint8_t ack[13] = {'Z', 'L', 1, 1};
    std::memcpy(ack + 4, header + 8, 8);
    ack[12] = 0;
    if (pending_conn_ != 0 && !ConnectionOpen(pending_conn_)) {
      replies_stale_.fetch_add(1, std::memory_order_relaxed);
    } else {
      const void* data[2] = {zmq_msg_data(&frames[0]), ack};
      size_t sizes[2] = {zmq_msg_size(&frames[0]), sizeof ack};
      SendReply(2, [&](size_t i) { return std::make_pair(data[i], sizes[i]); });
    }
    thread_acks_.fetch_add(1, std::memory_order_relaxed);
    double d = (NowMs() - received) * 1000;
    *us = d <= 0 ? 0 : d >= 4294967295.0 ? 4294967295u : static_cast<uint32_t>(d);
    return true;
  }

  const std::string* Sender() const { return zap_ ? &pin_name_ : nullptr; }

  void ClosePending() {
    for (auto& f : pending_) zmq_msg_close(&f);
    pending_.clear();
    pending_conn_ = 0;
  }

  // ROUTER: the connection a message came on, as descriptor << 32 | socket inode (0: unknown). The inode tells
  // this connection from a later one that got the same descriptor number once libzmq closed this one.
  static uint64_t ConnectionOf(zmq_msg_t* m) {
    int fd = zmq_msg_get(m, ZMQ_SRCFD);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
    return (static_cast<uint64_t>(static_cast<uint32_t>(fd)) << 32) | static_cast<uint32_t>(st.st_ino);
  }

  // Whether libzmq still has connection conn (ConnectionOf) open: its descriptor is still that socket. libzmq
  // closes a connection's descriptor in its I/O thread when the connection ends (stream_engine_base_t::error),
  // before the socket can give the connection's routing id to another one (the socket learns of the end by a
  // command sent from there; a new connection's handshake runs after it on the one I/O thread), so a reply
  // checked here cannot reach a later holder of the id.
  static bool ConnectionOpen(uint64_t conn) {
    int fd = static_cast<int>(conn >> 32);
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && static_cast<uint32_t>(st.st_ino) == static_cast<uint32_t>(conn);
  }

  // CURVE inputs: who sent the message whose first frame is m (its key's name, from the ZAP reply), and whether
  // that key is still allowed. A connection whose key was removed since it authenticated is ended at the change
  // (SweepRevoked) or, if not remembered (Track), here at its first message after it: libzmq has no call that
  // closes one peer's connection, so the TCP socket is shut down under it (ZMQ_SRCFD) and libzmq then drops the
  // connection as if the peer had hung up; the peer reconnects and ZAP refuses it. The verdict is cached per connection (pin_ holds a copy of one of its messages, which keeps its
  // metadata alive, so an equal User-Id pointer means the same connection) and per key-set generation.
  bool CheckSender(zmq_msg_t* m) {
    const char* uid = zmq_msg_gets(m, "User-Id");
    uint64_t gen = zap_->Generation();
    if (uid == nullptr || uid != pin_uid_ || gen != pin_gen_) {
      zmq_msg_close(&pin_);
      zmq_msg_init(&pin_);
      zmq_msg_copy(&pin_, m);
      pin_uid_ = uid;
      pin_gen_ = gen;
      const char* key = zmq_msg_gets(m, "Curve-Key");
      pin_ok_ = zap_->StillAllowed(uid, key);
      pin_name_ = uid ? uid : "";
      if (!pin_ok_) Kick(m, uid);
      else Track(m, uid, key);
    }
    return pin_ok_;
  }

  // Remembers an allowed connection by its descriptor (ZMQ_SRCFD) so that SweepRevoked can end it without a
  // message; forgotten at its DISCONNECTED event (whose value is the descriptor) or when ended.
  void Track(zmq_msg_t* m, const char* uid, const char* key) {
    int fd = zmq_msg_get(m, ZMQ_SRCFD);
    const char* peer = zmq_msg_gets(m, "Peer-Address");
    if (fd < 0 || uid == nullptr || key == nullptr || peer == nullptr) return;
    auto it = tracked_.find(fd);
    if (it != tracked_.end()) {
      // Same connection as last time (interleaved senders re-check often): nothing to copy.
      if (it->second.uid == uid && it->second.name == uid && it->second.key == key) return;
      it->second = Tracked{uid, uid, key, peer};
      return;
    }
    if (tracked_.size() >= kMaxTrackedConnections) return;
    tracked_.emplace(fd, Tracked{uid, uid, key, peer});
  }

  // After the allow-list changed: ends every remembered connection whose key left it (or was renamed), idle or
  // not, the way Kick does, and counts it. ROUTER inputs remember a connection from its handshake (the connect
  // notification, ReceiveOne); PULL/SUB ones from its first message (only messages carry a connection's key
  // there), so a PULL/SUB connection that has sent nothing yet is ended at its first message.
  void SweepRevoked() {
    uint64_t gen = zap_->Generation();
    if (gen == swept_gen_) return;
    swept_gen_ = gen;
    for (auto it = tracked_.begin(); it != tracked_.end();) {
      const Tracked& t = it->second;
      if (zap_->StillAllowed(t.name.c_str(), t.key.c_str())) {
        ++it;
        continue;
      }
      if (SamePeer(it->first, t.peer.c_str())) {
        bool already = false;
        for (const char* k : kicked_) already = already || k == t.uid;
        if (!already) {
          shutdown(it->first, SHUT_RDWR);
          revoked_connections_.fetch_add(1);
          if (kicked_.size() >= kKickedMemory) kicked_.pop_front();
          kicked_.push_back(t.uid);
        }
      }
      it = tracked_.erase(it);
    }
  }

  // Whether descriptor fd is still a TCP connection from the address libzmq recorded for it (a descriptor read
  // from a message or an event may have been closed and reused since).
  static bool SamePeer(int fd, const char* peer) {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    if (peer == nullptr || getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return false;
    char host[64] = {0};
    if (sa.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&sa)->sin_addr, host, sizeof host);
    else if (sa.ss_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&sa)->sin6_addr, host, sizeof host);
    else return false;  // ipc/inproc: only TCP connections are ended this way
    return std::strcmp(host, peer) == 0;
  }

  void Kick(zmq_msg_t* m, const char* uid) {
    for (const char* k : kicked_)
      if (k == uid) return;  // already ended; this message was queued before it was
    int fd = zmq_msg_get(m, ZMQ_SRCFD);
    if (fd < 0) return;
    // The descriptor must still be this connection's: compare the peer address libzmq recorded at accept.
    if (!SamePeer(fd, zmq_msg_gets(m, "Peer-Address"))) return;
    tracked_.erase(fd);
    shutdown(fd, SHUT_RDWR);
    revoked_connections_.fetch_add(1);
    if (kicked_.size() >= kKickedMemory) kicked_.pop_front();
    kicked_.push_back(uid);
  }

  // Records a frame becomes: 1, or with framing lines one per '\n' plus the piece after the last one (an upper
  // bound: the worker skips empty lines). The same count as frameRecords() in collector/inputs/zmq/socket.ts.
  uint64_t FrameRecords(const zmq_msg_t* f) const {
    if (!count_lines_) return 1;
    const char* p = static_cast<const char*>(zmq_msg_data(const_cast<zmq_msg_t*>(f)));
    size_t n = zmq_msg_size(const_cast<zmq_msg_t*>(f));
    uint64_t r = 1;
    for (const void* q; n > 0 && (q = std::memchr(p, '\n', n)) != nullptr;) {
      r++;
      size_t skip = static_cast<const char*>(q) - p + 1;
      p += skip;
      n -= skip;
    }
    return r;
  }

  // Receives every frame of one message. Returns 1 for a message, 2 for one over maxMessageBytes or
  // maxMessageRecords (its frames are released as they come instead of held: libzmq hands over a multipart
  // message only whole, but zlog holds no second copy of it), 3 for a CURVE ROUTER's connect notification (a
  // routing id and one empty frame: see SetUpCurve; its connection is now tracked), 0 for none waiting, -1 for
  // a dead socket. A peer's own message of one empty frame is not a protocol message and is dropped the same way.
  int ReceiveOne(uint64_t* total, uint64_t* records) {
    *total = 0;
    *records = 0;
    bool first = true, over = false;
    size_t index = 0;
    for (;;) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      int rc = zmq_msg_recv(&m, sock_, first ? ZMQ_DONTWAIT : 0);
      if (rc < 0) {
        int e = zmq_errno();
        zmq_msg_close(&m);
        if (e == EINTR) continue;
        if (e == EAGAIN && first) return 0;
        ClosePending();
        return -1;
      }
      first = false;
      *total += static_cast<uint64_t>(rc);
      bool more = zmq_msg_more(&m);
      // The sender's connection metadata is on the frames read from its pipe; a ROUTER's first frame is the
      // routing id libzmq adds, so the first frame the peer sent is the second.
      if (zap_ && index == (router_ ? 1 : 0)) pending_revoked_ = !CheckSender(&m);
      if (router_ && index == 1) pending_conn_ = ConnectionOf(&m);
      index++;
      if (!over) {
        *records += FrameRecords(&m);
        over = *total > max_message_bytes_ || *records > max_message_records_;
        if (over) KeepForNack();
      }
      if (over) {
        zmq_msg_close(&m);
      } else {
        pending_.push_back(m);
      }
      if (!more) {
        if (router_ && zap_ && index == 2 && !over && zmq_msg_size(&pending_[1]) == 0) return 3;
        return over ? 2 : 1;
      }
    }
  }

  // An oversize message: PULL/SUB release all of it; a ROUTER keeps its routing id and a small header frame (what
  // was received before the limit was crossed) so that JavaScript can NACK it, and releases the rest.
  void KeepForNack() {
    if (!router_) {
      ClosePending();
      return;
    }
    size_t keep = pending_.size() < 2 ? pending_.size() : 2;
    if (keep == 2 && zmq_msg_size(&pending_[1]) > kOversizeKeepBytes) keep = 1;
    for (size_t i = keep; i < pending_.size(); i++) zmq_msg_close(&pending_[i]);
    pending_.resize(keep);
  }

  // Sends the replies JavaScript queued (ROUTER), each with ZMQ_DONTWAIT: a reply that cannot go at once is
  // dropped and counted (EHOSTUNREACH: the peer is gone, ZMQ_ROUTER_MANDATORY; EAGAIN: its pipe is full), and so
  // is one whose connection has ended (ConnectionOpen): its routing id may be another connection's by now.
  void SendReplies() {
    if (replies_pending_.load(std::memory_order_relaxed) == 0) return;
    std::deque<Reply> batch;
    {
      std::lock_guard<std::mutex> g(reply_mu_);
      batch.swap(replies_);
      replies_pending_.store(0);
    }
    for (auto& reply : batch) {
      if (reply.conn != 0 && !ConnectionOpen(reply.conn)) {
        replies_stale_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      auto& r = reply.frames;
      SendReply(r.size(), [&](size_t i) { return std::make_pair(static_cast<const void*>(r[i].data()), r[i].size()); });
    }
  }

  // Sends one reply of n frames (frame(i): data and size) with ZMQ_DONTWAIT, counting it as sent, or as dropped
  // when it cannot go at once (see SendReplies).
  template <typename Frame>
  void SendReply(size_t n, Frame frame) {
    for (size_t i = 0; i < n; i++) {
      int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
      std::pair<const void*, size_t> f = frame(i);
      while (zmq_send(sock_, f.first, f.second, flags) < 0) {
        int e = zmq_errno();
        if (e == EINTR) continue;
        if (e == EHOSTUNREACH) replies_unroutable_.fetch_add(1, std::memory_order_relaxed);
        else replies_blocked_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    replies_sent_.fetch_add(1, std::memory_order_relaxed);
  }

  // The drain's first step. zmq_unbind would end the accepted connections at once, and with them whatever their
  // peers had sent that was still in the kernel's buffers or libzmq's decoder (measured with rsyslog omczmq:
  // ~4,500 lines per SIGTERM at 25,000 lines/s). Instead every accepted TCP connection's write side is shut down:
  // the peer's libzmq reads end-of-stream, stops taking messages from its queue (they stay there, and go to the
  // next collector when it reconnects) and closes, and its kernel sends what it holds before the FIN; libzmq here
  // reads all of it and reports the disconnect, and the thread reads the queue empty before it closes the socket
  // (Run). Peers that connect meanwhile are asked the same at once (ACCEPTED). A SUB cancels its subscriptions,
  // so publishers stop sending to it. Connections this socket made (connect endpoints) are not shut: the binding
  // peer would drop its queue for them; the drain reads them until quiet.
  // When the peer's FIN comes while libzmq has stopped reading that connection (its queue at ZMQ_RCVHWM), both
  // directions are shut and epoll reports EPOLLHUP; upstream libzmq then dropped the connection with what was
  // still in the kernel's buffers (stream_engine_base_t::in_event_internal). zlog's libzmq reads it on to
  // end-of-stream as the queue makes room (native/libzmq/zlog-stream-read-to-eof.patch). What a sender's own
  // libzmq drops when it closes (the batch it had taken from its queue, not yet written) never reaches us:
  // bench/restarts.ts measures it (docs/operations.md).
  void StopPeers() {
    peers_stopped_ = true;
    for (auto& t : topics_) zmq_setsockopt(sock_, ZMQ_UNSUBSCRIBE, t.data(), t.size());
    for (int fd : accepted_fds_) {
      auto it = watched_.find(fd);
      if (it != watched_.end()) shutdown(it->second, SHUT_WR);
    }
  }

  void DrainWake() {
    zmq_msg_t m;
    for (;;) {
      zmq_msg_init(&m);
      int rc = zmq_msg_recv(&m, wake_rx_, ZMQ_DONTWAIT);
      zmq_msg_close(&m);
      if (rc < 0) break;
    }
  }

  // One connection above maxConnections: libzmq has no per-socket connection limit and no call that closes one
  // peer, so the accepted TCP socket (the ACCEPTED event's value) is shut down under it and libzmq drops the
  // connection as if the peer had hung up (as Kick does for revoked keys). The event is read after the fact, so
  // the descriptor is checked first: still a TCP socket whose local port is the listener's (the endpoint's).
  void RefuseConnection(int fd, const std::string& endpoint) {
    if (!IsListenerSocket(fd, endpoint)) return;
    shutdown(fd, SHUT_RDWR);
    refused_connections_.fetch_add(1);
  }

  // Whether fd (an ACCEPTED event's value, read after the fact) is still a TCP socket whose local port is the
  // listener's (the endpoint's), and not a descriptor number libzmq has since closed and reused elsewhere.
  bool IsListenerSocket(int fd, const std::string& endpoint) {
    size_t colon = endpoint.rfind(':');
    if (fd < 0 || colon == std::string::npos) return false;
    long port = std::strtol(endpoint.c_str() + colon + 1, nullptr, 10);
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return false;
    long local = sa.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port)
                 : sa.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port)
                                            : -1;
    return local == port;
  }

  // Why a connection ended. libzmq's monitor reports the same DISCONNECTED event whether the peer hung up or
  // libzmq itself dropped the connection on a protocol error after the handshake: bytes that are not ZMTP
  // (stream_engine_base_t::error(protocol_error) signals no other event; size-limit drops are named by zlog's
  // libzmq patch and counted at their own event, DrainMonitor). So the thread keeps its own copy of each TCP connection's descriptor (dup, taken
  // at ACCEPTED/CONNECTED): when DISCONNECTED comes, libzmq has stopped reading, and one MSG_PEEK byte on the
  // copy tells who ended it. A peer that hung up shows end of file (libzmq errors on EOF only after reading
  // everything before it; a key revocation's or maxConnections' shutdown looks the same); a peer that was
  // dropped while still connected shows bytes left unread or none yet (EAGAIN). Handshake failures (refused
  // key, handshake timeout) are counted as such already: libzmq signals them just before their DISCONNECTED
  // (one I/O thread, so adjacent), and that disconnect is not counted again. Costs one descriptor per
  // connection (connectionLimit in socket.ts counts it).
  void WatchConnection(int fd) {
    if (fd < 0) return;
    ForgetConnection(fd, false);
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy >= 0) watched_[fd] = copy;
  }

  void ForgetConnection(int fd, bool count) {
    auto it = watched_.find(fd);
    if (it == watched_.end()) return;
    if (count && !stop_accepting_.load() && !after_handshake_failure_) {
      char byte;
      ssize_t n = recv(it->second, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) protocol_drops_.fetch_add(1);
    }
    close(it->second);
    watched_.erase(it);
    accepted_fds_.erase(fd);
  }

  // Reads the socket monitor's events: frame 1 is u16 event + u32 value, frame 2 the endpoint.
  void DrainMonitor() {
    for (;;) {
      zmq_msg_t ev, ep;
      zmq_msg_init(&ev);
      if (zmq_msg_recv(&ev, monitor_, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&ev);
        return;
      }
      uint16_t event = 0;
      uint32_t value = 0;
      if (zmq_msg_size(&ev) >= 6) std::memcpy(&value, static_cast<uint8_t*>(zmq_msg_data(&ev)) + 2, 4);
      if (zmq_msg_size(&ev) >= 2) std::memcpy(&event, zmq_msg_data(&ev), 2);
      bool more = zmq_msg_more(&ev);
      zmq_msg_close(&ev);
      std::string endpoint;
      if (more) {
        zmq_msg_init(&ep);
        if (zmq_msg_recv(&ep, monitor_, 0) >= 0) endpoint.assign(static_cast<const char*>(zmq_msg_data(&ep)), zmq_msg_size(&ep));
        zmq_msg_close(&ep);
      }
      switch (event) {
        case ZMQ_EVENT_ACCEPTED:
          accepted_.fetch_add(1);
          if (max_connections_ > 0 && accepted_.load() + connected_events_.load() - disconnected_.load() > max_connections_) {
            RefuseConnection(static_cast<int>(value), endpoint);
          } else if (IsListenerSocket(static_cast<int>(value), endpoint)) {
            WatchConnection(static_cast<int>(value));
            accepted_fds_.insert(static_cast<int>(value));
            // A peer that connects while a drain runs is asked to stop like the others (StopPeers).
            if (peers_stopped_) shutdown(static_cast<int>(value), SHUT_WR);
          }
          break;
        case ZMQ_EVENT_CONNECTED:
          connected_events_.fetch_add(1);
          WatchConnection(static_cast<int>(value));
          break;
        case ZMQ_EVENT_DISCONNECTED:
          disconnected_.fetch_add(1);
          ForgetConnection(static_cast<int>(value), true);
          after_handshake_failure_ = false;
          tracked_.erase(static_cast<int>(value));
          break;
        // libzmq dropped the connection over a size limit (zlog's patch names which one in the event value):
        // counted under that limit only, once; the disconnect that follows is not peeked at again
        // (WatchConnection), so protocol_drops_ keeps the drops no limit names (bytes that are not ZMTP).
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
          if (value == ZLOG_ZMQ_PROTOCOL_ERROR_ROUTING_ID_IN_USE || value == ZLOG_ZMQ_PROTOCOL_ERROR_ROUTING_ID_OTHER_USER) {
            // zlog's libzmq patch refused a connection presenting a routing id another connection holds (the
            // endpoint frame is the refused connection's User-Id); the DISCONNECTED that follows is its end.
            bool other = value == ZLOG_ZMQ_PROTOCOL_ERROR_ROUTING_ID_OTHER_USER;
            (other ? routing_id_other_key_ : routing_id_in_use_).fetch_add(1);
            {
              std::lock_guard<std::mutex> g(refusals_mu_);
              if (routing_id_refusals_.size() < kMaxRoutingIdRefusals) routing_id_refusals_.emplace_back(other, endpoint);
            }
            after_handshake_failure_ = true;
          } else if (value == ZLOG_ZMQ_PROTOCOL_ERROR_FRAME_TOO_LARGE || value == ZLOG_ZMQ_PROTOCOL_ERROR_MESSAGE_TOO_LARGE ||
              value == ZLOG_ZMQ_PROTOCOL_ERROR_TOO_MANY_PARTS) {
            (value == ZLOG_ZMQ_PROTOCOL_ERROR_FRAME_TOO_LARGE     ? frame_too_large_
             : value == ZLOG_ZMQ_PROTOCOL_ERROR_MESSAGE_TOO_LARGE ? message_too_large_
                                                                  : too_many_frames_)
                .fetch_add(1);
            after_handshake_failure_ = true;
          } else {
            handshake_failed_.fetch_add(1);
            after_handshake_failure_ = true;
          }
          break;
        default:
          handshake_failed_.fetch_add(1);
          after_handshake_failure_ = true;
      }
    }
  }

  void Run() {
#if defined(__linux__)
    // Named so per-thread CPU (bench/run.ts, top -H, perf) tells it from V8's and libuv's threads.
    pthread_setname_np(pthread_self(), "zlog-receive");
#endif
    // Order matters: the socket last, so it can be left out of the poll while reading is paused.
    // The ZAP handler is answered even while reading is paused: a handshake must not wait on the pipeline.
    void* zap = zap_ ? zap_->socket() : nullptr;
    zmq_pollitem_t items[4] = {{wake_rx_, 0, ZMQ_POLLIN, 0}, {monitor_, 0, ZMQ_POLLIN, 0}, {zap, 0, ZMQ_POLLIN, 0}, {sock_, 0, ZMQ_POLLIN, 0}};
    if (!zap) items[2] = items[3];
    const int fixed = zap ? 3 : 2;
    zmq_pollitem_t& data = items[fixed];
    bool stopping = false, unbound = false;
    int64_t quiet_deadline = 0;
    uint64_t pending_total = 0, pending_records = 0;
    uint8_t pending_extra = 0;
    bool have_pending = false;
    bool could_read = true;
    long hold_ms = kIdlePollMs;  // poll timeout: shorter while a held buffer waits (FlushIfIdle)
    for (;;) {
      if (closing_.load()) break;
      if (!stopping && stop_accepting_.load()) {
        stopping = true;
        if (unbind_on_stop_.load()) StopPeers();
      }
      bool can_read = !paused_.load(std::memory_order_relaxed);
      // A pending message (received, waiting for a buffer) must be placed before anything else is read.
      if (can_read && have_pending) {
        if (Place(pending_, pending_total, pending_records, NowMs(), Sender(), pending_extra)) {
          ClosePending();
          have_pending = false;
        } else {
          waits_.fetch_add(1, std::memory_order_relaxed);
          can_read = false;
        }
      }
      int quiet = quiet_ms_.load();
      long timeout = hold_ms;
      if (stopping) {
        int64_t now = static_cast<int64_t>(NowMs());
        // Quiet counts only while we may read: paused (queue full) or waiting for a buffer is not quiet, and
        // the quiet time starts over when reading resumes.
        if (quiet_deadline == 0 || !can_read || !could_read) quiet_deadline = now + quiet;
        // Quiet is not enough while an accepted peer that was asked to stop has not closed yet: what it still
        // sends (its kernel buffers, its last batch) arrives before its end of stream. Once none is left, the
        // endpoints are unbound (no connection is left for zmq_unbind to end), so a peer that reconnects is
        // refused and keeps its queue for the next collector; the quiet time then starts over.
        if (peers_stopped_ && !unbound && accepted_fds_.empty()) {
          for (auto& ep : bound_) zmq_unbind(sock_, ep.c_str());
          unbound = true;
          quiet_deadline = now + quiet;
        }
        if (now >= quiet_deadline && !have_pending && (!peers_stopped_ || accepted_fds_.empty())) break;
        long q = static_cast<long>(quiet_deadline - now);
        if (q < timeout) timeout = q;
        if (timeout < 1) timeout = 1;
      }
      could_read = can_read;
      int n = zmq_poll(items, can_read ? fixed + 1 : fixed, timeout);
      if (n < 0) {
        if (zmq_errno() == EINTR) continue;
        break;
      }
      if (items[0].revents & ZMQ_POLLIN) DrainWake();
      if (router_) SendReplies();
      if (items[1].revents & ZMQ_POLLIN) DrainMonitor();
      if (zap && (items[2].revents & ZMQ_POLLIN)) zap_->Handle();
      if (zap) SweepRevoked();
      if (!can_read || !(data.revents & ZMQ_POLLIN)) {
        // Nothing to read: hand over what is packed (a pending message placed after a buffer came back would
        // otherwise wait for the next message to arrive), unless the pipeline is busy (see FlushIfIdle); a
        // buffer it lends later wakes this loop and lands here.
        if (!can_read) {
          Flush(false);
          hold_ms = kIdlePollMs;
        } else {
          hold_ms = FlushIfIdle();
        }
        continue;
      }
      double now = NowMs();
      bool dead = false;
      for (int i = 0; i < kMaxPerBurst; i++) {
        uint64_t total, records;
        int r = ReceiveOne(&total, &records);
        if (r == 0) break;
        if (r < 0) {
          dead = true;
          break;
        }
        if (r == 3) {
          ClosePending();
          continue;
        }
        messages_.fetch_add(1, std::memory_order_relaxed);
        bytes_.fetch_add(total, std::memory_order_relaxed);
        if (pending_revoked_) {
          revoked_messages_.fetch_add(1, std::memory_order_relaxed);
          ClosePending();
          continue;
        }
        if (r == 2) {
          oversize_.fetch_add(1, std::memory_order_relaxed);
          if (!router_ || pending_.empty()) {
            ClosePending();
            continue;
          }
        }
        uint8_t extra = r == 2 ? kFlagOversize : 0;
        if (r == 2) {  // only what is kept of it is packed
          total = 0;
          for (auto& f : pending_) total += zmq_msg_size(&f);
        }
        if (!Place(pending_, total, records, now, Sender(), extra)) {
          have_pending = true;
          pending_total = total;
          pending_records = records;
          pending_extra = extra;
          waits_.fetch_add(1, std::memory_order_relaxed);
          break;
        }
        ClosePending();
        if (paused_.load(std::memory_order_relaxed)) break;
      }
      if (stopping) quiet_deadline = static_cast<int64_t>(NowMs()) + quiet;
      // The socket is empty (or we must wait): hand over what we have, so an idle input has low latency and a
      // busy one fills whole buffers.
      if (dead) Flush(false);
      else hold_ms = FlushIfIdle();
      if (dead) break;
    }
    ClosePending();
    if (stopping && !closing_.load()) {
      zmq_socket_monitor(sock_, nullptr, 0);
      zmq_close(sock_);
      sock_closed_ = true;
      Flush(true);
    }
  }

  // ---- JavaScript thread, called through the thread-safe function ----

  void OnDelivery(Napi::Env env, Napi::Function cb, Delivery* d) {
    Napi::Value buf = env.Null();
    Napi::Value spent = env.Undefined();
    if (d->slot >= 0) {
      std::lock_guard<std::mutex> g(mu_);
      // An owned delivery's slot comes back unfilled, as the last argument: it only paid for the delivery (see
      // Delivery), and a pooled buffer must go back to its pool.
      if (!d->owned) buf = refs_[d->slot].Value();
      else spent = refs_[d->slot].Value();
      refs_[d->slot].Reset();
      free_slots_.push_back(static_cast<uint32_t>(d->slot));
    }
    if (d->owned) {
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, d->len);
      std::memcpy(ab.Data(), d->owned, d->len);
      std::free(d->owned);
      buf = ab;
    }
    uint32_t msgs = d->messages;
    double len = static_cast<double>(d->len), bytes = static_cast<double>(d->bytes), frames = static_cast<double>(d->frames);
    bool drained = d->drained;
    delete d;
    cb.Call({buf, Napi::Number::New(env, len), Napi::Number::New(env, msgs), Napi::Number::New(env, frames),
             Napi::Number::New(env, bytes), Napi::Boolean::New(env, drained), spent});
  }

  void* ctx_ = nullptr;
  void* sock_ = nullptr;
  void* wake_rx_ = nullptr;
  void* wake_tx_ = nullptr;
  void* monitor_ = nullptr;
  bool sock_closed_ = false;
  uint8_t input_ = 0;
  uint64_t max_message_bytes_ = 0;
  uint64_t max_message_records_ = UINT64_MAX;
  int read_batch_bytes_ = 0;
  bool count_lines_ = false;
  std::vector<std::string> bound_, connected_;
  bool started_ = false, closed_ = false;
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference on_chunk_;

  std::mutex mu_;  // guards lent_, refs_, free_slots_
  std::deque<Lent> lent_;
  std::vector<Napi::ObjectReference> refs_;
  std::vector<uint32_t> free_slots_;

  std::atomic<bool> paused_{false}, stop_accepting_{false}, unbind_on_stop_{false}, closing_{false};
  std::atomic<int> quiet_ms_{0};
  std::atomic<uint64_t> messages_{0}, bytes_{0}, oversize_{0}, waits_{0};
  std::atomic<uint64_t> accepted_{0}, connected_events_{0}, disconnected_{0}, handshake_failed_{0}, refused_connections_{0};
  // Connections libzmq dropped while their peer was still connected (see WatchConnection).
  std::atomic<uint64_t> protocol_drops_{0};
  // receive thread only (and Shutdown after the join): libzmq's descriptor -> the thread's own copy of it.
  std::unordered_map<int, int> watched_;
  // Of watched_, the connections accepted on a bound endpoint (libzmq's descriptor): the ones a drain asks to stop.
  std::unordered_set<int> accepted_fds_;
  bool peers_stopped_ = false;  // receive thread only: the drain has shut the write side of accepted connections
  std::vector<std::string> topics_;  // SUB subscriptions, cancelled when a drain starts
  // What a drain cut short left behind (Shutdown, after the join): messages still in libzmq's queue (read and
  // discarded to count them) and bytes still in the kernel's receive buffers of the connections.
  std::atomic<uint64_t> unread_messages_{0}, unread_bytes_{0};
  bool after_handshake_failure_ = false;  // the last monitor event was a failed handshake (receive thread only)
  // Connections libzmq ended for a frame above ZMQ_MAXMSGSIZE, a message above ZLOG_ZMQ_MAXMSGBYTES, or one of more
  // frames than ZLOG_ZMQ_MAXMSGPARTS.
  std::atomic<uint64_t> frame_too_large_{0}, message_too_large_{0}, too_many_frames_{0};
  uint64_t max_connections_ = 0;  // 0: no limit

  // ROUTER: replies queued by JavaScript for the receive thread (see SendReplies).
  bool router_ = false;
  std::mutex reply_mu_;
  // A reply's frames (routing id first) and the connection it answers (ConnectionOf; 0: whoever holds the id).
  struct Reply {
    std::vector<std::string> frames;
    uint64_t conn;
  };
  std::deque<Reply> replies_;
  size_t max_replies_ = 100000;
  std::atomic<size_t> replies_pending_{0};
  std::atomic<uint64_t> replies_sent_{0}, replies_unroutable_{0}, replies_blocked_{0}, replies_stale_{0};
  // ROUTER, ackMode received: the thread's own ACKs (AckAtReceipt), their limits, and the budget JavaScript grants.
  bool ack_at_receipt_ = false;
  AckLimits ack_limits_{};
  std::mutex budget_mu_;  // guards budget_records_, budget_bytes_
  uint64_t budget_records_ = 0, budget_bytes_ = 0;
  std::atomic<uint64_t> thread_acks_{0};
  // ROUTER: connections refused for a routing id another connection held, by whether the holder's key differed;
  // the refusals not yet taken by JavaScript (reason, refused key name), bounded.
  std::atomic<uint64_t> routing_id_in_use_{0}, routing_id_other_key_{0};
  std::mutex refusals_mu_;
  std::deque<std::pair<bool, std::string>> routing_id_refusals_;

  // receive thread only
  Lent cur_{};
  bool have_cur_ = false;
  size_t cur_len_ = 0;
  uint32_t cur_msgs_ = 0;
  double cur_first_ms_ = 0;  // when the first message of the current buffer was placed (NowMs)
  uint64_t cur_frames_ = 0;
  uint64_t cur_bytes_ = 0;
  std::vector<zmq_msg_t> pending_;
  uint64_t pending_conn_ = 0;  // ROUTER: the connection of the message in pending_ (ConnectionOf)

  // CURVE (zap_ set): the ZAP handler, and the receive thread's cached verdict on the connection of the last
  // message (see CheckSender).
  std::unique_ptr<zlog::ZapServer> zap_;
  bool zap_enforced_ = false;
  zmq_msg_t pin_ = MakeEmptyMsg();
  const char* pin_uid_ = nullptr;
  uint64_t pin_gen_ = 0;
  bool pin_ok_ = false;
  std::string pin_name_;
  bool pending_revoked_ = false;
  std::deque<const char*> kicked_;
  // uid: the User-Id pointer of the connection's metadata, compared (never read) like kicked_'s entries.
  struct Tracked {
    const char* uid;
    std::string name, key, peer;
  };
  std::unordered_map<int, Tracked> tracked_;
  uint64_t swept_gen_ = 0;
  std::atomic<uint64_t> revoked_messages_{0}, revoked_connections_{0};

  static zmq_msg_t MakeEmptyMsg() {
    zmq_msg_t m;
    zmq_msg_init(&m);
    return m;
  }
};

// crc32(bytes: Uint8Array): the CRC-32 the receive thread checks payloads with (crc32.h), for tests against zlib.
Napi::Value Crc32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "crc32(Uint8Array) expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array u = info[0].As<Napi::Uint8Array>();
  return Napi::Number::New(env, zlog::Crc32(0, u.Data(), u.ByteLength()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Receiver", Receiver::Init(env));
  exports.Set("crc32", Napi::Function::New(env, Crc32, "crc32"));
  zlog::ExportNdjson(env, exports);
  zlog::ExportBodies(env, exports);
  int major, minor, patch;
  zmq_version(&major, &minor, &patch);
  exports.Set("libzmqVersion", Napi::String::New(env, std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch)));
  exports.Set("curve", Napi::Boolean::New(env, zmq_has("curve") != 0));
  return exports;
}

}  // namespace

NODE_API_MODULE(zlog_receive, Init)
