#!/usr/bin/env bash
# Whole-process benchmarks of schemac on synthetic models (scripts/bench/gen.py):
#   scripts/bench/run.sh                 # sizes 50 500 2000
#   SIZES="50 500" RUNS=20 scripts/bench/run.sh
#
# For each size N, in target/bench/N/ (schema.yaml, generated/, docs/), with hyperfine (median of
# RUNS runs after WARMUP warm-up runs, no intermediate shell) and peak RSS (/usr/bin/time -f %M,
# MEM_RUNS runs, the maximum is reported):
#   build        `schemac build` from scratch (generated/ and docs/ removed before every run)
#   lint         `schemac lint` (human format: info findings counted, not printed)
#   lint --format json   `schemac lint --format json` (every finding rendered)
#   check        `schemac check` after a build
#   incremental  `schemac build` after a one-column change (a nullable column added to the last
#                table), on a copy of the built folder restored before every run; reported as not
#                measured when build answers E402 (a SCHEMAC_BIN from before incremental
#                migrations existed).
# Then prints a Markdown table, the scaling ratios time(largest)/time(previous size), and the
# per-stage breakdown (examples/stages.rs) at the largest size. Raw hyperfine JSON stays in
# target/bench/N/*.json. Timings are only comparable on an otherwise idle machine: the load average
# is printed before each size, and so is the cost of touching 256 MB of fresh memory
# (scripts/bench/page_cost.py), which on a VM can change several-fold within an hour and which
# every run pays for the pages it touches.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

SIZES=${SIZES:-"50 500 2000"}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
MEM_RUNS=${MEM_RUNS:-5}

install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null 2>&1 || install hyperfine
[ -x /usr/bin/time ] || install time
command -v python3 >/dev/null 2>&1 || install python3

# SCHEMAC_BIN / STAGES_BIN: measure prebuilt binaries (for example a copy built from a given
# commit) instead of building the working tree.
if [ -z "${SCHEMAC_BIN:-}" ] || [ -z "${STAGES_BIN:-}" ]; then
  cargo build --release --locked --bin schemac --example stages
fi
BIN=${SCHEMAC_BIN:-$ROOT/target/release/schemac}
STAGES=${STAGES_BIN:-$ROOT/target/release/examples/stages}

BENCH=$ROOT/target/bench
mkdir -p "$BENCH"
RESULTS=$BENCH/results.tsv
: >"$RESULTS"

# peak RSS in KiB, the maximum over MEM_RUNS runs of "$@" (run in the current folder).
# With PREP set, it is run (by the shell) before every measured run.
peak_kib() {
  local max=0 kib
  for _ in $(seq "$MEM_RUNS"); do
    [ -n "${PREP:-}" ] && eval "$PREP"
    /usr/bin/time -f %M -o "$BENCH/time.out" "$@" >/dev/null 2>&1 || true
    kib=$(tail -1 "$BENCH/time.out")
    [ "$kib" -gt "$max" ] && max=$kib
  done
  echo "$max"
}

# record SIZE COMMAND JSON PEAK_KIB
record() {
  python3 - "$@" >>"$RESULTS" <<'EOF'
import json, sys
size, cmd, path, kib = sys.argv[1:5]
r = json.load(open(path))["results"][0]
print("\t".join([size, cmd, f"{r['median']*1000:.1f}", f"{r['min']*1000:.1f}",
                 f"{r['max']*1000:.1f}", f"{r['user']*1000:.1f}", f"{int(kib)/1024:.1f}",
                 str(len(r['times']))]))
EOF
}

