#!/usr/bin/env bash
# Runs a test command with a PC/SC stack of its own, never the machine's:
#   private-pcscd.sh COMMAND [ARGS...]
# The command runs in a private mount and PID namespace where /run/pcscd (pcscd's socket and pid
# file) is an empty tmpfs. The test starts pcscd itself (card_test::Pcscd, with a reader
# configuration of its own naming a vpcd port of its own). When the command ends the namespace
# ends, and with it every process the test left in it (a crashed test leaves no pcscd behind).
# Concurrent runs on one machine, and the machine's own pcscd, do not see each other.
set -euo pipefail

if [[ ${1:-} == --inside ]]; then
  shift
  mkdir -p /run/pcscd  # the mount point; pcscd creates the same directory itself
  mount -t tmpfs -o mode=0755,size=1m madoguchi-pcscd /run/pcscd
  export MADOGUCHI_TEST_PRIVATE_PCSCD=1
  # Not exec: this shell is PID 1 of the namespace and must outlive the test to reap orphans.
  "$@" &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
  rc=0
  wait "$child" || rc=$?
  exit "$rc"
fi

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "$0: needs root (mount namespace; pcscd runs as root)" >&2
  exit 1
fi
# --kill-child: if ctest kills this process (a timeout), the namespace's PID 1 dies too.
exec unshare --mount --propagation private --pid --fork --mount-proc --kill-child=SIGKILL \
  "$0" --inside "$@"
