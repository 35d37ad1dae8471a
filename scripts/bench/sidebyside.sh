#!/usr/bin/env bash
# Two schemac binaries side by side, each on its own copy of the gen.py models, as one Markdown
# table of medians (the table of docs/performance.md, issue 18):
#   scripts/bench/sidebyside.sh OLD_BINARY NEW_BINARY
#   SIZES="2000" RUNS=10 WARMUP=2 scripts/bench/sidebyside.sh /work/bin/schemac-2685374 target/release/schemac
#
# For each size N (default 50 500 2000) it makes target/bench/sbs/N/{old,new}/ (each binary
# builds its own folder, so each reads the snapshot format it writes) and times, with hyperfine
# (-N, WARMUP warm-up runs, RUNS runs of each binary, alternating in one call):
#   build          `build` from scratch (generated/ and docs/ removed before every run)
#   build (no-op)  `build` on the built folder: nothing to write
#   check          `check` on the built folder
#   lint           `lint` on the built folder
#   incremental    `build --allow SC612` after one nullable column is added to the last table, on a
#                  copy of the built folder restored before every run (`--allow SC612`: binaries
#                  before the fix of the snapshot's access baseline, 2685374 among them, report
#                  every table of these auto-exposing models as widened and refuse with E405;
#                  see docs/performance.md)
# and prints the medians (ms), new/old, and the snapshot's size for each binary. Compare the
# two columns of one run only: on a shared machine absolute times move between runs far more
# than a change does (docs/performance.md). Raw JSON stays in target/bench/sbs/N/*.json.
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

OUT=$ROOT/target/bench/sbs
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

# median in ms of the command at index $2 of hyperfine JSON $1
median() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]; print("%.1f" % (r["median"] * 1000))' "$1" "$2"
}

for n in $SIZES; do
  B=$OUT/$n
  mkdir -p "$B"
  [ -f "$B/schema.yaml" ] || python3 "$ROOT/scripts/bench/gen.py" "$n" >"$B/schema.yaml"
  python3 - "$B/schema.yaml" "$B/changed.yaml" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
at = max(i for i, l in enumerate(lines) if l.startswith("      updated_at:"))
lines.insert(at + 1, "      bench_note: { type: text, nullable: true }")
open(sys.argv[2], "w").write("\n".join(lines))
EOF
  for side in old new; do
    bin=$OLD; [ $side = new ] && bin=$NEW
    rm -rf "$B/$side" && mkdir -p "$B/$side/inc"
    cp "$B/schema.yaml" "$B/$side/"
    (cd "$B/$side" && "$bin" build --color never >/dev/null 2>&1) \
      || { echo "error: $bin build failed at $n tables" >&2; exit 1; }
    cp "$B/changed.yaml" "$B/$side/inc/schema.yaml"
    printf '%s\tsnapshot %s\t%s\n' "$n" "$side" "$(stat -c %s "$B/$side/generated/schema.snapshot.json")" >>"$RESULTS"
  done
  echo "== $n tables; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  hf() { hyperfine -N --style basic -w "$WARMUP" -r "$RUNS" "$@"; }
  cd "$B/old"
  hf --export-json "$B/build.json" \
    --prepare "rm -rf $B/old/generated $B/old/docs $B/new/generated $B/new/docs" \
    "$OLD build --color never --schema $B/old/schema.yaml --out $B/old/generated --docs $B/old/docs/DATABASE.md" \
    "$NEW build --color never --schema $B/new/schema.yaml --out $B/new/generated --docs $B/new/docs/DATABASE.md"
  for cmd in "build:build --color never" "check:check --color never" "lint:lint --color never"; do
    name=${cmd%%:*}; args=${cmd#*:}
    [ "$name" = build ] && name=noop
    hf --export-json "$B/$name.json" \
      "$OLD $args --schema $B/old/schema.yaml --out $B/old/generated --docs $B/old/docs/DATABASE.md" \
      "$NEW $args --schema $B/new/schema.yaml --out $B/new/generated --docs $B/new/docs/DATABASE.md"
  done
  hf --export-json "$B/incremental.json" \
    --prepare "sh -c 'for s in old new; do rm -rf $B/\$s/inc/generated $B/\$s/inc/docs && cp -r $B/\$s/generated $B/\$s/docs $B/\$s/inc/; done'" \
    "$OLD build --allow SC612 --color never --schema $B/old/inc/schema.yaml --out $B/old/inc/generated --docs $B/old/inc/docs/DATABASE.md" \
    "$NEW build --allow SC612 --color never --schema $B/new/inc/schema.yaml --out $B/new/inc/generated --docs $B/new/inc/docs/DATABASE.md"
  for name in build noop check lint incremental; do
    printf '%s\t%s\t%s\t%s\n' "$n" "$name" "$(median "$B/$name.json" 0)" "$(median "$B/$name.json" 1)" >>"$RESULTS"
  done
  cd "$ROOT"
done

echo
echo "## $(basename "$OLD") → $(basename "$NEW"): medians of $RUNS runs ($(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo
python3 - "$RESULTS" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
label = {"build": "build (from scratch)", "noop": "build (nothing changed)", "check": "check",
         "lint": "lint", "incremental": "build (one column added)"}
print("| tables | command | old ms | new ms | new/old |")
print("|---:|---|---:|---:|---:|")
sizes = {}
for r in rows:
    if r[1].startswith("snapshot"):
        sizes.setdefault(r[0], {})[r[1].split()[1]] = int(r[2])
        continue
    n, name, old, new = r
    print(f"| {int(n):,} | {label[name]} | {old} | {new} | {float(new) / float(old):.2f} |")
print()
print("| tables | snapshot old | snapshot new |")
print("|---:|---:|---:|")
for n, s in sizes.items():
    print(f"| {int(n):,} | {s['old'] / 1e6:.2f} MB | {s['new'] / 1e6:.2f} MB |")
EOF
