#!/usr/bin/env bash
# Issue #23's SIP figures (docs/sip-testing.md), outside make test:
#   BenchmarkRTP200 — N calls (200) with RTP both ways for S s (20) to a SIPp UAS with -rtp_echo,
#                     send-interval jitter from a tshark capture on loopback, CPU share;
#   BenchmarkCPS    — calls per second, an Agent as UAC beside SIPp's own UAC, same SIPp UAS.
# The test binary (pbxagent's Agent) runs on CPU 0 only (taskset -c 0, GOMAXPROCS=1: "one core");
# SIPp and tshark run on CPU 1. Prints markdown tables.
# Usage: testlab/sipua/bench.sh [CALLS] [SECONDS]   (defaults 200 20)
# Environment: PBXAGENT_SIP_BENCH_READERS=0 (BenchmarkRTP200 leaves out the calls with reader
# goroutines and playout timers per session, the design before the RecvLoop; with
# PBXAGENT_SIP_BENCH_READERS_FIRST=1 it runs before the Agent's design), PBXAGENT_SIP_BENCH_PACERS=1 (BenchmarkRTP200 also runs the calls with a pacer per
# session, the design before the shared send clock, in the same run), PBXAGENT_SIP_BENCH_BASELINE=0
# (no one-goroutine baseline), PBXAGENT_SIP_CPS_CALLS (2000), PBXAGENT_SIP_CPS_RATES (100,200,400,600,800,1000,1200,1600).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PBXAGENT_SIP_BENCH_CALLS="${1:-200}" PBXAGENT_SIP_BENCH_SECONDS="${2:-20}"
bin="$(mktemp -d)/sipua.test"
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./testlab/sipua
pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  pin=(taskset -c 0)
  export PBXAGENT_SIP_BENCH_PEER_CPUS=1
fi
cd testlab/sipua
GOMAXPROCS=1 "${pin[@]}" "$bin" -test.run '^$' -test.bench "${PBXAGENT_SIP_BENCH:-.}" -test.benchtime 1x -test.timeout 30m -test.v
