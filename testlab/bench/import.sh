#!/usr/bin/env bash
# Import benchmark (issue: directory foundation): a 1 M-row CSV imported into
# pbxagent's store beside PostgreSQL's \copy of the same file into a table,
# in one script on one machine state. Prints both and the ratio.
#
#   testlab/bench/import.sh [ROWS]      (default 1000000)
#
# It also prints the floor of any import of the file (importbench -floor:
# parsing and number normalisation alone, nothing written) and its ratio.
#
# Needs PostgreSQL on 127.0.0.1:5432 with trust auth (user postgres or root).
#
# MEMORY_MB=512 (as root) runs the import inside a memory cgroup of that size
# (v2 memory.max or v1 memory.limit_in_bytes; page cache counts against it)
# with GOMEMLIMIT at 78 % of it: the check that a 1 M import fits in 512 MB
# of memory, the file pages of Badger's tables included.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${db:-}" ] && psql -h 127.0.0.1 -U "$pguser" -d test -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
csv="$work/contacts.csv"
go run ./testlab/cmd/gencsv -n "$rows" -seed 1 -o "$csv"
echo "file: $rows rows, $(du -m "$csv" | cut -f1) MB"

# Baseline: \copy of the same file, one row per line into a text column
# (the file has a varying number of number cells, so COPY cannot split
# it into fixed columns without a rewrite of the file).
pguser=postgres
psql -h 127.0.0.1 -U "$pguser" -d test -qc 'select 1' >/dev/null 2>&1 || pguser=root
db="pbx_bench_$$"
psql -h 127.0.0.1 -U "$pguser" -d test -qc "CREATE DATABASE $db" >/dev/null
psql -h 127.0.0.1 -U "$pguser" -d "$db" -qc "CREATE TABLE contacts_raw(line text)" >/dev/null
t0=$(date +%s.%N)
psql -h 127.0.0.1 -U "$pguser" -d "$db" -qc "\\copy contacts_raw FROM '$csv' WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')" >/dev/null
t1=$(date +%s.%N)
copy_s=$(echo "$t1 - $t0" | bc -l)
copied=$(psql -h 127.0.0.1 -U "$pguser" -d "$db" -tAc "select count(*) from contacts_raw")
echo "postgresql \\copy: $copied rows in ${copy_s}s"

# Context, not the goal's baseline: the same contacts in fixed columns,
# \copy'd into a typed table and then indexed the way a directory is
# searched (name, company and e-mail prefixes, numbers), timed together.
# It shows what the indexes cost PostgreSQL itself. (pbxagent indexes more:
# tokens of every name part, prefix buckets, three number forms.)
go run ./testlab/cmd/gencsv -n "$rows" -seed 1 -format pgcopy -o "$work/contacts.tsv"
psql -h 127.0.0.1 -U "$pguser" -d "$db" -qc "CREATE TABLE contacts(id bigserial PRIMARY KEY, first_name text, middle_name text, last_name text, email text, company text, numbers text[])" >/dev/null
t0=$(date +%s.%N)
psql -h 127.0.0.1 -U "$pguser" -d "$db" -qc "\\copy contacts(first_name, middle_name, last_name, email, company, numbers) FROM '$work/contacts.tsv'" >/dev/null
psql -h 127.0.0.1 -U "$pguser" -d "$db" -q >/dev/null <<'SQL'
CREATE INDEX ON contacts (lower(first_name) text_pattern_ops);
CREATE INDEX ON contacts (lower(last_name) text_pattern_ops);
CREATE INDEX ON contacts (lower(company) text_pattern_ops);
CREATE INDEX ON contacts (lower(email) text_pattern_ops);
CREATE INDEX ON contacts USING gin (numbers);
SQL
t1=$(date +%s.%N)
indexed_s=$(echo "$t1 - $t0" | bc -l)
echo "postgresql \\copy into a typed table + 5 indexes: ${indexed_s}s (context)"

go build -o "$work/importbench" ./testlab/cmd/importbench

# The floor of any import of this file, whatever the store: parse every
# row and normalise every number (the issue's E.164 rule, phonenumbers
# validation at write time) on all cores, writing nothing.
"$work/importbench" -floor -csv "$csv" -region BA | tee "$work/floor.json"
floor_s=$(grep '"floor_seconds"' "$work/floor.json" | tr -dc '0-9.')
run=("$work/importbench" -csv "$csv" -data "$work/data" -region BA -searches "${SEARCHES:-5000}")
if [ -n "${MEMORY_MB:-}" ]; then
	cg=pbxagent-import-$$
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then # v2
		cgdir=/sys/fs/cgroup/$cg
		mkdir "$cgdir"
		echo $((MEMORY_MB << 20)) >"$cgdir/memory.max"
		echo 0 >"$cgdir/memory.swap.max" 2>/dev/null || true
	else # v1
		cgdir=/sys/fs/cgroup/memory/$cg
		mkdir "$cgdir"
		echo $((MEMORY_MB << 20)) >"$cgdir/memory.limit_in_bytes"
		echo 0 >"$cgdir/memory.swappiness" 2>/dev/null || true
	fi
	trap 'rmdir "$cgdir" 2>/dev/null; rm -rf "$work"; [ -n "${db:-}" ] && psql -h 127.0.0.1 -U "$pguser" -d test -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
	echo "running the import in a ${MEMORY_MB} MB memory cgroup, GOMEMLIMIT=$((MEMORY_MB * 78 / 100))MiB"
	(echo $BASHPID >"$cgdir/cgroup.procs" && GOMEMLIMIT=$((MEMORY_MB * 78 / 100))MiB exec "${run[@]}") | tee "$work/result.json"
else
	"${run[@]}" | tee "$work/result.json"
fi
imp_s=$(grep import_seconds "$work/result.json" | tr -dc '0-9.')
printf 'ratio pbxagent/COPY: %.2f (goal <= 1.5)\n' "$(echo "$imp_s / $copy_s" | bc -l)"
printf 'ratio floor (parse + normalise, nothing written)/COPY: %.2f\n' "$(echo "$floor_s / $copy_s" | bc -l)"
printf 'ratio pbxagent/(COPY + indexes): %.2f (context)\n' "$(echo "$imp_s / $indexed_s" | bc -l)"
