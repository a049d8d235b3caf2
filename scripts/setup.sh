#!/usr/bin/env bash
# The README's set-up command (`npm run setup`), also run by `npm test` before the tests and by .ci/run.
# Installs on a Debian 12 machine exactly what `npm start` and `npm test` need and is missing — nothing else —
# and says what it installs. Idempotent: a second run checks, finds everything and prints one line.
#
#   Debian packages (apt-get, needs root; system services are NOT started — the tests start their own servers):
#     openssh-server        /usr/sbin/sshd for the "Lizenzen abrufen" SFTP tests (test/peers/sshd.ts)
#     default-jdk-headless  java + javac: the independent license implementation (test/fixtures/independent)
#     openssl               the mail tests make their TLS certificate with it (test/peers/smtpPeer.ts)
#     postgresql            PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin) for throw-away test clusters
#     chromium, libkrb5-dev, ripgrep   the real VS Code host (via scripts/install-vscode-host.sh)
#   npm:
#     the extension's dependencies (npm ci) when node_modules is missing or does not match package-lock.json
#     code-server 4.100.3 + playwright-core in vscode-host/ (scripts/install-vscode-host.sh)
#
# Usage: scripts/setup.sh            install what is missing (exit 1 with the exact command when not root)
#        scripts/setup.sh --check    only report what is missing; exit 1 when something is
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CHECK_ONLY=false
[ "${1:-}" = "--check" ] && CHECK_ONLY=true
say() { echo "setup: $*"; }

# 1. Debian packages: package name → the file that proves it is there
declare -A PROOF=(
  [openssh-server]=/usr/sbin/sshd
  [default-jdk-headless]=javac
  [openssl]=openssl
  [postgresql]=/usr/lib/postgresql/15/bin/initdb
  [chromium]=chromium
  [libkrb5-dev]=/usr/include/gssapi/gssapi.h
  [ripgrep]=rg
)
have() { case "$1" in /*) [ -e "$1" ] ;; *) command -v "$1" >/dev/null ;; esac; }
missing=()
for pkg in openssh-server default-jdk-headless openssl postgresql chromium libkrb5-dev ripgrep; do
  have "${PROOF[$pkg]}" || missing+=("$pkg")
done

npm_missing=false
if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then npm_missing=true; fi
host_missing=false
if [ ! -x vscode-host/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ] || [ ! -d vscode-host/node_modules/playwright-core ]; then host_missing=true; fi

if $CHECK_ONLY; then
  problems=0
  if [ ${#missing[@]} -gt 0 ]; then say "missing Debian packages: ${missing[*]}"; problems=1; fi
  if $npm_missing; then say "node_modules is missing or does not match package-lock.json"; problems=1; fi
  if $host_missing; then say "the VS Code host (code-server 4.100.3 in vscode-host/) is not installed"; problems=1; fi
  if [ $problems = 1 ]; then say "fix: run 'npm run setup' as root (or with sudo)"; exit 1; fi
  say "everything needed is installed"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${missing[*]}" >&2
    say "install them as root: sudo npm run setup   (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]} (no system service is started)"
  # policy-rc.d 101 = "do not start services" for every package installed now (Debian's invoke-rc.d policy):
  # the system sshd and the PostgreSQL main cluster stay stopped; the tests start their own on 127.0.0.1.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=true
  fi
  trap 'if $own_policy; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for pkg in "${missing[@]}"; do have "${PROOF[$pkg]}" || { say "apt-get installed $pkg but ${PROOF[$pkg]} is still missing" >&2; exit 1; }; done
fi

if $npm_missing; then
  say "npm ci (the extension's dependencies from package-lock.json)"
  npm ci --no-audit --no-fund
fi

if $host_missing; then
  bash scripts/install-vscode-host.sh
fi

say "ready: node $(node --version), sshd, java $(java -version 2>&1 | head -1 | sed 's/.*"\(.*\)".*/\1/'), $(openssl version | cut -d' ' -f1-2), PostgreSQL $(/usr/lib/postgresql/15/bin/initdb --version | awk '{print $3}'), code-server 4.100.3"