for n in $SIZES; do
  D=$BENCH/$n
  rm -rf "$D"
  mkdir -p "$D"
  python3 "$ROOT/scripts/bench/gen.py" "$n" >"$D/schema.yaml"
  cd "$D"
  echo "== $n tables ($(wc -c <schema.yaml) bytes of YAML); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  # What touching fresh memory costs right now (it moves on VMs; docs/performance.md).
  python3 "$ROOT/scripts/bench/page_cost.py" 256 2 huge

  # The model must compile (or the numbers mean nothing) and should lint clean: findings are
  # reported, not fatal, since new rules may flag the synthetic model before gen.py catches up.
  set +e
  "$BIN" lint --deny-warnings --color never >/dev/null 2>"$D/lint.txt"
  status=$?
  set -e
  if grep -q '^ *E[0-9]' "$D/lint.txt" || [ "$status" -gt 1 ]; then
    cat "$D/lint.txt"; echo "error: the $n-table model does not compile" >&2; exit 1
  fi
  echo "lint of the model: $(tail -1 "$D/lint.txt")"

  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --prepare "rm -rf $D/generated $D/docs" \
    --export-json "$D/build.json" "$BIN build --color never"
  PREP="rm -rf $D/generated $D/docs" record "$n" build "$D/build.json" \
    "$(PREP="rm -rf $D/generated $D/docs" peak_kib "$BIN" build --color never)"

  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$D/lint.json" "$BIN lint --color never"
  record "$n" lint "$D/lint.json" "$(peak_kib "$BIN" lint --color never)"

  # Every finding, info-level ones included, rendered as JSON (the human format counts infos).
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$D/lint-json.json" "$BIN lint --format json"
  record "$n" "lint --format json" "$D/lint-json.json" "$(peak_kib "$BIN" lint --format json)"

  # check after a build (the last build run above left generated/ and docs/ in place).
  "$BIN" build --color never >/dev/null 2>&1 || true
  "$BIN" check --color never >/dev/null 2>&1 \
    || { "$BIN" check --color never; echo "error: check fails right after build" >&2; exit 1; }
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$D/check.json" "$BIN check --color never"
  record "$n" check "$D/check.json" "$(peak_kib "$BIN" check --color never)"

  # Incremental: one new nullable column in the last table, on top of the built 0001_init.
  python3 - "$D/schema.yaml" "$D/changed.yaml" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
at = max(i for i, l in enumerate(lines) if l.startswith("      updated_at:"))
lines.insert(at + 1, "      bench_note: { type: text, nullable: true }")
open(sys.argv[2], "w").write("\n".join(lines))
EOF
  rm -rf "$D/inc" && mkdir -p "$D/inc" && cp -r "$D/generated" "$D/docs" "$D/inc/"
  cp "$D/changed.yaml" "$D/inc/schema.yaml"
  cd "$D/inc"
  if "$BIN" build --color never >"$D/incremental.txt" 2>&1; then
    cd "$D"
    hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
      --prepare "sh -c 'rm -rf $D/inc/generated $D/inc/docs && cp -r $D/generated $D/docs $D/inc/'" \
      --export-json "$D/incremental.json" "$BIN build --color never --schema $D/inc/schema.yaml --out $D/inc/generated --docs $D/inc/docs/DATABASE.md"
    cd "$D/inc"
    PREP="rm -rf $D/inc/generated $D/inc/docs && cp -r $D/generated $D/docs $D/inc/" \
      record "$n" incremental "$D/incremental.json" \
      "$(PREP="rm -rf $D/inc/generated $D/inc/docs && cp -r $D/generated $D/docs $D/inc/" peak_kib "$BIN" build --color never)"
  elif grep -q E402 "$D/incremental.txt"; then
    echo "incremental build: skipped, schemac answers E402 (incremental migrations not implemented yet)"
    printf '%s\tincremental\t-\t-\t-\t-\t-\t0\n' "$n" >>"$RESULTS"
  else
    cat "$D/incremental.txt"
    echo "error: the incremental build failed" >&2
    exit 1
  fi
  cd "$ROOT"
done

LARGEST=${SIZES##* }
echo
echo "## Results ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo
python3 - "$RESULTS" "$SIZES" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
sizes = sys.argv[2].split()
print("| tables | command | median ms | min ms | max ms | user CPU ms (mean) | peak RSS MB (max of runs) | runs |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for size, cmd, med, lo, hi, user, mb, runs in rows:
    if med == "-":
        print(f"| {size} | {cmd} | not measured (E402) | | | | | |")
    else:
        print(f"| {size} | {cmd} | {med} | {lo} | {hi} | {user} | {mb} | {runs} |")
if len(sizes) >= 2:
    a, b = sizes[-2], sizes[-1]
    med = {(s, c): m for s, c, m, *_ in rows}
    print(f"\n| command | median at {a} ms | median at {b} ms | time({b}) / time({a}) |")
    print("|---|---:|---:|---:|")
    for cmd in ["build", "lint", "lint --format json", "check", "incremental"]:
        x, y = med.get((a, cmd), "-"), med.get((b, cmd), "-")
        ratio = f"{float(y) / float(x):.2f}" if "-" not in (x, y) else "not measured"
        print(f"| {cmd} | {x} | {y} | {ratio} |")
EOF

echo
echo "## Stages at $LARGEST tables (in-process, examples/stages.rs)"
"$STAGES" "$BENCH/$LARGEST/schema.yaml" 5
