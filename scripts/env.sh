# shellcheck shell=bash
# Puts the repository's provisioned Node and Yarn first on PATH.
#   source scripts/env.sh
# Safe to source repeatedly; it only reads what scripts/setup.sh provisioned.
_cmdns_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export CLUSTERMESH_DNS_TOOLS="$_cmdns_root/.tools"

# Provisioned Node (only present when the system Node is too old).
if [ -x "$CLUSTERMESH_DNS_TOOLS/node/bin/node" ]; then
  case ":$PATH:" in *":$CLUSTERMESH_DNS_TOOLS/node/bin:"*) ;; *) PATH="$CLUSTERMESH_DNS_TOOLS/node/bin:$PATH" ;; esac
  # node-gyp builds native modules against these headers instead of downloading them.
  export npm_config_nodedir="$CLUSTERMESH_DNS_TOOLS/node"
elif [ "${npm_config_nodedir:-}" = "$CLUSTERMESH_DNS_TOOLS/node" ]; then
  unset npm_config_nodedir # the system Node is used: its own headers
fi
# The yarn shim that runs the pinned Yarn release.
case ":$PATH:" in *":$CLUSTERMESH_DNS_TOOLS/bin:"*) ;; *) PATH="$CLUSTERMESH_DNS_TOOLS/bin:$PATH" ;; esac
export PATH

# Yarn uses the same registry as npm; read at run time, never committed.
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  if [ -f "$CLUSTERMESH_DNS_TOOLS/registry" ]; then
    YARN_NPM_REGISTRY_SERVER="$(cat "$CLUSTERMESH_DNS_TOOLS/registry")"
  else
    YARN_NPM_REGISTRY_SERVER="$(npm config get registry 2>/dev/null | sed 's#/*$##')"
  fi
  export YARN_NPM_REGISTRY_SERVER
fi
export YARN_ENABLE_TELEMETRY=0
unset _cmdns_root
