#!/usr/bin/env bash
# Directory at scale (issue 25, bulk writes): pbxagent beside PostgreSQL in
# one run on one machine state, each figure measured on both sides one
# after the other, printed as a markdown table with the ratios.
#
#   testlab/bench/scale.sh [ROWS]      (default 1000000; 100000 for a quick run)
#
# Figures:
#   1. first import of ROWS rows: `pbxagent contacts import` into a running
#      daemon (the path users take) vs PostgreSQL \copy into a typed table
#      and CREATE INDEX of the indexes serving the same searches (name,
#      surname, company and e-mail prefixes: text_pattern_ops on lower();
#      numbers: GIN on text[]), index builds included.
#   2. a replace of a REPLACE_ROWS-row book (default 100 000) by a file of
#      as many other rows: the daemon's replacing import vs PostgreSQL's
#      BEGIN; DELETE; \copy; COMMIT into the indexed table.
#   3. a 1 % delta sync round vs a full sync of 100 000 contacts
#      (BenchmarkCustomService100k, pbxagent only: the ratio is delta/full).
#   4. a daemon start on the ROWS-contact store (the restart of a daemon
#      stopped cleanly with its indexes built, which it saved): until /readyz answers 200,
#      the caller index is built (pbxagent_caller_index_keys > 0), a
#      caller-ID lookup hits and a search is answered.
# Each pbxagent figure comes with the daemon's peak anonymous RSS (RssAnon
# of /proc/PID/status sampled every 100 ms; RssAnon has no high-water mark).
# Then the store's keys per contact (testlab/cmd/keystats).
#
# Needs PostgreSQL on 127.0.0.1:5432 with trust auth (user postgres or
# root) and its database `test`; it creates its own database and drops it.
# SKIP_SYNC=1 skips figure 3 (about two minutes). REPLACE_SETTLE (seconds,
# default 30) is the wait between filling the book to replace and replacing
# it, the counterpart of PostgreSQL's VACUUM ANALYZE before its replace.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
rrows=${REPLACE_ROWS:-100000}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${db:-}" ] && psql -h 127.0.0.1 -U "$pguser" -d test -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

echo "building" >&2
go build -o "$work/pbxagent" ./cmd/pbxagent
go build -o "$work/gencsv" ./testlab/cmd/gencsv
go build -o "$work/keystats" ./testlab/cmd/keystats
"$work/gencsv" -n "$rows" -seed 1 -o "$work/big.csv"
"$work/gencsv" -n "$rows" -seed 1 -format pgcopy -o "$work/big.tsv"
"$work/gencsv" -n "$rrows" -seed 11 -o "$work/r1.csv"
"$work/gencsv" -n "$rrows" -seed 11 -format pgcopy -o "$work/r1.tsv"
"$work/gencsv" -n "$rrows" -seed 12 -o "$work/r2.csv"
"$work/gencsv" -n "$rrows" -seed 12 -format pgcopy -o "$work/r2.tsv"
echo "files: $rows rows ($(du -m "$work/big.csv" | cut -f1) MB), replace: $rrows rows" >&2

pguser=postgres
psql -h 127.0.0.1 -U "$pguser" -d test -qc 'select 1' >/dev/null 2>&1 || pguser=root
db="pbx_scale_$$_$(date +%s)"
psql -h 127.0.0.1 -U "$pguser" -d test -qc "CREATE DATABASE $db" >/dev/null
pg() { psql -h 127.0.0.1 -U "$pguser" -d "$db" -v ON_ERROR_STOP=1 -q "$@" >/dev/null; }

# The typed table: the CSV's columns, the display name as PostgreSQL
# would store it for a name search (a generated column), the numbers as
# written (PostgreSQL does not normalise them; pbxagent does, and indexes
# three forms of each).
pg_table() { # $1 table
	pg -c "CREATE TABLE $1(id bigserial PRIMARY KEY, first_name text, middle_name text, last_name text, email text, company text, numbers text[],
		name text GENERATED ALWAYS AS (btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) STORED)"
}
pg_indexes() { # $1 table
	pg <<SQL
CREATE INDEX ON $1 (lower(name) text_pattern_ops);
CREATE INDEX ON $1 (lower(last_name) text_pattern_ops);
CREATE INDEX ON $1 (lower(company) text_pattern_ops);
CREATE INDEX ON $1 (lower(email) text_pattern_ops);
CREATE INDEX ON $1 USING gin (numbers);
SQL
}
cols="first_name, middle_name, last_name, email, company, numbers"

