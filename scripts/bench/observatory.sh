#!/usr/bin/env bash
# Data-scale validation of the observatory example (issue 8, seed 000's performance requirements)
# on the local PostgreSQL. NOT part of the test suite or CI: it takes several minutes and ~1.5 GB.
#
#   scripts/bench/observatory.sh                  # full run, drops its database at the end
#   KEEP=1 scripts/bench/observatory.sh           # keep schemac_bench_observatory for inspection
#   QUERY_RUNS=300 FTS_RUNS=100 INSERT_CLIENTS=16 INSERT_SECONDS=60 scripts/bench/observatory.sh
#
# 1. Creates the throwaway database schemac_bench_observatory on $DATABASE_URL's server (default
#    postgres://postgres@127.0.0.1:5432/postgres), applies src/preset/supabase_standin.sql and the
#    committed examples/observatory/generated/migrations/NNNN_*.sql in order.
# 2. Loads synthetic data (scripts/bench/observatory_data.py, deterministic) as the owner, with every
#    index, trigger and policy in place: 100 users, 500 projects, 10,000 conversations,
#    1,000,000 messages (COPY in chunks of CHUNK rows, one transaction each, VACUUM of
#    conversations after each chunk as autovacuum would do between them) and their tool calls;
#    refreshes the materialized views, fills project_daily_stats with rollup_project_daily_stats()
#    for each day, ANALYZE.
# 3. Times the common queries with pgbench (1 client, QUERY_RUNS transactions each, random user /
#    conversation / search terms per transaction), as the app would run them: `authenticated` with
#    request.jwt.claims.sub set, through RLS; the materialized views (revoked from clients) as
#    service_role. p50/p95 come from pgbench's per-transaction log; a transaction is one setup
#    statement (set_config of role and claims) plus the query, and the "setup only" row shows what
#    the setup alone costs.
# 4. Sustained insert throughput of messages: pgbench, INSERT_CLIENTS clients for INSERT_SECONDS s,
#    single-row INSERTs as `authenticated` (RLS check, trigger, all indexes, GIN on the tsvector).
# 5. EXPLAIN (ANALYZE, BUFFERS) of every query under the same role and claims; the script fails if a
#    Seq Scan on messages, conversations or tool_calls appears in one of them.
# 6. Prints a Markdown table and the machine (nproc, memory, PostgreSQL version and settings, load).
# Work files (plans, pgbench logs, scripts) stay in target/bench/observatory/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=schemac_bench_observatory
URL="${DATABASE_URL%/*}/$DB"
QUERY_RUNS=${QUERY_RUNS:-300}
FTS_RUNS=${FTS_RUNS:-100}
INSERT_CLIENTS=${INSERT_CLIENTS:-16}
INSERT_SECONDS=${INSERT_SECONDS:-60}
CHUNK=${CHUNK:-100000}
EXAMPLE=$ROOT/examples/observatory
WORK=$ROOT/target/bench/observatory

install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
}
command -v psql >/dev/null 2>&1 || install postgresql-client
command -v pgbench >/dev/null 2>&1 || install postgresql-client postgresql-contrib
command -v python3 >/dev/null 2>&1 || install python3

rm -rf "$WORK" && mkdir -p "$WORK"
RESULTS=$WORK/results.tsv
: >"$RESULTS"

admin() { psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -Atq "$@"; }
sql() { psql "$URL" -v ON_ERROR_STOP=1 -Atq "$@"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: database $DB kept ($URL)"
  else
    admin -c "drop database if exists $DB with (force)" || true
  fi
}
trap cleanup EXIT

echo "== observatory data-scale benchmark; load average at start: $(load)"
admin -c "drop database if exists $DB with (force)"
admin -c "create database $DB"

# -- 1. schema ---------------------------------------------------------------------------------
sql -f "$ROOT/src/preset/supabase_standin.sql" >/dev/null
for f in "$EXAMPLE"/generated/migrations/[0-9][0-9][0-9][0-9]_*.sql; do
  case "$f" in *.down.sql) continue ;; esac
  echo "applying ${f#"$ROOT"/}"
  sql -f "$f" >/dev/null
