#!/usr/bin/env bash
# Installs Debian's PostgreSQL 15 server binaries for the PostgreSQL store tests (issue 19), when missing.
# Idempotent: does nothing when /usr/lib/postgresql/15/bin has initdb, pg_ctl and postgres.
# The tests start their own throw-away cluster (test/peers/postgres.ts: initdb into a temp folder, pg_ctl on
# 127.0.0.1 and a free port); the system service the package may start is not needed and is stopped again.
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
if [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ] && [ -x "$BIN/postgres" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres.sh: PostgreSQL 15 is missing in $BIN; run this script as root (or: sudo apt-get install postgresql)" >&2
  exit 1
fi
# policy-rc.d keeps the package's post-install from starting the system cluster (no service on port 5432)
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  CREATED_POLICY=1
fi
trap '[ "$CREATED_POLICY" = 1 ] && rm -f "$POLICY"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# in case a service was started anyway (no policy-rc.d honoured): stop it; the tests never use it
(service postgresql stop || true) >/dev/null 2>&1
if [ ! -x "$BIN/initdb" ]; then
  echo "install-postgres.sh: the postgresql package did not install PostgreSQL 15 into $BIN (another Debian release?)" >&2
  exit 1
fi
