#!/bin/sh
# Desk-phone benchmarks, as `make bench` runs them, with readable output:
#  - BenchmarkYealinkVsNginx: 10 000-contact Yealink book from pbxagent beside
#    Debian nginx serving the same bytes (full body and 304), wrk, three
#    alternating rounds; PBXAGENT_BENCH_SECONDS per run (default 3). Prints
#    req/s and CPU µs per request of each server and the ratios.
#    On a machine with 2+ CPUs the servers run on CPU 0 (nginx inherits it,
#    with as many workers as the Go server has GOMAXPROCS) and wrk on CPU 1,
#    so both servers face the same load generator on the same cores
#    (override with PBXAGENT_BENCH_SERVER_CPUS / PBXAGENT_BENCH_LOAD_CPUS).
#    PBXAGENT_BENCH_RUNS=304 or full runs one half only; PBXAGENT_BENCH_ROUNDS
#    sets the number of rounds (the medians are reported).
#  - BenchmarkCiscoSearch1M: Cisco search pages over a synthetic 1 M directory.
#  - BenchmarkCiscoSearchStore: the same over the real phonebook store when
#    PBXAGENT_BENCH_STORE_N is set (loading 1 M contacts takes minutes; set
#    PBXAGENT_BENCH_STORE_DIR to build it once and reuse it).
set -eu
cd "$(dirname "$0")/../.."
for tool in nginx wrk; do
  command -v $tool >/dev/null 2>&1 || [ -x /usr/sbin/$tool ] || {
    echo "bench.sh: $tool not installed (apt-get install nginx wrk)" >&2; exit 1; }
done
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/phones.test" ./testlab/phones/
pin=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  export PBXAGENT_BENCH_LOAD_CPUS="${PBXAGENT_BENCH_LOAD_CPUS:-1}"
  pin="taskset -c ${PBXAGENT_BENCH_SERVER_CPUS:-0}"
fi
echo "uptime before: $(uptime)"
(cd testlab/phones && $pin "$bin/phones.test" -test.run '^$' -test.bench 'YealinkVsNginx' -test.benchtime 1x -test.v) |
  grep -E 'Benchmark|req/s|ratio|load|PASS|FAIL|SKIP'
echo "uptime after: $(uptime)"
(cd testlab/phones && "$bin/phones.test" -test.run '^$' -test.bench 'CiscoSearch' -test.benchtime 5000x) | grep -E 'Benchmark|PASS|FAIL'