# The daemon, on its own data directory, loopback only, nothing but HTTP.
port=$((20000 + $$ % 20000))
daemon_start() { # $1 data dir; sets dpid, base, token
	mkdir -p "$1"
	"$work/pbxagent" serve --data "$1" --http "127.0.0.1:$port" --agi= --numbers.default_region=BA \
		>"$1.log" 2>&1 &
	dpid=$!
	pids+=("$dpid")
	base="http://127.0.0.1:$port"
}
# readyz_wait waits (up to 10 minutes) until /readyz answers 200.
readyz_wait() {
	for _ in $(seq 1 60000); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ]; then return 0; fi
		kill -0 "$dpid" 2>/dev/null || { cat "$data.log" >&2; echo "daemon died" >&2; return 1; }
		sleep 0.01
	done
	echo "daemon not ready in 10 minutes" >&2
	return 1
}
daemon_stop() {
	kill -TERM "$dpid"
	wait "$dpid" || true
}
# RssAnon sampler: peak anonymous RSS of the daemon in MB, into $1.
sample_start() { # $1 out file
	(
		peak=0
		while kill -0 "$dpid" 2>/dev/null; do
			v=$(awk '/^RssAnon:/ {print $2}' "/proc/$dpid/status" 2>/dev/null || echo 0)
			[ "${v:-0}" -gt "$peak" ] && peak=$v && echo $((peak / 1024)) >"$1"
			sleep 0.1
		done
	) &
	spid=$!
	pids+=("$spid")
}
sample_stop() { kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; }
cli() { PBXAGENT_TOKEN=$(cat "$data/admin.token") "$work/pbxagent" contacts "$1" --server "$base" "${@:2}"; }

declare -A fig

# 1. First import.
echo "1. first import of $rows rows: PostgreSQL" >&2
pg_table big
t0=$(now)
pg -c "\\copy big($cols) FROM '$work/big.tsv'"
pg_indexes big
t1=$(now)
fig[pg_first]=$(secs "$t0" "$t1")
echo "1. first import of $rows rows: pbxagent" >&2
data=$work/big
daemon_start "$data"
readyz_wait
echo 0 >"$work/rss_first"
sample_start "$work/rss_first"
t0=$(now)
cli import --yes "$work/big.csv" >&2
t1=$(now)
sample_stop
fig[pbx_first]=$(secs "$t0" "$t1")
fig[rss_first]=$(cat "$work/rss_first")
bigbase=$base
bigpid=$dpid
daemon_stop

# 2. Replace of a book of rrows by rrows other rows.
echo "2. replace of $rrows rows: PostgreSQL" >&2
pg_table rep
pg -c "\\copy rep($cols) FROM '$work/r1.tsv'"
pg_indexes rep
pg -c "VACUUM ANALYZE rep"
printf 'DELETE FROM rep;\n\\copy rep(%s) FROM %s\n' "$cols" "'$work/r2.tsv'" >"$work/replace.sql"
t0=$(now)
pg -1 -f "$work/replace.sql"
t1=$(now)
fig[pg_replace]=$(secs "$t0" "$t1")
n=$(psql -h 127.0.0.1 -U "$pguser" -d "$db" -tAc "select count(*) from rep")
[ "$n" = "$rrows" ] || { echo "PostgreSQL replace left $n rows" >&2; exit 1; }
echo "2. replace of $rrows rows: pbxagent" >&2
data=$work/rep
daemon_start "$data"
readyz_wait
cli import --yes "$work/r1.csv" >&2
# The book has been there a while, as PostgreSQL's table is vacuumed: let
# the first import's compaction and caller index finish first.
sleep "${REPLACE_SETTLE:-30}"
echo 0 >"$work/rss_replace"
sample_start "$work/rss_replace"
t0=$(now)
cli import --yes "$work/r2.csv" >&2
t1=$(now)
sample_stop
fig[pbx_replace]=$(secs "$t0" "$t1")
fig[rss_replace]=$(cat "$work/rss_replace")
daemon_stop

# 3. Delta sync round vs full sync (the existing benchmark, reused).
if [ -z "${SKIP_SYNC:-}" ]; then
	echo "3. 1 % delta sync vs full sync (BenchmarkCustomService100k)" >&2
	go test ./phonebook/source/sources -run '^$' -bench '^BenchmarkCustomService100k$' -benchtime 1x -count 1 | tee "$work/sync.txt" >&2
	fig[full_s]=$(awk '/BenchmarkCustomService100k/ {for (i=2;i<=NF;i++) if ($(i)=="full_s") print $(i-1)}' "$work/sync.txt")
	fig[delta_s]=$(awk '/BenchmarkCustomService100k/ {for (i=2;i<=NF;i++) if ($(i)=="delta_s") print $(i-1)}' "$work/sync.txt")
	fig[sync_rss]=$(awk '/BenchmarkCustomService100k/ {for (i=2;i<=NF;i++) if ($(i)=="peakRSS_MB") print $(i-1)}' "$work/sync.txt")