done

# -- 2. data -----------------------------------------------------------------------------------
BASE=$(date -u -d 'today 00:00' +%s)   # data ends at midnight UTC today and spans 90 days
GEN=$ROOT/scripts/bench/observatory_data.py
LOADS=$WORK/load.tsv
: >"$LOADS"

# copy_in LABEL TABLE(COLUMNS) FILE: COPY FILE into TABLE, record the time.
copy_in() {
  local t0 rows
  t0=$(now)
  sql -c "\\copy $2 from '$3'"
  rows=$(wc -l <"$3")
  printf '%s\t%s\t%s\n' "$1" "$rows" "$(elapsed "$t0")" >>"$LOADS"
}

echo "generating data (python3, deterministic)"
t0=$(now)
python3 "$GEN" users "$BASE" >"$WORK/users.tsv"
python3 "$GEN" projects "$BASE" >"$WORK/projects.tsv"
python3 "$GEN" conversations "$BASE" >"$WORK/conversations.tsv"
python3 "$GEN" messages "$BASE" "$WORK/tool_calls.tsv" >"$WORK/messages.tsv"
echo "generated in $(elapsed "$t0") s"

echo "loading (load average $(load))"
LOAD_T0=$(now)
copy_in auth.users "auth.users (id, email, role, created_at)" "$WORK/users.tsv"
copy_in projects "public.projects (id, user_id, name, path, created_at)" "$WORK/projects.tsv"
copy_in conversations "public.conversations (id, project_id, user_id, session_id, title, model, status, started_at, ended_at)" "$WORK/conversations.tsv"
split -l "$CHUNK" -d -a 3 "$WORK/messages.tsv" "$WORK/messages.chunk."
t0=$(now)
for f in "$WORK"/messages.chunk.*; do
  sql -c "\\copy public.messages (id, conversation_id, user_id, role, content, token_count, model, created_at) from '$f'"
  sql -c "vacuum public.conversations"
  printf '.'
done
echo
printf 'messages\t%s\t%s\n' "$(wc -l <"$WORK/messages.tsv")" "$(elapsed "$t0")" >>"$LOADS"
rm -f "$WORK"/messages.chunk.*
copy_in tool_calls "public.tool_calls (id, message_id, conversation_id, user_id, tool_name, input, output, status, error, duration_ms, created_at, completed_at)" "$WORK/tool_calls.tsv"
# Statistics first (autovacuum would have analyzed tables this size long before), then the
# analytics jobs, as the scheduled job with the service role would run them.
t0=$(now)
sql -c "vacuum analyze"
printf 'vacuum analyze\t-\t%s\n' "$(elapsed "$t0")" >>"$LOADS"
t0=$(now)
sql -c "select public.refresh_analytics()" >/dev/null
printf 'refresh_analytics()\t-\t%s\n' "$(elapsed "$t0")" >>"$LOADS"
t0=$(now)
sql -c "select public.rollup_project_daily_stats(d::date) from generate_series(to_timestamp($BASE) - interval '90 days', to_timestamp($BASE), interval '1 day') d" >/dev/null
printf 'rollup_project_daily_stats() x 91 days\t%s\t%s\n' "$(sql -c 'select count(*) from public.project_daily_stats')" "$(elapsed "$t0")" >>"$LOADS"
sql -c "analyze public.project_daily_stats, public.daily_usage_stats, public.tool_usage_stats"
LOAD_TOTAL=$(elapsed "$LOAD_T0")
echo "loaded in $LOAD_TOTAL s (load average $(load))"

# Counters kept by the trigger must agree with the data.
bad=$(sql -c "select count(*) from public.conversations c where c.message_count <> (select count(*) from public.messages m where m.conversation_id = c.id)")
[ "$bad" = 0 ] || { echo "error: $bad conversations have a wrong message_count" >&2; exit 1; }

# Snippets for the insert benchmark (a schema of the benchmark's own, readable by authenticated).
sql <<'EOF'
create schema bench;
create table bench.snippets (id int primary key, body text not null);
insert into bench.snippets select g, m.content
  from generate_series(1, 1000) g
  cross join lateral (select content from public.messages where role = 'assistant' offset g * 37 limit 1) m;
