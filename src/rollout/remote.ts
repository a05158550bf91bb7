// The command lines run on a host. The emqx wrapper on the far side is either the one shipped
// with this tool (staged as <root>/releases/.emqx-relup/emqx-<toolversion>.cjs and run with the
// host's node) or one the operator installed (--remote-emqx CMD).
import type { HostSpec } from './host-spec.js';
import { shJoin, shQuote, shScript } from './quote.js';

export const STAGE_DIR = '.emqx-relup';

export type RemoteEmqx =
  | { kind: 'shipped'; node: string; localFile: string; sha256: string; name: string }
  | { kind: 'installed'; command: string };

export function stageDir(root: string): string {
  return `${root}/releases/${STAGE_DIR}`;
}

export function stagedWrapperPath(root: string, w: Extract<RemoteEmqx, { kind: 'shipped' }>): string {
  return `${stageDir(root)}/${w.name}`;
}

/** The wrapper as one host runs it: its staged executable (runtime.ts) when it has one, else `w`. */
export function hostEmqx(w: RemoteEmqx, host: HostSpec): RemoteEmqx {
  return host.exe ? { kind: 'installed', command: `${shJoin([host.exe, 'emqx'])}` } : w;
}

/**
 * `--root=ROOT` as one word: EMQX's runner finds its node with `ps -ef | grep -- "-[r]oot ROOT"`,
 * and `--root ROOT` in our ssh client's command line (the rollout may run on a cluster host)
 * would be a second match, which its runner refuses or answers from a slower fallback.
 */
export function rootArg(root: string): string {
  return `--root=${root}`;
}

/** `<emqx> --root=ROOT ARGS...` as one remote command line. */
export function emqxCommand(w: RemoteEmqx, root: string, args: string[]): string {
  if (w.kind === 'installed') return `${w.command} ${shJoin([rootArg(root), ...args])}`;
  return shJoin([w.node, stagedWrapperPath(root, w), rootArg(root), ...args]);
}

/** `<emqx> --root=ROOT --detach=ID ARGS...`: the command runs detached on the host and is followed (process/detached-run.ts). */
export function detachCommand(w: RemoteEmqx, root: string, id: string, args: string[]): string {
  return emqxCommand(w, root, [`--detach=${id}`, ...args]);
}

/** Follows run ID again after a lost connection: its log, then how it ended (--json: its own errors keep their code). */
export function followCommand(w: RemoteEmqx, root: string, id: string): string {
  return emqxCommand(w, root, [`--follow=${id}`, '--json']);
}

/**
 * The status query used by preflight. The shipped wrapper is fed on stdin (`node -`), so
 * preflight reads every host without writing a byte to any of them.
 */
export function statusCommand(w: RemoteEmqx, root: string, staged: boolean): { command: string; inputFile?: string } {
  const args = [rootArg(root), '--status', '--json'];
  if (w.kind === 'installed' || staged) return { command: emqxCommand(w, root, args.slice(1)) };
  return { command: shJoin([w.node, '-', ...args]), inputFile: w.localFile };
}

// Facts preflight needs that the wrapper does not report, one `key value` per line.
const PROBE = `
R=$1; P=$2; W=$3; N=$4
if [ ! -d "$R" ]; then echo "root missing"; exit 0; fi
echo "root ok"
[ -f "$R/releases/emqx_vars" ] && echo "vars ok"
command -v sha256sum >/dev/null 2>&1 && echo "sha256sum ok"
if [ "$N" != - ]; then command -v "$N" >/dev/null 2>&1 && echo "node ok"; fi
[ -d "$R/releases" ] || exit 0
echo "avail $(df -Pk "$R/releases" | awk 'NR==2 {print $4}')"
if [ -f "$R/releases/$P" ]; then echo "package $(sha256sum < "$R/releases/$P" | cut -c1-64)"
elif [ -e "$R/releases/$P" ] || [ -L "$R/releases/$P" ]; then echo "package not-a-file"; fi
[ -f "$R/releases/$P.sha256" ] && echo "sidecar $(head -c 128 "$R/releases/$P.sha256" | awk 'NR==1 {print $1}')"
if [ "$W" != - ] && [ -f "$R/releases/${STAGE_DIR}/$W" ]; then echo "wrapper $(sha256sum < "$R/releases/${STAGE_DIR}/$W" | cut -c1-64)"; fi
exit 0
`;

