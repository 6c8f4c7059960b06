#!/usr/bin/env bash
# starve.sh STOP_MS RUN_MS COMMAND [ARGS...]
#
# Runs COMMAND and stalls it with SIGSTOP for STOP_MS of every
# STOP_MS+RUN_MS milliseconds until it exits: a process on a starved CI
# machine, which gets no CPU at all for a second or more, made repeatable.
# Use it on a compiled test binary (go test -c) to find timing assumptions:
#   go test -c -o /tmp/ua.test ./sip/ua
#   (cd sip/ua && testlab/starve/starve.sh 1200 150 /tmp/ua.test -test.run 'TestNoLeaks/udp')
# Exits with COMMAND's status. Only COMMAND's process is stopped (not its
# children: a test binary's goroutines all live in it).
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 STOP_MS RUN_MS COMMAND [ARGS...]" >&2
  exit 2
fi
stop_ms=$1 run_ms=$2
shift 2
"$@" &
pid=$!
trap 'kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null' INT TERM
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
while kill -0 "$pid" 2>/dev/null; do
  sleep "$(secs "$run_ms")"
  kill -STOP "$pid" 2>/dev/null || break
  sleep "$(secs "$stop_ms")"
  kill -CONT "$pid" 2>/dev/null || break
done
wait "$pid"
