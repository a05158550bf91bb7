#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for this project: the Debian packages the tests and the
# demo use (Erlang/OTP for a real node and release_handler, OpenSSH for the rollout tests), then
# the npm packages. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v erl >/dev/null 2>&1 && command -v erlc >/dev/null 2>&1 || need+=(erlang-base)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v scp >/dev/null 2>&1 || need+=(openssh-client)
command -v tar >/dev/null 2>&1 || need+=(tar)
if [ "${1:-}" = "--bench" ]; then
  command -v bsdtar >/dev/null 2>&1 || need+=(libarchive-tools)
  [ -x /usr/bin/time ] || need+=(time)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("setup: Node >= 20.19 is needed, this is " + process.version); process.exit(1) }'
npm ci --no-audit --no-fund --loglevel=error
# bin/emqx runs the build, so a checkout is usable right after this script.
npm run build --silent