export function probeCommand(w: RemoteEmqx, root: string, packageFile: string): string {
  return shScript(PROBE, [root, packageFile, w.kind === 'shipped' ? w.name : '-', w.kind === 'shipped' ? w.node : '-']);
}

export interface Probe {
  rootExists: boolean;
  varsExists: boolean;
  hasSha256sum: boolean;
  hasNode: boolean;
  /** Free bytes in releases/, null when unknown. */
  availBytes: number | null;
  /** sha256 of releases/<package> when present; 'not-a-file' when something else sits there. */
  packageSha: string | null;
  sidecarSha: string | null;
  wrapperSha: string | null;
}

export function parseProbe(stdout: string): Probe {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) ?(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  const avail = kv.get('avail');
  return {
    rootExists: kv.get('root') === 'ok',
    varsExists: kv.get('vars') === 'ok',
    hasSha256sum: kv.get('sha256sum') === 'ok',
    hasNode: kv.get('node') === 'ok',
    availBytes: avail && /^\d+$/.test(avail) ? Number(avail) * 1024 : null,
    packageSha: kv.get('package') ?? null,
    sidecarSha: kv.get('sidecar') ?? null,
    wrapperSha: kv.get('wrapper') ?? null,
  };
}

/** Makes releases/.emqx-relup and a fresh private temp dir inside it (same file system as releases/, so rename is atomic). */
export function mkStageTempCommand(root: string): string {
  return shScript('umask 022 && mkdir -p "$1/releases/' + STAGE_DIR + '" && mktemp -d "$1/releases/' + STAGE_DIR + '/stage.XXXXXXXX"', [root]);
}

// Verifies what arrived in the temp dir against the local sha256, then renames it into place;
// the temp dir goes whatever happens. Exit 65 = a checksum did not match.
const FINALIZE = `
R=$1; T=$2; P=$3; PS=$4; W=$5; WS=$6; WSRC=$8
trap 'rm -rf "$T"' EXIT
check() {
  if [ ! -f "$1" ]; then echo "$1 did not arrive" >&2; exit 74; fi
  got=$(sha256sum < "$1" | cut -c1-64) || exit 74
  if [ "$got" != "$2" ]; then echo "sha256 of $1 on the host is $got, expected $2" >&2; exit 65; fi
}
if [ "$P" != - ]; then
  check "$T/$P" "$PS"
  chmod 0644 "$T/$P" && mv -f "$T/$P" "$R/releases/$P" || exit 73
fi
printf '%s  %s\\n' "$PS" "$P_NAME" > "$T/sidecar" && chmod 0644 "$T/sidecar" && mv -f "$T/sidecar" "$R/releases/$P_NAME.sha256" || exit 73
if [ "$W" != - ]; then
  # scp kept the local file name; give it the versioned one inside the temp dir first.
  if [ "$WSRC" != "$W" ]; then mv -f "$T/$WSRC" "$T/$W" || exit 74; fi
  check "$T/$W" "$WS"
  chmod 0755 "$T/$W" && mv -f "$T/$W" "$R/releases/${STAGE_DIR}/$W" || exit 73
fi
exit 0
`;

export function finalizeCommand(
  root: string,
  tempDir: string,
  pkg: { file: string; sha256: string; sent: boolean },
  wrapper: { name: string; sha256: string; sentAs: string } | null,
): string {
  return shScript(`P_NAME=$7\n${FINALIZE}`, [
    root,
    tempDir,
    pkg.sent ? pkg.file : '-',
    pkg.sha256,
    wrapper ? wrapper.name : '-',
    wrapper ? wrapper.sha256 : '-',
    pkg.file,
    wrapper ? wrapper.sentAs : '-',
  ]);
}

/** Removes a staging temp dir after a failed copy (the path is quoted like every remote word). */
export function removeTempCommand(tempDir: string): string {
  return shJoin(['rm', '-rf', '--', tempDir]);
}

/**
 * Writes stdin to DIR/NAME: the copy path when scp cannot be used (OpenSSH 9's scp speaks SFTP,
 * which a host's sshd may not offer). The file keeps its local name, as scp would have it.
 */
export function catIntoCommand(dir: string, name: string): string {
  return shScript('cat > "$1/$2"', [dir, name]);
}

/** Runs the operator's `--check` command on the host with cwd = root (the command is shell text by design). */
export function checkCommand(root: string, check: string): string {
  return shScript('cd "$1" && eval "$2"', [root, check]);
}

export { shQuote };