fi

# 4. Daemon start on the big store.
echo "4. daemon start on $rows contacts" >&2
data=$work/big
# A clean stop saves the in-memory indexes and the next start loads them
# (docs/storage.md, "Saved indexes"); figure 1's daemon was stopped while
# they were being rebuilt after the import, so nothing was saved: start it
# once, wait for both indexes, stop it. The start measured is then the
# restart of a daemon that had been running.
daemon_start "$data"
readyz_wait
tok=$(cat "$data/admin.token")
for _ in $(seq 1 60000); do
	m=$(curl -s -H "Authorization: Bearer $tok" "$base/metrics")
	c=$(awk '/^pbxagent_caller_index_keys / {print $2}' <<<"$m")
	n=$(awk '/^pbxagent_name_index_contacts / {print $2}' <<<"$m")
	[ -n "$c" ] && [ "$c" != 0 ] && [ -n "$n" ] && [ "$n" != 0 ] && break
	sleep 0.01
done
daemon_stop
probe=$(head -1 "$work/big.csv" | tr ',' '\n' | grep -m1 -E '^[a-z]+:[+0-9]' | cut -d: -f2- || true)
t0=$(now)
daemon_start "$data"
echo 0 >"$work/rss_start"
sample_start "$work/rss_start"
readyz_wait
t_ready=$(now)
tok=$(cat "$data/admin.token")
for _ in $(seq 1 60000); do
	k=$(curl -s -H "Authorization: Bearer $tok" "$base/metrics" | awk '/^pbxagent_caller_index_keys / {print $2}')
	[ -n "$k" ] && [ "$k" != 0 ] && break
	sleep 0.01
done
t_cidx=$(now)
curl -sf -H "Authorization: Bearer $tok" "$base/api/v1/contacts?q=a&limit=32" >/dev/null
t_served=$(now)
sample_stop
fig[start_ready]=$(secs "$t0" "$t_ready")
fig[start_cidx]=$(secs "$t0" "$t_cidx")
fig[start_served]=$(secs "$t0" "$t_served")
fig[rss_start]=$(cat "$work/rss_start")
[ -n "$probe" ] && echo "caller-ID probe $probe: $(curl -s -H "Authorization: Bearer $tok" "$base/cid?number=$(printf %s "$probe" | jq -sRr @uri)")" >&2
daemon_stop
"$work/keystats" -data "$data/badger" >"$work/keys.json"
fig[keys]=$(jq -r '.keys_per_contact' "$work/keys.json")
fig[bytes]=$(jq -r '.bytes_per_contact' "$work/keys.json")
jq -r '.families[] | "  \(.prefix): \(.keys_per_contact|.*100|round/100) keys, \(.bytes_per_contact|round) B per contact"' "$work/keys.json" >&2

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
f2() { printf '%.1f' "$1"; }
echo
echo "Machine: $(nproc) cores, shared with other jobs; both sides measured in this run, one after the other."
echo
echo "| figure | pbxagent | PostgreSQL | ratio | target |"
echo "|---|---|---|---|---|"
echo "| first import, $rows rows | $(f2 "${fig[pbx_first]}") s, peak RssAnon ${fig[rss_first]} MB | $(f2 "${fig[pg_first]}") s (\\copy + 5 indexes) | $(ratio "${fig[pbx_first]}" "${fig[pg_first]}") | ≤ 1.0, ≤ 512 MB |"
echo "| replace of a $rrows-row book | $(f2 "${fig[pbx_replace]}") s, peak RssAnon ${fig[rss_replace]} MB | $(f2 "${fig[pg_replace]}") s (BEGIN; DELETE; \\copy; COMMIT) | $(ratio "${fig[pbx_replace]}" "${fig[pg_replace]}") | ≤ 2.0 |"
if [ -n "${fig[full_s]:-}" ]; then
	echo "| 1 % delta sync round vs full sync, 100 000 contacts | delta $(printf '%.2f' "${fig[delta_s]}") s, full $(f2 "${fig[full_s]}") s, peak RSS ${fig[sync_rss]} MB | — | $(ratio "${fig[delta_s]}" "${fig[full_s]}") (delta/full) | ≤ 0.05 |"
fi
echo "| daemon start, $rows contacts | /readyz $(f2 "${fig[start_ready]}") s, caller index $(f2 "${fig[start_cidx]}") s, search served $(f2 "${fig[start_served]}") s; peak RssAnon ${fig[rss_start]} MB | — | — | ≤ 5 s |"
echo "| store keys per contact | $(f2 "${fig[keys]}") keys, $(printf '%.0f' "${fig[bytes]}") B (keys + values) | 1 row + 5 index entries (+ GIN entries per number) | — | — |"
