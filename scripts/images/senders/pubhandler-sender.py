"""pubhandler-sender ENDPOINT: every stdin line becomes one logging.info() record published by pyzmq's
PUBHandler on a PUB socket connected to ENDPOINT (a zlog zmq-sub input that binds).

PUB drops what it publishes before the subscriber's subscription has arrived, so it waits for the connection
(socket monitor: HANDSHAKE_SUCCEEDED) and a short grace for the subscription before the first record, and
lingers at close so the last records are delivered.
"""
import logging
import sys
import time

import zmq
from zmq.log.handlers import PUBHandler
from zmq.utils.monitor import recv_monitor_message

if len(sys.argv) != 2:
    sys.exit("usage: pubhandler-sender tcp://HOST:PORT < lines")
endpoint = sys.argv[1]

ctx = zmq.Context.instance()
sock = ctx.socket(zmq.PUB)
monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
sock.connect(endpoint)
if not monitor.poll(30_000):
    sys.exit(f"pubhandler-sender: no ZMTP handshake with {endpoint} within 30 s")
recv_monitor_message(monitor)
sock.disable_monitor()
monitor.close()  # an open socket would keep ctx.term() below waiting forever
# The subscriber sends its subscription right after the handshake.
time.sleep(1)

log = logging.getLogger("app")
log.setLevel(logging.INFO)
log.addHandler(PUBHandler(sock))
log.propagate = False
n = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    if line:
        log.info("%s", line)
        n += 1
sock.close(linger=5000)
ctx.term()
print(f"pubhandler-sender: {n} records published to {endpoint}", file=sys.stderr)
