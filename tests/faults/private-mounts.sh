#!/usr/bin/env bash
# Runs a fault test in a mount namespace of its own (root only): the small filesystems it mounts
# (a full disk for the spool) are seen by nobody else and go away with the test, even a crashed
# one. Without root the test runs as it is and skips what needs a mount, saying so.
#   private-mounts.sh COMMAND [ARGS...]
set -euo pipefail
if [[ $(id -u) -eq 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
  exec unshare --mount --propagation private env MADOGUCHI_TEST_PRIVATE_MOUNTS=1 "$@"
fi
exec "$@"
