#!/usr/bin/env bash
# Benchmark `schemac import` on a database of N tables (default 500): the synthetic model of
# gen.py is built and applied (after the Supabase stand-in) to a fresh database, then imported
# (read-only) RUNS times; prints each wall time and the best. Not a test: times vary with load.
#
#   scripts/bench/import.sh [N] [RUNS]     # needs DATABASE_URL or the server at 127.0.0.1:5432
set -euo pipefail
N=${1:-500}
RUNS=${2:-5}
URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SCHEMAC:-$ROOT/target/release/schemac}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --locked --release >/dev/null)
TMP=$(mktemp -d)
DB="schemac_bench_import_$$"
cleanup() { psql "$URL" -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT
python3 "$ROOT/scripts/bench/gen.py" "$N" > "$TMP/model.yaml"
"$BIN" build --schema "$TMP/model.yaml" --out "$TMP/gen" --docs "$TMP/D.md" >/dev/null
psql "$URL" -qc "create database $DB" >/dev/null
DBURL="${URL%/*}/$DB"
psql "$DBURL" -q -v ON_ERROR_STOP=1 -f "$ROOT/src/preset/supabase_standin.sql" >/dev/null 2>&1
for f in "$TMP"/gen/migrations/*.sql; do case "$f" in *.down.sql) ;; *) psql "$DBURL" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null ;; esac; done
TABLES=$(psql "$DBURL" -Atc "select count(*) from pg_tables where schemaname = 'public'")
best=""
for i in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "$BIN" import --database-url "$DBURL" --out-model "$TMP/imported.yaml" --report "$TMP/report.md" --force --allow-partial 2>/dev/null
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  echo "run $i: ${ms} ms"
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "import of $TABLES tables: best ${best} ms of $RUNS runs ($(wc -l < "$TMP/imported.yaml") lines of YAML)"