grant usage on schema bench to authenticated;
grant select on bench.snippets to authenticated;
analyze bench.snippets;
EOF

# -- 3. queries --------------------------------------------------------------------------------
# Each query: NAME, ROLE, TARGET_MS, RUNS, SQL with pgbench variables :vc (conversation 1..10000),
# :vu (its user), :vp (its project), :vw (index of the search terms, 0..19).
uuid_of() { echo "('00000000-0000-0000-$1-' || lpad(cast($2 as text), 12, '0'))::uuid"; }
U=$(uuid_of 0000 :vu)
C=$(uuid_of 0001 :vc)
P=$(uuid_of 0002 :vp)
TERMS="array['error', 'migration index', '\"stack trace\"', 'rust -python', 'deadlock or timeout', 'query planner scan', 'fn_42', 'commit_7 branch', 'postgres vacuum analyze', 'test coverage snapshot', 'websocket', 'failed build', 'lock', 'borrow lifetime', 'docker container kubernetes', 'span_300', 'json parse error', 'refactor module', 'cache redis', 'tsvector gin']"
declare -a QN QR QT QK QS
add_query() { QN+=("$1"); QR+=("$2"); QT+=("$3"); QK+=("$4"); QS+=("$5"); }
add_query "setup only (set_config role + claims)" authenticated 100 "$QUERY_RUNS" "select 1"
add_query "user's conversations, recent first (conversation_summaries)" authenticated 100 "$QUERY_RUNS" \
  "select id, project_name, title, status, message_count, total_tokens, last_message_at from public.conversation_summaries order by last_message_at desc nulls last limit 20"
add_query "project's conversations, newest first" authenticated 100 "$QUERY_RUNS" \
  "select id, title, status, message_count, started_at from public.conversations where project_id = $P order by started_at desc limit 20"
add_query "conversation's messages in order" authenticated 100 "$QUERY_RUNS" \
  "select id, role, content, token_count, created_at from public.messages where conversation_id = $C order by created_at"
add_query "conversation's recent tool calls" authenticated 100 "$QUERY_RUNS" \
  "select id, tool_name, status, duration_ms, created_at from public.tool_calls where conversation_id = $C order by created_at desc limit 50"
add_query "user's recent tool calls (all conversations)" authenticated 100 "$QUERY_RUNS" \
  "select id, conversation_id, tool_name, status, duration_ms, created_at from public.tool_calls order by created_at desc limit 50"
add_query "user's history of one tool" authenticated 100 "$QUERY_RUNS" \
  "select id, conversation_id, status, duration_ms, created_at from public.tool_calls where tool_name = (array['Bash','Edit','Read','Grep'])[1 + :vc % 4] order by created_at desc limit 50"
add_query "rollup: project_daily_stats, last 30 days" authenticated 100 "$QUERY_RUNS" \
  "select day, sum(conversation_count), sum(message_count), sum(tool_call_count), sum(total_tokens) from public.project_daily_stats where day >= current_date - 30 group by day order by day"
add_query "rollup: daily_usage_stats (mat. view), last 30 days" service_role 100 "$QUERY_RUNS" \
  "select day, conversations, messages, tokens from public.daily_usage_stats where user_id = $U and day >= current_date - 30 order by day"
add_query "rollup: tool_usage_stats (mat. view)" service_role 100 "$QUERY_RUNS" \
  "select tool_name, calls, failures, avg_duration_ms, last_used_at from public.tool_usage_stats where user_id = $U order by calls desc"
add_query "full-text search: search_messages(q, 20)" authenticated 500 "$FTS_RUNS" \
  "select id, conversation_id, created_at from public.search_messages(($TERMS)[1 + :vw], 20)"

# The statement search_messages runs (its body, under the caller's RLS), for EXPLAIN: a SQL
# function with SET search_path is not inlined, so EXPLAIN of the call shows only a Function Scan.
FTS_BODY="select m.* from public.messages m where m.search @@ websearch_to_tsquery('english', ($TERMS)[1 + :vw]) order by ts_rank(m.search, websearch_to_tsquery('english', ($TERMS)[1 + :vw])) desc, m.created_at desc limit 20"

