#!/usr/bin/env bash
# Stops what one test run left behind, and nothing else:
#   stop-run.sh RUN_DIR
# RUN_DIR is the run's $MADOGUCHI_TEST_RUN_DIR. The test support writes RUN_DIR/pids/PID
# ("PID STARTTIME PROGRAM") for every child it starts and removes it when the child is reaped;
# a file left there names a process of this run only if its start time still matches (a pid
# reused by another process is left alone). Its process group is killed. Throwaway PostgreSQL
# clusters of the run live in RUN_DIR/madoguchi-pg-*: stopped, then RUN_DIR is removed.
set -uo pipefail
run=${1:?usage: stop-run.sh RUN_DIR}
[[ -d $run ]] || exit 0

start_time() {  # field 22 of /proc/PID/stat, after the parenthesised command name
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

for f in "$run"/pids/*; do
  [[ -f $f ]] || continue
  read -r pid started _ <"$f" || continue
  [[ $pid =~ ^[0-9]+$ ]] || continue
  if [[ $(start_time "$pid") == "$started" ]]; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
done

for d in "$run"/madoguchi-pg-*/data; do
  [[ -f $d/postmaster.pid ]] || continue
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d" -m immediate -w stop \
    >/dev/null 2>&1 || true
done
rm -rf -- "$run"
