#!/usr/bin/env bash
# LDAP directory benchmark (issue #24): ROWS generated contacts (testlab/gen,
# seed 1) served by pbxagent's LDAP directory (loaded through the CSV
# import) and the same people as LDIF in a throwaway slapd (slapadd, with
# eq/sub indexes on cn, sn, givenName, telephoneNumber, mobile), in one run:
# one phone's Yealink-style prefix searches (p50/p99), then PHONES phones
# searching at once on each, and pbxagent's throughput as a ratio of slapd's.
#
#   testlab/bench/ldap.sh [ROWS] [PHONES]     (default 1000000 1000)
#
# Needs slapd (Debian slapd); LDAPBENCH_DATA=dir keeps (and reuses) the
# store between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LDAPBENCH_N=${1:-1000000} LDAPBENCH_PHONES=${2:-1000} LDAPBENCH_PER=${LDAPBENCH_PER:-5}
go test -run '^$' -bench BenchmarkPhoneSearch -benchtime=1x -timeout 90m -v ./testlab/ldapdir/
