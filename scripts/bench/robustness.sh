#!/usr/bin/env bash
# How long schemac takes on hostile inputs, each with a time limit (a benchmark, not a test: on a
# loaded machine it can fail, and the tests in tests/robustness.rs assert the diagnostics of the
# same inputs instead):
#   scripts/bench/robustness.sh                      # the release binary, built first
#   SCHEMAC_BIN=target/debug/schemac LIMIT=20 scripts/bench/robustness.sh
#
# For each input, in target/bench/robustness/<name>/schema.yaml, runs `schemac lint` RUNS times
# and reports the slowest wall-clock time, the exit code (1: the input was rejected, as expected
# except for the valid `description` case) and PASS or FAIL against LIMIT seconds. Exits 1 when any
# input is over the limit or ends with another exit code than expected (a crash is 101).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

RUNS=${RUNS:-3}
# Seconds; the release binary needs well under one for each input (docs/performance.md).
LIMIT=${LIMIT:-5}

command -v python3 >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3 >/dev/null
}
if [ -z "${SCHEMAC_BIN:-}" ]; then
  cargo build --release --locked --bin schemac
fi
BIN=$(realpath "${SCHEMAC_BIN:-$ROOT/target/release/schemac}")
OUT=$ROOT/target/bench/robustness
rm -rf "$OUT"
mkdir -p "$OUT"

# The inputs, one folder each (the same as the huge_* and billion_laughs tests of tests/robustness.rs).
python3 - "$OUT" <<'EOF'
import os, sys
out = sys.argv[1]
mb5 = "x" * (5 * 1024 * 1024)
small = ("version: 1\ntables:\n  notes:\n    description: A note.\n    columns:\n"
         "      id: { type: bigint, identity: always, primary_key: true }\n      body: text\n")
bomb = 'version: 1\na0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
for i in range(1, 10):
    bomb += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
bomb += "tables: *a9\n"
col = "version: 1\ntables:\n  t:\n    columns:\n      id: {{ type: {} }}\n"
cases = {
    "description-5mb": small.replace("A note.", mb5),
    "unknown-key-5mb": f"version: 1\n{mb5}: 1\n",
    "check-5mb": col.format('bigint, check: "id > ' + "1" * (5 * 1024 * 1024) + '"'),
    "type-name-5mb": col.format(f'"{mb5}"'),
    "table-name-5mb": f'version: 1\ntables:\n  "{mb5}":\n    columns:\n      id: bigint\n',
    "alias-bomb": bomb,
}
for name, text in cases.items():
    os.makedirs(os.path.join(out, name))
    with open(os.path.join(out, name, "schema.yaml"), "w") as f:
        f.write(text)
EOF

FAIL=0
printf '| input | expected exit | exit | slowest of %s (s) | limit (s) | result |\n' "$RUNS"
printf '| --- | --- | --- | --- | --- | --- |\n'
for dir in "$OUT"/*/; do
  name=$(basename "$dir")
  expected=1
  [ "$name" = description-5mb ] && expected=0
  worst=0
  code=0
  for _ in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    code=0
    (cd "$dir" && "$BIN" --color never lint >/dev/null 2>&1) || code=$?
    end=$(date +%s.%N)
    worst=$(python3 -c "import sys; print(f'{max(float(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2])):.2f}')" "$worst" "$start" "$end")
  done
  result=PASS
  if [ "$code" != "$expected" ] \
     || ! python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$worst" "$LIMIT"; then
    result=FAIL
    FAIL=1
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$expected" "$code" "$worst" "$LIMIT" "$result"
done
exit "$FAIL"
