#!/usr/bin/env bash
# Installs deploy/packages.txt from Debian's archive (root or sudo). Safe to rerun.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
mapfile -t pkgs < <(grep -vE '^\s*(#|$)' "$here/packages.txt")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi
