#!/bin/sh
# Desk-phone benchmarks, as `make bench` runs them, with readable output:
#  - BenchmarkYealinkVsNginx: 10 000-contact Yealink book from pbxagent beside
#    Debian nginx serving the same bytes (full body and 304), wrk when
#    installed, three alternating rounds; PBXAGENT_BENCH_SECONDS per run.
#  - BenchmarkCiscoSearch1M: Cisco search pages over a synthetic 1 M directory.
#  - BenchmarkCiscoSearchStore: the same over the real phonebook store when
#    PBXAGENT_BENCH_STORE_N is set (loading 1 M contacts takes minutes).
set -eu
cd "$(dirname "$0")/../.."
go test -run '^$' -bench 'YealinkVsNginx' -benchtime 1x -v ./testlab/phones/ | grep -E 'Benchmark|req/s|ratio|ok|FAIL|SKIP'
go test -run '^$' -bench 'CiscoSearch' -benchtime 5000x ./testlab/phones/ | grep -E 'Benchmark|ok|FAIL'
