#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for this project: the Debian packages the tests and the
# demo use, then the npm packages, then the build and the single executables (npm run build:exe,
# about 30 s: the tests run them). Safe to run again: it installs only what is missing.
#   --bench     also what the benchmark needs (GNU time)
#   --no-build  skip the build (not build:exe), for a caller that builds next anyway (.ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0 build=1
for a in "$@"; do
  case "$a" in
    --bench) bench=1 ;;
    --no-build) build=0 ;;
    *) echo "setup: unknown option $a (use --bench, --no-build)" >&2; exit 64 ;;
  esac
done

# Every command a test spawns, so `setup.sh && npm test` passes on a new machine.
have() { command -v "$1" >/dev/null 2>&1; }
need=()
have erl && have erlc || need+=(erlang-base) # live nodes (erl_call, epmd), release_handler, erl_tar
[ -x /usr/sbin/sshd ] || need+=(openssh-server) # the rollout tests' sshd on loopback
have ssh && have scp && have ssh-keygen || need+=(openssh-client)
have tar || need+=(tar)
have gzip || need+=(gzip)
have bsdtar || need+=(libarchive-tools) # packages read by libarchive too (extract, pack tests)
have setpriv || need+=(util-linux)      # permission tests drop to nobody
have awk || need+=(mawk)                # the rollout's remote probe, run over ssh in the tests
have sha256sum && have mkfifo || need+=(coreutils)
have zsh || need+=(zsh)                 # the completion test tabs in a real zsh
have tmux || need+=(tmux)               # the display and completion tests run in a real terminal
have unshare || need+=(util-linux)      # the executable's tests hide node in a mount namespace
have ansible-inventory || need+=(ansible-core) # Ansible inventories are read as ansible-inventory reads them
[ "$bench" = 1 ] && { [ -x /usr/bin/time ] || need+=(time); }
# ansible-core (for the tests, above) is also what operators would use instead of `rollout`.
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The range is package.json's engines.node; bin/node-check.cjs reads it (bin/emqx asks it too).
node bin/node-check.cjs setup
npm ci --no-audit --no-fund --loglevel=error
# bin/emqx runs the build, so a checkout is usable right after this script.
[ "$build" = 0 ] || npm run build --silent
# The executables (dist/exe, kept by `npm run build`) only when missing or older than the sources.
if [ ! -f dist/exe/manifest.json ] || [ -n "$(find src scripts/build-exe.mjs package-lock.json -newer dist/exe/manifest.json -print -quit)" ]; then
  npm run build:exe --silent
fi
