#!/usr/bin/env bash
# Run a command with no network but loopback, as smoke mode promises.
# Two layers: the Python guard (tests/netguard, always on: any non-loopback connection
# raises and is logged) and, where the kernel allows it (root, or unprivileged user
# namespaces), a fresh network namespace whose only interface is loopback, so that even
# native code (libcurl, gRPC) cannot reach out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/netguard${PYTHONPATH:+:$PYTHONPATH}"
export TFAT_NETWORK_GUARD=1
if [ "${TFAT_NO_NETNS:-0}" != 1 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  for flags in "-n" "-rn"; do
    if unshare $flags sh -c 'ip link set lo up' 2>/dev/null; then
      echo "offline: network namespace with loopback only (unshare $flags) + Python guard" >&2
      exec unshare $flags bash -c 'ip link set lo up && exec "$@"' bash "$@"
    fi
  done
fi
echo "offline: Python guard only (no network namespace available here)" >&2
exec "$@"
