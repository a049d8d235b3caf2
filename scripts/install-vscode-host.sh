#!/usr/bin/env bash
# Installs the real VS Code host used by the host tests and `npm start` (../shared/host-testing.md):
# Debian chromium, libkrb5-dev and ripgrep; the ripgrep download cache seed; code-server 4.100.3 and
# playwright-core in vscode-host/. Idempotent and quiet when everything is there already.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HOST_DIR="$ROOT/vscode-host"

# 1. Debian: headless browser, Kerberos headers (the native 'kerberos' module is built from source), ripgrep.
need=()
command -v chromium >/dev/null || need+=(chromium)
[ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)
command -v rg >/dev/null || need+=(ripgrep)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-vscode-host: apt-get install ${need[*]}"
  if [ "$(id -u)" != 0 ]; then echo "install-vscode-host: needs root for apt-get (missing: ${need[*]})" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. @vscode/ripgrep's postinstall downloads rg from GitHub unless the asset is in its cache: seed it with Debian's rg.
RG_PKG_VERSION=1.15.11            # the @vscode/ripgrep version inside code-server 4.100.3
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_PKG_VERSION"
mkdir -p "$RG_CACHE"
[ -s "$RG_CACHE/$RG_ASSET" ] || tar czf "$RG_CACHE/$RG_ASSET" -C "$(dirname "$(command -v rg)")" rg

# 3. code-server: as root its postinstall needs npm_config_unsafe_perm=true; node-pty's postinstall runs
#    `npx node-gyp`, which must not prompt (the machine's npmrc has yes=false).
if [ ! -x "$HOST_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] || [ ! -d "$HOST_DIR/node_modules/playwright-core" ]; then
  echo "install-vscode-host: installing code-server 4.100.3 and playwright-core (about a minute)"
  cd "$HOST_DIR"
  if [ -f package-lock.json ]; then verb=ci; else verb=install; fi
  npm_config_unsafe_perm=true npm_config_yes=true \
    npm "$verb" --no-audit --no-fund --foreground-scripts --loglevel=warn > "$HOST_DIR/install.log" 2>&1 \
    || { tail -40 "$HOST_DIR/install.log"; exit 1; }
fi
