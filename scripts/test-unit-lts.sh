#!/usr/bin/env bash
# The unit tests again on the newest Node LTS (CI runs this after `npm test`, which uses the
# machine's Node). Debian's nodejs here is Node 20, so the LTS comes from the npm registry's
# node-linux-<arch> package: Node's own binary (about 7 s to install, 40 s of tests). Uses the build
# in dist/ (plain ES2022 JavaScript, the same for every Node). The LTS is pinned, not the
# registry's latest, which from April to October is a new major not yet LTS. Bump it when the
# next LTS is out.
#   LTS_MAJOR=26 bash scripts/test-unit-lts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
major="${LTS_MAJOR:-26}"

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "test-unit-lts: no node-linux package for $(uname -m); skipped" >&2; exit 0 ;;
esac
[ -d dist/test ] || { echo "test-unit-lts: dist/test is missing: run \`npm run build\` first" >&2; exit 1; }

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# Not installable (registry unreachable) is a skip with a warning: this run is an addition to
# `npm test`, which already passed on the machine's Node.
if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --no-update-notifier --loglevel=error "node-linux-$arch@$major" >&2; then
  echo "test-unit-lts: WARNING: node-linux-$arch@$major could not be installed; unit tests on Node $major skipped" >&2
  exit 0
fi
bin="$dir/node_modules/node-linux-$arch/bin"
got="$("$bin/node" --version)"
case "$got" in
  "v$major".*) ;;
  *) echo "test-unit-lts: installed node is $got, not $major" >&2; exit 1 ;;
esac
echo "test-unit-lts: unit tests on Node $got"
# First on PATH too: tests that start `node` by name (a #!/usr/bin/env node script) get this one.
PATH="$bin:$PATH" "$bin/node" scripts/run-tests.mjs unit
