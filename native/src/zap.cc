// See zap.h. Request and reply frames: RFC 27 ("ZAP request", "ZAP reply").
#include "zap.h"

#include <zmq.h>

#include <cstring>

namespace zlog {

namespace {
constexpr const char* kEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kVersion = "1.0";
// The ZAP reply's metadata property that carries the client's public key (hex) on every message it sends.
constexpr const char* kKeyProperty = "Curve-Key";

std::string Hex(const std::string& raw) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

// ZMTP metadata (RFC 23 "The Metadata"): u8 name length, name, u32 big-endian value length, value.
std::string Metadata(const char* name, const std::string& value) {
  std::string m;
  size_t n = std::strlen(name);
  m.push_back(static_cast<char>(n));
  m.append(name, n);
  uint32_t v = static_cast<uint32_t>(value.size());
  char be[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  m.append(be, 4);
  m.append(value);
  return m;
}
}  // namespace

const char* RefusalName(Refusal r) {
  switch (r) {
    case Refusal::kUnknownKey:
      return "unknown_key";
    case Refusal::kMechanism:
      return "mechanism";
    case Refusal::kUnknownDomain:
      return "unknown_domain";
    default:
      return "malformed_request";
  }
}

ZapServer::ZapServer(void* ctx, std::string domain)
    : domain_(std::move(domain)), keys_(std::make_shared<const std::unordered_map<std::string, std::string>>()) {
  void* s = zmq_socket(ctx, ZMQ_REP);
  int linger = 0;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_bind(s, kEndpoint) != 0) {
    error_ = std::string("bind ") + kEndpoint + ": " + zmq_strerror(zmq_errno());
    zmq_close(s);
    return;
  }
  sock_ = s;
}

ZapServer::~ZapServer() {
  if (sock_) zmq_close(sock_);
}

void ZapServer::SetKeys(std::unordered_map<std::string, std::string> keys) {
  auto next = std::make_shared<const std::unordered_map<std::string, std::string>>(std::move(keys));
  {
    std::lock_guard<std::mutex> g(mu_);
    keys_ = std::move(next);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

bool ZapServer::StillAllowed(const char* user_id, const char* key_hex) const {
  if (!user_id || !key_hex) return false;
  std::shared_ptr<const std::unordered_map<std::string, std::string>> keys;
  {
    std::lock_guard<std::mutex> g(mu_);
    keys = keys_;
  }
  auto it = keys->find(key_hex);
  return it != keys->end() && it->second == user_id;
}

std::vector<RefusalEvent> ZapServer::TakeRefusals() {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<RefusalEvent> out;
  out.swap(pending_);
  return out;
}

void ZapServer::Refuse(Refusal r, const std::string& key, const std::string& address) {
  refused_[static_cast<int>(r)].fetch_add(1);
  std::lock_guard<std::mutex> g(mu_);
  if (pending_.size() < kMaxPendingRefusals) pending_.push_back({r, key, address});
}

void ZapServer::Reply(const std::string& request_id, bool ok, const std::string& status, const std::string& user_id,
                      const std::string& key_hex) {
  std::string meta = ok ? Metadata(kKeyProperty, key_hex) : std::string();
  const std::string frames[6] = {kVersion, request_id, ok ? "200" : "400", status, user_id, meta};
  for (int i = 0; i < 6; i++) zmq_send(sock_, frames[i].data(), frames[i].size(), i < 5 ? ZMQ_SNDMORE : 0);
}

void ZapServer::Handle() {
  for (;;) {
    std::vector<std::string> f;
    bool got = false;
    for (;;) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      int rc = zmq_msg_recv(&m, sock_, f.empty() ? ZMQ_DONTWAIT : 0);
      if (rc < 0) {
        zmq_msg_close(&m);
        if (f.empty()) return;  // nothing waiting
        break;
      }
      // Only the first frames matter; a request with absurdly many frames is refused without keeping them.
      if (f.size() < 16) f.emplace_back(static_cast<const char*>(zmq_msg_data(&m)), zmq_msg_size(&m));
      bool more = zmq_msg_more(&m);
      zmq_msg_close(&m);
      if (!more) {
        got = true;
        break;
      }
    }
    if (!got) return;
    const std::string empty;
    const std::string& id = f.size() > 1 ? f[1] : empty;
    const std::string& address = f.size() > 3 ? f[3] : empty;
    // RFC 27 request: version, request id, domain, address, identity, mechanism, credentials...
    if (f.size() < 6 || f[0] != kVersion) {
      Refuse(Refusal::kMalformed, "", address);
      Reply(id, false, "refused: malformed_request", "", "");
      continue;
    }
    if (f[2] != domain_) {
      Refuse(Refusal::kUnknownDomain, "", address);
      Reply(id, false, "refused: unknown_domain", "", "");
      continue;
    }
    if (f[5] != "CURVE" || f.size() != 7 || f[6].size() != 32) {
      Refuse(Refusal::kMechanism, "", address);
      Reply(id, false, "refused: mechanism", "", "");
      continue;
    }
    std::string hex = Hex(f[6]);
    std::shared_ptr<const std::unordered_map<std::string, std::string>> keys;
    {
      std::lock_guard<std::mutex> g(mu_);
      keys = keys_;
    }
    auto it = keys->find(hex);
    if (it == keys->end()) {
      Refuse(Refusal::kUnknownKey, f[6], address);
      Reply(id, false, "refused: unknown_key", "", "");
      continue;
    }
    accepted_.fetch_add(1);
    Reply(id, true, "OK", it->second, hex);
  }
}

}  // namespace zlog
