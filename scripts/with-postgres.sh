#!/usr/bin/env bash
# Run a command with a PostgreSQL server reachable at $DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/postgres).
#
# If nothing answers there and the URL points at this machine, the script starts the local cluster,
# or installs PostgreSQL from Debian's packages first (needs root), and allows trust authentication
# for the postgres user on 127.0.0.1 so tests can create and drop their own databases.
#
# Tests whose optional prerequisite is missing (Chromium and Mermaid, plpgsql_check, pgTAP,
# yaml-language-server, a Citus server at $CITUS_URL) pass without checking; they record why in
# $SCHEMAC_SKIP_DIR (a fresh folder for each run), and after the command this script lists them
# under SKIPPED. With SCHEMAC_NO_SKIPS=1 (as in .ci/run) a skip makes the script exit 1 even when
# the command succeeded.
# Usage: scripts/with-postgres.sh cargo test --locked
set -euo pipefail

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
host=127.0.0.1
port=5432

ready() { pg_isready -h "$host" -p "$port" -q 2>/dev/null; }
can_connect() { psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1; }

say() { printf 'with-postgres: %s\n' "$*" >&2; }

case "$DATABASE_URL" in
  *@127.0.0.1*|*@localhost*|*host=127.0.0.1*|*host=localhost*) local_server=1 ;;
  *) local_server=0 ;;
esac

if [ "$local_server" = 1 ] && ! { command -v pg_isready >/dev/null && ready && can_connect; }; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    say "PostgreSQL is not installed: installing it from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql postgresql-client >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! ready; then
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  if ! can_connect; then
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if [ -w "$hba" ] && ! grep -q 'schemac-tests' "$hba"; then
      say "allowing trust authentication for postgres on 127.0.0.1 ($hba)"
      tmp=$(mktemp)
      { echo 'host all postgres 127.0.0.1/32 trust # schemac-tests'; cat "$hba"; } >"$tmp"
      cat "$tmp" >"$hba" && rm -f "$tmp"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
      sleep 1
    fi
  fi
fi

if ! can_connect; then
  say "cannot connect to $DATABASE_URL; set DATABASE_URL to a server where the user may create databases"
  exit 2
fi
say "using $DATABASE_URL ($(psql "$DATABASE_URL" -Atqc 'show server_version'))"

SCHEMAC_SKIP_DIR=$(mktemp -d)
export SCHEMAC_SKIP_DIR
trap 'rm -rf "$SCHEMAC_SKIP_DIR"' EXIT
status=0
"$@" || status=$?
skipped=$(find "$SCHEMAC_SKIP_DIR" -type f | sort)
if [ -n "$skipped" ]; then
  {
    printf '\nSKIPPED: %s test(s) passed without running all their checks (counted as passed above):\n' \
      "$(printf '%s\n' "$skipped" | wc -l)"
    printf '%s\n' "$skipped" | while IFS= read -r f; do printf '  %s\n' "$(cat "$f")"; done
  } >&2
  if [ "${SCHEMAC_NO_SKIPS:-0}" = 1 ] && [ "$status" = 0 ]; then
    say "SCHEMAC_NO_SKIPS=1: failing because tests were skipped"
    status=1
  fi
fi
exit "$status"
