// zlog's ZAP handler (ZeroMQ RFC 27) inside the native receive addon's libzmq context. libzmq asks the REP
// socket bound at inproc://zeromq.zap.01 *of the socket's own context* whether a peer that completed the
// CurveZMQ handshake (RFC 26) may connect; zeromq.js's handler lives in another context and cannot answer
// for the addon's socket, hence this one.
//
// The allowed keys come from JavaScript (collector/security/client-keys.ts reads and reloads the key files)
// and are swapped in whole. An accepted peer gets its key's name as User-Id and the key itself (hex) as the
// Curve-Key property, so every message it sends carries both (zmq_msg_gets); ZAP properties win over any the
// peer declares in its own READY metadata (libzmq inserts them first).
//
// Threading: Handle() and the Allowed*/Take* readers on the receive thread, SetKeys()/TakeEvents() on the
// JavaScript thread; the shared state is behind a mutex, the key set is an immutable snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace zlog {

enum class Refusal { kUnknownKey = 0, kMechanism = 1, kUnknownDomain = 2, kMalformed = 3 };
constexpr int kRefusalReasons = 4;
const char* RefusalName(Refusal r);

struct RefusalEvent {
  Refusal reason;
  std::string key;  // 32 raw bytes, or empty when the request named none
  std::string address;
};

// Most refusal events kept for JavaScript between two TakeEvents(); beyond that they are only counted (a client
// retrying with a wrong key reconnects every few hundred milliseconds, and it must not grow memory).
constexpr size_t kMaxPendingRefusals = 64;

class ZapServer {
 public:
  // Binds a REP socket at inproc://zeromq.zap.01 in ctx; domain is the ZAP domain the input's socket sets.
  // ok() is false (and error() says why) when the endpoint is taken.
  ZapServer(void* ctx, std::string domain);
  ~ZapServer();
  bool ok() const { return sock_ != nullptr; }
  const std::string& error() const { return error_; }
  void* socket() const { return sock_; }

  // JavaScript thread: the new allow-list, key (hex, 64 characters) -> name.
  void SetKeys(std::unordered_map<std::string, std::string> keys);

  // Receive thread: answers every request waiting on the socket.
  void Handle();

  // Receive thread: whether a connection that authenticated as (userId, keyHex) is still allowed: its key is in
  // the current set under the same name. Generation() changes whenever the set does.
  bool StillAllowed(const char* user_id, const char* key_hex) const;
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

  // JavaScript thread: counters since start and the refusals kept since the last call.
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t refused(Refusal r) const { return refused_[static_cast<int>(r)].load(); }
  std::vector<RefusalEvent> TakeRefusals();

 private:
  void Refuse(Refusal r, const std::string& key, const std::string& address);
  void Reply(const std::string& request_id, bool ok, const std::string& status, const std::string& user_id,
             const std::string& key_hex);

  void* sock_ = nullptr;
  std::string domain_;
  std::string error_;
  mutable std::mutex mu_;  // guards keys_ (the pointer) and pending_
  std::shared_ptr<const std::unordered_map<std::string, std::string>> keys_;
  std::vector<RefusalEvent> pending_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_[kRefusalReasons] = {};
};

}  // namespace zlog
