#!/usr/bin/python3
"""Load for bench cases (a) and rsyslog: a pyzmq PUSH sender of single-record frames.

usage: /usr/bin/python3 bench/pyzmq_push.py [--join N] [--json] ENDPOINT RECORDS SIZE SECONDS [CLIENT_SECRET_CERT SERVER_PUBLIC_CERT]

With --join N each frame carries N records joined by newlines (case rawbatch: the batched-frames ceiling);
"sent" still counts records. With --json each record is a JSON object (nested, a string padded to SIZE bytes)
that the collector parses and enriches (cases jw0-jw2). With the two certificates (czmq zcert files, as `zlog keygen` writes them) the PUSH is a CurveZMQ client.

Records are built before the clock starts (a ring of distinct plain-text records, each SIZE bytes, a
sequence number at the front), then sent one frame each as fast as the socket takes them. PUSH blocks at
its high-water mark, so a slow receiver slows this loop down instead of losing records. Stops after RECORDS
records or SECONDS seconds, whichever comes first, then waits (bounded) until libzmq has handed every queued
frame to the peer. Prints one JSON line: records sent, wall-clock time of the first send and of the last, CPU seconds used.
Debian's /usr/bin/python3 has pyzmq; the pyenv python3 on PATH does not.
"""
import json
import resource
import sys
import time

import zmq
import zmq.auth

RING = 1 << 16  # distinct records; enough that no two neighbours in the file are alike


def main() -> int:
    join = 1
    if len(sys.argv) > 2 and sys.argv[1] == "--join":
        join = int(sys.argv[2])
        del sys.argv[1:3]
    json_records = len(sys.argv) > 1 and sys.argv[1] == "--json"
    if json_records:
        del sys.argv[1]
    endpoint, records, size, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    pad = b"x" * max(0, size - 12)
    if join > 1:
        # Frames of `join` records; 64 distinct ones (a ring of 65536 would hold gigabytes).
        records = -(-records // join)
        ring = [b"\n".join((b"%011d " % (f * join + i) + pad)[:size] for i in range(join)) for f in range(min(64, records))]
        mask = len(ring) - 1 if len(ring) == 64 else None
    elif json_records:
        def rec(i: int) -> bytes:
            head = b'{"seq":%d,"level":"info","service":"bench","user":{"id":%d,"roles":["a","b"]},"ok":true,"msg":"' % (i, i % 977)
            return head + b"x" * max(1, size - len(head) - 2) + b'"}'
        ring = [rec(i) for i in range(min(RING, records))]
        mask = len(ring) - 1 if len(ring) == RING else None
    else:
        ring = [(b"%011d " % i + pad)[:size] for i in range(min(RING, records))]
        mask = len(ring) - 1 if len(ring) == RING else None

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    if len(sys.argv) > 6:
        public, secret = zmq.auth.load_certificate(sys.argv[5])
        server_public, _ = zmq.auth.load_certificate(sys.argv[6])
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server_public
    # Bounded shutdown: whatever libzmq still holds after this long is reported as not delivered.
    sock.setsockopt(zmq.LINGER, 30_000)
    sock.connect(endpoint)
    send = sock.send
    deadline = time.time() + seconds
    t0 = time.time()
    sent = 0
    # The time check costs a syscall-free float compare only every 8192 records.
    while sent < records:
        stop = min(records, sent + 8192)
        if mask is not None:
            for i in range(sent, stop):
                send(ring[i & mask])
        else:
            for i in range(sent, stop):
                send(ring[i])
        sent = stop
        if time.time() > deadline:
            break
    t1 = time.time()
    sock.close()
    ctx.term()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"sent": sent * join, "firstSendAt": t0 * 1000, "lastSendAt": t1 * 1000, "closedAt": time.time() * 1000,
                      "cpuSeconds": ru.ru_utime + ru.ru_stime}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
