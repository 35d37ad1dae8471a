#!/usr/bin/env bash
# Paired whole-process timings of two schemac binaries on the same synthetic models:
#   scripts/bench/compare.sh OLD_BINARY NEW_BINARY
#   SIZES="500 2000" RUNS=20 scripts/bench/compare.sh /tmp/schemac-old target/release/schemac
#
# On a shared or noisy machine, absolute times move between runs (and between days) far more
# than a change does; timing both binaries in one hyperfine call, on the same folder, minutes
# apart at most, shows the change itself. For each size N it uses target/bench/N/ (made by
# scripts/bench/run.sh, or made here from scripts/bench/gen.py when missing) and times, with
# hyperfine (-N, WARMUP warm-up runs, RUNS runs each), `lint`, `lint --format json` and `check`
# on a built folder, and `build` from scratch (generated/ and docs/ removed before every run).
# hyperfine prints the means and "N times faster"; its JSON goes to target/bench/N/compare-*.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ $# -ne 2 ]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY" >&2
  exit 2
fi
OLD=$(realpath "$1")
NEW=$(realpath "$2")
SIZES=${SIZES:-"50 500 2000"}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}

command -v hyperfine >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
}

for n in $SIZES; do
  D=$ROOT/target/bench/$n
  mkdir -p "$D"
  [ -f "$D/schema.yaml" ] || python3 "$ROOT/scripts/bench/gen.py" "$n" >"$D/schema.yaml"
  cd "$D"
  echo "== $n tables; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$NEW" build --color never >/dev/null 2>&1 || { "$NEW" build --color never; exit 1; }
  for name in lint lint-json check; do
    case $name in
      lint) cmd="lint --color never" ;;
      lint-json) cmd="lint --format json" ;;
      check) cmd="check --color never" ;;
    esac
    hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" --export-json "$D/compare-$name.json" \
      "$OLD $cmd" "$NEW $cmd"
  done
  hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" --prepare "rm -rf $D/generated $D/docs" \
    --export-json "$D/compare-build.json" "$OLD build --color never" "$NEW build --color never"
  "$NEW" build --color never >/dev/null 2>&1
done
