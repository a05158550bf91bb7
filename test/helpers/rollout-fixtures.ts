// Fake EMQX release roots and packages for rollout tests that need no Erlang: the files the
// emqx wrapper reads (releases/emqx_vars, RELEASES, vm.args), a recording stand-in for
// erts-*/bin/escript that answers nodetool pings and plays release_handler by rewriting
// RELEASES/emqx_vars, and packages made by GNU tar carrying bin/emqx-<v> (a legacy shell runner)
// and bin/install_upgrade.escript-<v>.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ERTS = '13.2';
export const NODE_NAME = 'emqx@127.0.0.1';
export const COOKIE = 'relup-secret';

// Markers a test drops into a root: FAIL_UPGRADE makes the escript fail, NODE_DOWN stops pongs.
const ESCRIPT = `#!/bin/sh
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
script=$(basename "$1")
# Pings are not recorded: preflight must leave the root byte for byte as it was.
if [ "$script" != nodetool ]; then
  printf 'escript' >> "$ROOT/calls.log"; for a in "$@"; do printf ' [%s]' "$a" >> "$ROOT/calls.log"; done; echo >> "$ROOT/calls.log"
fi
shift
case "$script" in
  nodetool)
    if [ -e "$ROOT/NODE_DOWN" ]; then echo "Node is not running!"; exit 1; fi
    # eval is the wrapper asking for the node's cluster peers (nodes()): a lone node has none.
    if [ "$5" = eval ]; then echo '[]'; exit 0; fi
    echo pong; exit 0 ;;
  install_upgrade.escript-*)
    cmd=$1; vsn=$3; perm=permanent
    [ "$4" = "--no-permanent" ] && perm=current
    if [ -e "$ROOT/FAIL_UPGRADE" ]; then
      echo "release_handler:install_release failed: {error,{enoent,\\"relup\\"}}" >&2
      exit 1
    fi
    [ -e "$ROOT/SLOW_UPGRADE" ] && sleep "$(cat "$ROOT/SLOW_UPGRADE")"
    old=$(sed -n 's/^REL_VSN="\\(.*\\)"$/\\1/p' "$ROOT/releases/emqx_vars" | tail -n 1)
    if [ "$perm" = permanent ]; then oldst=old; else oldst=permanent; fi
    # What unpacking the release would have put there.
    mkdir -p "$ROOT/releases/$vsn" && cp "$ROOT/releases/$old/vm.args" "$ROOT/releases/$vsn/vm.args"
    printf '[{release,"emqx","%s","${ERTS}",[],%s},\\n {release,"emqx","%s","${ERTS}",[],%s}].\\n' "$vsn" "$perm" "$old" "$oldst" > "$ROOT/releases/RELEASES.tmp"
    mv "$ROOT/releases/RELEASES.tmp" "$ROOT/releases/RELEASES"
    [ "$perm" = permanent ] && printf 'REL_VSN="%s"\\n' "$vsn" >> "$ROOT/releases/emqx_vars"
    echo "$cmd to $vsn: ok"
    exit 0 ;;
  *) echo "escript stand-in: unexpected script $script" >&2; exit 2 ;;
esac
`;

/** The legacy shell runner a package carries as bin/emqx-<v>: runs its own escript, as EMQX's does. */
function legacyRunner(v: string): string {
  return `#!/bin/sh
ROOT=\${EMQX_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cmd=$1; vsn=$2; shift 2
exec "$ROOT/erts-${ERTS}/bin/escript" "$ROOT/bin/install_upgrade.escript-${v}" "$cmd" "{'emqx', \\"-name\\", '${NODE_NAME}', '${COOKIE}'}" "$vsn" "$@"
`;
}

export interface FakeRootOptions {
  version: string;
  enterprise?: boolean;
}

export function makeFakeRoot(root: string, o: FakeRootOptions): string {
  fs.mkdirSync(path.join(root, 'releases', o.version), { recursive: true });
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(root, `erts-${ERTS}`, 'bin'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'releases', 'emqx_vars'),
    `REL_NAME="emqx"\nREL_VSN="${o.version}"\nERTS_VSN="${ERTS}"\nIS_ENTERPRISE=${o.enterprise ? 'yes' : 'no'}\n`,
  );
  fs.writeFileSync(path.join(root, 'releases', 'RELEASES'), `[{release,"emqx","${o.version}","${ERTS}",[],permanent}].\n`);
  fs.writeFileSync(path.join(root, 'releases', o.version, 'vm.args'), `-name ${NODE_NAME}\n-setcookie ${COOKIE}\n`);
  fs.writeFileSync(path.join(root, `erts-${ERTS}`, 'bin', 'escript'), ESCRIPT, { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'bin', 'nodetool'), '%% nodetool stand-in: the escript stand-in answers ping\n');
  fs.writeFileSync(path.join(root, 'bin', 'emqx'), '#!/bin/sh\necho "runner $*"\n', { mode: 0o755 });
  return root;
}

/** A package made by GNU tar holding the two versioned scripts (and a release file for realism). */
export function makePackage(dir: string, version: string, opts: { enterprise?: boolean } = {}): string {
  const src = fs.mkdtempSync(path.join(dir, 'pkgsrc-'));
  fs.mkdirSync(path.join(src, 'bin'));
  fs.mkdirSync(path.join(src, 'releases', version), { recursive: true });
  fs.writeFileSync(path.join(src, 'bin', `emqx-${version}`), legacyRunner(version), { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'bin', `install_upgrade.escript-${version}`), `%% install_upgrade stand-in for ${version}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'releases', version, 'emqx.rel'), `{release,{"emqx","${version}"},{erts,"${ERTS}"},[]}.\n`);
  const file = path.join(dir, `${opts.enterprise ? 'emqx-enterprise' : 'emqx'}-${version}-ubuntu22.04-amd64.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', src, 'bin', 'releases']);
  fs.rmSync(src, { recursive: true, force: true });
  return file;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Names, modes and bytes of everything under dir (symlinks by target), for "nothing changed" checks. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(p);
      } else out[rel] = `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

export function releasesOf(root: string): string {
  return fs.readFileSync(path.join(root, 'releases', 'RELEASES'), 'utf8');
}

export function callsOf(root: string): string[] {
  try {
    return fs.readFileSync(path.join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A process that EMQX's runner (and the fixture's, as strict) takes for the root's node: its
 * command line has `-root <root>` and `-emqx_data_dir <root>/data`, whose configs/vm.*.args name
 * the fake node (the escript stand-in answers its pings). Stop it with `kill()`.
 */
export function startNodeStandIn(root: string): { pid: number; kill(): void } {
  const configs = path.join(root, 'data', 'configs');
  fs.mkdirSync(configs, { recursive: true });
  fs.writeFileSync(path.join(configs, 'vm.2026.01.01.00.00.00.args'), `-name ${NODE_NAME}\n-setcookie ${COOKIE}\n`);
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)', '--', '-root', root, '-emqx_data_dir', path.join(root, 'data')], { stdio: 'ignore' });
  child.unref();
  return { pid: child.pid!, kill: () => void child.kill('SIGKILL') };
}
