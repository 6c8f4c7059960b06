#!/usr/bin/env bash
# SIP caller-ID benchmark (issue #5; SIPp: https://github.com/SIPp/sipp): SIPp at RATE calls/s for SECONDS s
# against a SIPp UAS answering 302 (baseline) and against pbxagent's redirect server, in one run.
# Usage: testlab/sipp/bench.sh [RATE] [SECONDS]   (defaults 2000 60)
# PBXAGENT_CID_BENCH_CACHE=/some/dir keeps the 1 M-number directory between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PBXAGENT_SIPP_BENCH_RATE="${1:-2000}" PBXAGENT_SIPP_BENCH_SECONDS="${2:-60}"
exec go test -run '^$' -bench '^BenchmarkSIPp302$' -benchtime 1x -timeout 30m -v ./testlab/sipp/