claims() { echo "select set_config('role', '$1', false), set_config('request.jwt.claims', json_build_object('sub', $U, 'role', 'authenticated')::text, false);"; }
vars() {
  cat <<'EOF'
\set vc random(1, 10000)
\set vu ((:vc - 1) % 100) + 1
\set vp (:vu - 1) * 5 + ((:vc - 1) / 100) % 5 + 1
\set vw random(0, 19)
EOF
}

# percentiles FILES...: p50 and p95 (ms) of the latency column of pgbench logs.
percentiles() {
  python3 - "$@" <<'EOF'
import sys
lat = sorted(int(l.split()[2]) / 1000 for f in sys.argv[1:] for l in open(f) if l.strip())
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{pick(0.50):.2f}\t{pick(0.95):.2f}\t{lat[-1]:.2f}\t{len(lat)}")
EOF
}

SEQ_FAIL=0
PLANS=$WORK/plans.txt
: >"$PLANS"
echo "timing queries (load average $(load))"
for i in "${!QN[@]}"; do
  name=${QN[$i]} role=${QR[$i]} target=${QT[$i]} runs=${QK[$i]} q=${QS[$i]}
  f=$WORK/q$i.sql
  { vars; claims "$role"; echo "$q;"; } >"$f"
  (cd "$WORK" && pgbench -n -c 1 -t "$runs" -f "$f" --log --log-prefix="q$i" "$URL" >"$WORK/q$i.out" 2>&1) \
    || { cat "$WORK/q$i.out"; echo "error: pgbench failed on: $name" >&2; exit 1; }
  stats=$(percentiles "$WORK"/q"$i".[0-9]*)
  # EXPLAIN with user 1 / conversation 1 / project 1 / the first search terms.
  plan_sql=$q
  [ "$name" = "${QN[-1]}" ] && plan_sql=$FTS_BODY
  plan_sql=${plan_sql//:vu/1}; plan_sql=${plan_sql//:vc/1}; plan_sql=${plan_sql//:vp/1}; plan_sql=${plan_sql//:vw/0}
  setup=$(claims "$role"); setup=${setup//:vu/1}
  plan=$(sql -c "$setup" -c "explain (analyze, buffers, costs off) $plan_sql" | grep -v '^authenticated\|^service_role')
  { echo "### $name (as $role)"; echo "$plan_sql"; echo "$plan"; echo; } >>"$PLANS"
  access=$(echo "$plan" | grep -oE 'Seq Scan on [a-z_0-9]+|Index (Only )?Scan( Backward)? using [a-z_0-9]+|Bitmap Index Scan on [a-z_0-9]+' | sort -u | paste -sd';' - | sed 's/;/; /g' || true)
  verdict=ok
  if [ "$i" -gt 0 ] && echo "$plan" | grep -qE 'Seq Scan on (messages|conversations|tool_calls)\b'; then
    verdict="SEQ SCAN"; SEQ_FAIL=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$role" "$stats" "$target" "$verdict" "${access:-none}" >>"$RESULTS"
  echo "  $name: $(echo "$stats" | cut -f1,2 | tr '\t' ' ') ms (p50 p95), $verdict"
done

# -- 4. insert throughput ----------------------------------------------------------------------
f=$WORK/insert.sql
{
  vars
  echo '\set vs random(1, 1000)'
  claims authenticated
  echo "insert into public.messages (conversation_id, user_id, role, content, token_count, model) select $C, $U, 'assistant', s.body, 4 * length(s.body) / 5, 'claude-sonnet-4' from bench.snippets s where s.id = :vs;"
} >"$f"
before=$(sql -c "select count(*) from public.messages")
echo "insert throughput: $INSERT_CLIENTS clients, $INSERT_SECONDS s (load average $(load))"
(cd "$WORK" && pgbench -n -c "$INSERT_CLIENTS" -j 2 -T "$INSERT_SECONDS" -f "$f" -r "$URL" >"$WORK/insert.out" 2>&1) \
  || { cat "$WORK/insert.out"; echo "error: pgbench failed on the inserts" >&2; exit 1; }
INSERT_LOAD=$(load)
after=$(sql -c "select count(*) from public.messages")
INSERT_TPS=$(grep -oP 'tps = \K[0-9]+(?=\.[0-9]* \(without initial connection time\))' "$WORK/insert.out")
INSERT_LAT=$(grep -oP 'latency average = \K[0-9.]+' "$WORK/insert.out")
INSERTED=$((after - before))
cat "$WORK/insert.out" | sed -n '/^transaction type/,$p' >"$WORK/insert.summary"

# -- 5/6. report -------------------------------------------------------------------------------
PGVER=$(sql -c "show server_version")
SETTINGS=$(sql -c "select string_agg(name || '=' || current_setting(name), ', ' order by name) from pg_settings where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'synchronous_commit', 'fsync', 'max_wal_size', 'random_page_cost', 'jit', 'wal_level')")
SIZE=$(sql -c "select pg_size_pretty(pg_database_size(current_database()))")
MSIZE=$(sql -c "select pg_size_pretty(pg_total_relation_size('public.messages'))")
COUNTS=$(sql -c "select (select count(*) from auth.users) || ' users, ' || (select count(*) from public.projects) || ' projects, ' || (select count(*) from public.conversations) || ' conversations, ' || $before || ' messages, ' || (select count(*) from public.tool_calls) || ' tool calls, ' || (select count(*) from public.project_daily_stats) || ' project_daily_stats rows'")

echo
echo "## Observatory data-scale results"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM; PostgreSQL $PGVER ($SETTINGS); load average now $(load)."
echo "Data: $COUNTS; database $SIZE (messages with indexes $MSIZE)."
echo
echo "| load step | rows | seconds | rows/s |"
echo "|---|---:|---:|---:|"
while IFS=$'\t' read -r what rows secs; do
  if [ "$rows" = - ]; then echo "| $what | | $secs | |"
  else echo "| $what | $rows | $secs | $(python3 -c "print(f'{$rows / max($secs, 0.05):,.0f}')") |"; fi
done <"$LOADS"
echo "| **total (owner, all indexes, triggers and RLS in place)** | | **$LOAD_TOTAL** | |"
echo
echo "| query | as | p50 ms | p95 ms | max ms | runs | target (p95) | result | index check | access paths (EXPLAIN) |"
echo "|---|---|---:|---:|---:|---:|---|---|---|---|"
FAIL=0
while IFS=$'\t' read -r name role p50 p95 max n target verdict access; do
  if [ "$name" = "setup only (set_config role + claims)" ]; then
    echo "| $name | $role | $p50 | $p95 | $max | $n | (overhead included in every row below) | | | |"; continue
  fi
  res=pass
  python3 -c "import sys; sys.exit(0 if $p95 < $target else 1)" || { res=FAIL; FAIL=1; }
  echo "| $name | $role | $p50 | $p95 | $max | $n | < $target ms | $res | $verdict | $access |"
done <"$RESULTS"
ires=pass
python3 -c "import sys; sys.exit(0 if $INSERT_TPS >= 1000 else 1)" || { ires=FAIL; FAIL=1; }
echo
echo "| insert throughput | clients | seconds | messages inserted | messages/s | mean latency ms | target | result |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
echo "| single-row INSERT into messages as authenticated (RLS, trigger, 4 indexes + GIN) | $INSERT_CLIENTS | $INSERT_SECONDS | $INSERTED | $INSERT_TPS | $INSERT_LAT | ≥ 1,000/s | $ires |"
echo
echo "Load average after the inserts: $INSERT_LOAD. Plans: $PLANS; pgbench output: $WORK/*.out."
[ "$SEQ_FAIL" = 0 ] || { echo "error: a common query scans messages, conversations or tool_calls sequentially (see $PLANS)" >&2; exit 1; }
[ "$FAIL" = 0 ] || { echo "error: a target is missed" >&2; exit 1; }
