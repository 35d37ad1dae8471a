#!/usr/bin/env python3
"""Synthetic data for the observatory benchmark (scripts/bench/observatory.sh), as COPY text.

    observatory_data.py TABLE BASE_EPOCH [TOOL_CALLS_FILE] > rows.tsv

TABLE is users | projects | conversations | messages. `messages` also writes the tool calls
(which reference message ids) to TOOL_CALLS_FILE. Output is deterministic for a given BASE_EPOCH
(the end of the data's time range, in Unix seconds): every table has its own fixed seed.

Sizes: USERS users, PROJECTS_PER_USER projects each, CONVERSATIONS conversations (spread evenly
over the users and their projects), MESSAGES messages (env OBS_MESSAGES, default 1,000,000) (spread at random over the conversations,
in time order), a tool call on about TOOL_CALL_RATE of the assistant messages.

Identifiers are readable and computable in SQL and pgbench scripts:
  user n          00000000-0000-0000-0000-<n, 12 decimal digits>
  project n       00000000-0000-0000-0002-<n>
  conversation n  00000000-0000-0000-0001-<n>
Conversation n (1-based) belongs to user ((n - 1) % USERS) + 1 and to that user's project
((n - 1) // USERS) % PROJECTS_PER_USER; project of user u number k is (u - 1) * PROJECTS_PER_USER + k + 1.
"""

import os
import random
import sys
import uuid
from datetime import datetime, timezone

USERS = 100
PROJECTS_PER_USER = 5
CONVERSATIONS = 10_000
MESSAGES = int(os.environ.get("OBS_MESSAGES", "1000000"))
TOOL_CALL_RATE = 0.4
DAYS = 90

# Vocabulary of coding-assistant conversations: common English first (they are drawn most often,
# a Zipf-like skew), then programming terms, then identifiers-like rare words.
COMMON = """the a to of and in is it that for this you on with be we can i as are not
have or if will from by at an but so do what which there was should now let me here
just need use make sure also then check see more when all one would like how into
file code function test error run change line add fix new value type call return
update build work data first list time case way output result issue look try set""".split()
CODING = """rust python typescript javascript postgres sql query index table column schema
migration database transaction commit branch merge rebase git diff patch review
refactor module crate package dependency version release deploy docker container
kubernetes server client request response header payload json yaml toml config
environment variable secret token auth login session cookie cache redis queue worker
thread async await future promise callback closure iterator vector hashmap string
integer float boolean array struct enum trait interface class method constructor
import export compile compiler linker warning panic exception stack trace debug
breakpoint logging metric latency throughput benchmark profile memory allocation
garbage collector pointer reference borrow lifetime ownership mutex lock deadlock race
condition timeout retry backoff socket http websocket grpc protobuf serialize parse
lexer parser token syntax tree node graph edge vertex algorithm sort search binary
recursion loop pattern regex match filter map reduce fold lambda generic macro
attribute annotation decorator fixture mock stub assertion coverage snapshot lint
format prettier eslint clippy rustfmt cargo npm pip poetry venv makefile script bash
shell terminal command argument flag option path directory folder permission owner
group user role policy security vulnerability injection sanitize escape encode decode
hash encrypt decrypt signature certificate tls ssl proxy gateway endpoint route
handler middleware controller view template component render state props hook effect
reducer store action dispatch selector event listener emitter stream buffer chunk
pipe channel signal process fork spawn exit status code success failure pending
running completed archived cancelled bash edit read write grep glob notebook todo
plan explore agent tool subagent prompt context window model sonnet opus haiku claude
observatory dashboard analytics chart report aggregate rollup materialized refresh
realtime subscription publication replication backup restore vacuum analyze explain
planner scan seq bitmap heap btree gin brin gist trigram fulltext tsvector tsquery
rank websearch english stemming dictionary""".split()
RARE = [f"{p}_{i}" for p in ("fn", "err", "ticket", "commit", "pr", "span") for i in range(1, 401)]
VOCAB = COMMON + CODING + RARE
# Zipf-like weights: word k (0-based) has weight 1/(k+10)^1.2.
WEIGHTS = [1.0 / (k + 10) ** 1.2 for k in range(len(VOCAB))]
CUM = []
_acc = 0.0
for _w in WEIGHTS:
    _acc += _w
    CUM.append(_acc)

TOOLS = ["Bash", "Edit", "Read", "Write", "Grep", "Glob", "TodoWrite", "WebFetch", "Task",
         "mcp__github__create_pr", "mcp__postgres__query", "NotebookEdit"]
