// The open-loop sender of the latency cases (latb, latc) without a JavaScript thread: one libzmq DEALER driven by
// one C++ thread that sends a pre-encoded batch on a fixed schedule and sleeps in zmq_poll in between, so each
// send time is taken just before zmq_send and each ACK time just after zmq_msg_recv, with no garbage collector,
// event loop or promise between the socket and the clock. bench/open-loop.ts starts it (--native) and does the
// rest (the batch's encoding, the fdatasync probe, the percentiles, the trace file), so what this program
// measures differs from the Node sender's measurement only by where the two timestamps are taken.
//   open-loop-native ENDPOINT RATE BATCH SECONDS TEMPLATE
// TEMPLATE: a file holding the batch's 28-byte protocol header (sequence number 0) followed by its payload
// (docs/protocol.md); each send is that header with bytes 8-15 set to the batch's sequence number (1, 2, ...,
// big-endian) and the payload, sent without a copy. Prints, per batch answered, "seq sent acked type" (sent and
// acked in ms since the epoch, type 1 = ACK, 2 = NACK), then "cpu SECONDS" (this process's user + system time).
// Built by bench/run.ts (against the libzmq the addon links), never by the collector's own build.
#include <sys/resource.h>
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

constexpr size_t kHeaderBytes = 28;
constexpr size_t kReplyBytes = 13;  // collector/protocol/reply.ts REPLY_HEADER_BYTES

int64_t Now(clockid_t clock) {
  timespec t;
  clock_gettime(clock, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

int Fail(const char* what) {
  std::fprintf(stderr, "open-loop-native: %s: %s\n", what, zmq_strerror(zmq_errno()));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: open-loop-native ENDPOINT RATE BATCH SECONDS TEMPLATE\n");
    return 2;
  }
  const char* endpoint = argv[1];
  double rate = std::atof(argv[2]), batch = std::atof(argv[3]), seconds = std::atof(argv[4]);
  if (!(rate > 0 && batch > 0 && seconds > 0)) {
    std::fprintf(stderr, "open-loop-native: RATE, BATCH and SECONDS must be positive numbers\n");
    return 2;
  }
  std::vector<uint8_t> tmpl;
  {
    FILE* f = std::fopen(argv[5], "rb");
    if (!f) {
      std::fprintf(stderr, "open-loop-native: cannot open %s: %s\n", argv[5], std::strerror(errno));
      return 1;
    }
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) tmpl.insert(tmpl.end(), buf, buf + n);
    std::fclose(f);
  }
  if (tmpl.size() < kHeaderBytes || tmpl[0] != 'Z' || tmpl[1] != 'L') {
    std::fprintf(stderr, "open-loop-native: %s is not a protocol header and payload\n", argv[5]);
    return 1;
  }
  const uint8_t* payload = tmpl.data() + kHeaderBytes;
  const size_t payload_bytes = tmpl.size() - kHeaderBytes;

  void* ctx = zmq_ctx_new();
  void* sock = zmq_socket(ctx, ZMQ_DEALER);
  int hwm = 100000, linger = 0, timeout_ms = 5000;
  if (zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 || zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) != 0)
    return Fail("setsockopt");
  if (zmq_connect(sock, endpoint) != 0) return Fail("connect");

  // The same schedule as bench/open-loop.ts: a batch every BATCH / RATE seconds for SECONDS, from 200 ms after
  // the connect (to let the connection settle); answers are awaited up to 15 s after the last send.
  const double interval_ns = batch / rate * 1e9;
  const size_t total = std::max<size_t>(1, static_cast<size_t>(std::floor(seconds * 1e9 / interval_ns)));
  std::vector<int64_t> sent(total, 0), acked(total, 0);
  std::vector<uint8_t> type(total, 0);
  const int64_t real0 = Now(CLOCK_REALTIME), mono0 = Now(CLOCK_MONOTONIC);
  const int64_t t0 = mono0 + 200000000;
  const int64_t end = t0 + static_cast<int64_t>(seconds * 1e9) + 15000000000LL;
  size_t next = 0, outstanding = 0;
  uint8_t header[kHeaderBytes];
  std::memcpy(header, tmpl.data(), kHeaderBytes);
  for (;;) {
    int64_t now = Now(CLOCK_MONOTONIC);
    int64_t due = next < total ? t0 + static_cast<int64_t>(static_cast<double>(next) * interval_ns) : 0;
    if (next < total && now >= due) {
      uint64_t seq = next + 1;
      for (int k = 0; k < 8; k++) header[8 + k] = static_cast<uint8_t>(seq >> (56 - 8 * k));
      zmq_msg_t body;
      zmq_msg_init_data(&body, const_cast<uint8_t*>(payload), payload_bytes, nullptr, nullptr);  // no copy, no free
      sent[next] = Now(CLOCK_MONOTONIC);
      if (zmq_send(sock, header, kHeaderBytes, ZMQ_SNDMORE) != static_cast<int>(kHeaderBytes) || zmq_msg_send(&body, sock, 0) < 0) return Fail("send");
      next++;
      outstanding++;
      continue;
    }
    if (next >= total && (outstanding == 0 || now >= end)) break;
    long wait_ms = next < total ? static_cast<long>((due - now + 999999) / 1000000) : 100;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, wait_ms) < 0 && zmq_errno() != EINTR) return Fail("poll");
    for (;;) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        break;
      }
      int64_t at = Now(CLOCK_MONOTONIC);
      const uint8_t* d = static_cast<const uint8_t*>(zmq_msg_data(&m));
      if (zmq_msg_size(&m) >= kReplyBytes && d[0] == 'Z' && d[1] == 'L') {
        uint64_t seq = 0;
        for (int k = 0; k < 8; k++) seq = (seq << 8) | d[4 + k];
        if (seq >= 1 && seq <= next && type[seq - 1] == 0) {
          acked[seq - 1] = at;
          type[seq - 1] = d[3] == 1 ? 1 : 2;
          outstanding--;
        }
      }
      zmq_msg_close(&m);
    }
  }
  zmq_close(sock);
  zmq_ctx_term(ctx);
  const auto epoch_ms = [&](int64_t mono) { return static_cast<double>(real0 + (mono - mono0)) / 1e6; };
  for (size_t i = 0; i < next; i++)
    if (type[i] != 0) std::printf("%zu %.3f %.3f %u\n", i + 1, epoch_ms(sent[i]), epoch_ms(acked[i]), type[i]);
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("cpu %.6f\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  std::printf("sent %zu\n", next);
  return 0;
}
