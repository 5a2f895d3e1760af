#!/bin/sh
# rsyslog-sender ENDPOINT [TAG]: starts rsyslogd with one omczmq PUSH action connected to ENDPOINT (a zlog
# zmq-pull input with format syslog), then logs every stdin line through rsyslog's local socket with logger(1),
# as an application logging to syslog would. At end of input it waits until rsyslog has handed everything to
# ZeroMQ, stops rsyslogd (omczmq's socket lingers to deliver) and exits 0.
set -eu
[ $# -ge 1 ] || { echo "usage: rsyslog-sender tcp://HOST:PORT [TAG] < lines" >&2; exit 2; }
endpoint="$1"
tag="${2:-app}"
dir="$(mktemp -d)"
cat > "$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir")
module(load="imuxsock" SysSock.Use="off")
module(load="omczmq")
ruleset(name="to_zlog") {
  action(type="omczmq" socktype="PUSH" endpoints="$endpoint")
}
input(type="imuxsock" Socket="$dir/log.sock" CreatePath="on" Ruleset="to_zlog")
CONF
/usr/sbin/rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" &
rs=$!
i=0
while [ ! -S "$dir/log.sock" ]; do
  i=$((i + 1))
  [ "$i" -le 100 ] || { echo "rsyslog-sender: rsyslogd did not open $dir/log.sock within 10 s" >&2; exit 1; }
  sleep 0.1
done
n=0
while IFS= read -r line; do
  logger -u "$dir/log.sock" -t "$tag" -- "$line"
  n=$((n + 1))
done
# imuxsock reads the datagrams asynchronously; give the action queue time to reach the socket.
sleep 3
kill -TERM "$rs"
wait "$rs" || true
echo "rsyslog-sender: $n lines logged through rsyslog to $endpoint" >&2