TOOL_W = [30, 25, 25, 6, 10, 6, 4, 2, 3, 1, 1, 1]
MODELS = ["claude-sonnet-4", "claude-opus-4", "claude-haiku-4"]


def uid(kind, n):
    return f"00000000-0000-0000-{kind:04d}-{n:012d}"


def ts(epoch):
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def words(rng, n):
    return " ".join(rng.choices(VOCAB, cum_weights=CUM, k=n))


def conv_start(base, n):
    """Start of conversation n: its own seed, so every table agrees on it."""
    r = random.Random(1_000_003 * n)
    return base - DAYS * 86400 + r.random() * (DAYS * 86400 - 4 * 3600)


def main():
    table, base = sys.argv[1], float(sys.argv[2])
    out = sys.stdout
    w = out.write
    if table == "users":
        for u in range(1, USERS + 1):
            w(f"{uid(0, u)}\tuser{u}@observatory.test\tauthenticated\t{ts(base - (DAYS + 10) * 86400)}\n")
    elif table == "projects":
        rng = random.Random(2)
        for u in range(1, USERS + 1):
            for k in range(PROJECTS_PER_USER):
                p = (u - 1) * PROJECTS_PER_USER + k + 1
                name = f"{rng.choice(CODING)}-{rng.choice(CODING)}"
                w(f"{uid(2, p)}\t{uid(0, u)}\t{name}\t/home/user{u}/src/{name}-{p}\t{ts(base - (DAYS + 5) * 86400)}\n")
    elif table == "conversations":
        rng = random.Random(3)
        for n in range(1, CONVERSATIONS + 1):
            u = (n - 1) % USERS + 1
            k = ((n - 1) // USERS) % PROJECTS_PER_USER
            p = (u - 1) * PROJECTS_PER_USER + k + 1
            start = conv_start(base, n)
            age = base - start
            status = "active" if age < 4 * 3600 else ("archived" if rng.random() < 0.15 else "completed")
            ended = "\\N" if status == "active" else ts(start + 4 * 3600)
            title = words(rng, rng.randint(3, 8))
            w(f"{uid(1, n)}\t{uid(2, p)}\t{uid(0, u)}\tsess-{n:08d}\t{title}\t{rng.choice(MODELS)}\t"
              f"{status}\t{ts(start)}\t{ended}\n")
    elif table == "messages":
        rng = random.Random(4)
        starts = [0.0] + [conv_start(base, n) for n in range(1, CONVERSATIONS + 1)]
        # (time, conversation) for every message, then sorted: rows arrive in time order, as an
        # append-only log does (the BRIN index on created_at depends on that).
        rows = []
        for _ in range(MESSAGES):
            n = rng.randint(1, CONVERSATIONS)
            rows.append((starts[n] + rng.random() * 4 * 3600, n))
        rows.sort()
        tools = open(sys.argv[3], "w")
        tw = tools.write
        roles = ["user", "assistant", "assistant", "tool", "system"]
        for t, n in rows:
            u = (n - 1) % USERS + 1
            role = rng.choice(roles)
            length = rng.randint(3, 25) if role in ("user", "system") else rng.randint(10, 80)
            content = words(rng, length)
            mid = uuid.UUID(int=rng.getrandbits(128), version=4)
            tokens = length * 4 + rng.randint(0, 50)
            model = rng.choice(MODELS) if role == "assistant" else "\\N"
            w(f"{mid}\t{uid(1, n)}\t{uid(0, u)}\t{role}\t{content}\t{tokens}\t{model}\t{ts(t)}\n")
            if role == "assistant" and rng.random() < TOOL_CALL_RATE:
                tool = rng.choices(TOOLS, weights=TOOL_W)[0]
                status = "failed" if rng.random() < 0.05 else "succeeded"
                dur = int(rng.expovariate(1 / 800))
                err = "command failed with exit code 1" if status == "failed" else "\\N"
                tid = uuid.UUID(int=rng.getrandbits(128), version=4)
                tw(f"{tid}\t{mid}\t{uid(1, n)}\t{uid(0, u)}\t{tool}\t"
                   f'{{"arg": "{rng.choice(CODING)}"}}\t{{"ok": {str(status == "succeeded").lower()}}}\t'
                   f"{status}\t{err}\t{dur}\t{ts(t)}\t{ts(t + dur / 1000)}\n")
        tools.close()
    else:
        sys.exit(f"unknown table {table}")


if __name__ == "__main__":
    main()
