// What runs the emqx wrapper on each host: the host's own `node` (with the shipped one-file
// wrapper), or, where it has no Node in the engines range, the single executable of its
// architecture (npm run build:exe), staged once as releases/.emqx-relup/exe/<sha256>, where later
// rollouts and `status` find it again. Facts (one read-only probe per host) -> decide (pure) ->
// stage (copy, verify the sha256 on the host, rename into place: nothing is run before that).
import { basename } from 'node:path';
import coerce from 'semver/functions/coerce.js';
import satisfies from 'semver/functions/satisfies.js';
import { RelupError, toRelupError } from '../errors.js';
import { nodeRange, readShippedExes, verifyLocalExe, type LocalExe } from './artifacts.js';
import { copyError, copyFiles } from './copy.js';
import type { HostSpec } from './host-spec.js';
import { pool } from './pool.js';
import { remoteError, unreachable } from './preflight.js';
import { mkStageTempCommand, removeTempCommand, stageDir } from './remote.js';
import { shScript } from './quote.js';
import { SSH_FAILURE, type Transport } from './ssh.js';

export type RuntimeMode = 'auto' | 'node' | 'exe';
export const RUNTIME_MODES: readonly RuntimeMode[] = ['auto', 'node', 'exe'];

/** Where the executable of a given sha256 lives on a host. */
export function stagedExePath(root: string, sha256: string): string {
  return `${stageDir(root)}/exe/${sha256}`;
}

/** `uname -m` as the architecture names of node-linux-<arch>; null when none is built for it. */
export function exeArch(machine: string): 'x64' | 'arm64' | null {
  if (machine === 'x86_64' || machine === 'amd64') return 'x64';
  if (machine === 'aarch64' || machine === 'arm64') return 'arm64';
  return null;
}

export interface RuntimeFacts {
  machine: string;
  /** `node --version` on the host, null when it has none. */
  nodeVersion: string | null;
  /** sha256 of each staged executable, by the sha256 it is named after. */
  staged: Map<string, string>;
}

// Read only: the machine, the node's version, and the sha256 of the executables already staged
// under the names this run would use (a truncated leftover is seen as such, never run).
const PROBE = `
N=$1; S=$2; shift 2
echo "machine $(uname -m)"
v=$("$N" --version 2>/dev/null) && echo "node $v"
for sha in "$@"; do
  [ -f "$S/exe/$sha" ] && echo "staged $sha $(sha256sum < "$S/exe/$sha" | cut -c1-64)"
done
exit 0
`;

export function runtimeProbeCommand(node: string, root: string, shas: readonly string[]): string {
  return shScript(PROBE, [node, stageDir(root), ...shas]);
}

export function parseRuntimeProbe(stdout: string): RuntimeFacts {
  const facts: RuntimeFacts = { machine: '', nodeVersion: null, staged: new Map() };
  for (const line of stdout.split('\n')) {
    const [key, a, b] = line.trim().split(/\s+/);
    if (key === 'machine') facts.machine = a ?? '';
    else if (key === 'node' && a && coerce(a)) facts.nodeVersion = a;
    else if (key === 'staged' && a && b) facts.staged.set(a, b);
  }
  return facts;
}

export type RuntimeChoice = { kind: 'node' } | { kind: 'exe'; arch: 'x64' | 'arm64'; staged: boolean; why: string };

/** The pure choice for one host. `exes`: the executables built here, by architecture. */
export function decideRuntime(host: HostSpec, f: RuntimeFacts, o: { mode: RuntimeMode; engines: string; node: string; exes: Partial<Record<'x64' | 'arm64', { sha256: string }>> }): RuntimeChoice {
  const fits = f.nodeVersion !== null && satisfies(coerce(f.nodeVersion)!, o.engines);
  if (o.mode === 'node' || (o.mode === 'auto' && fits)) return { kind: 'node' };
  const why = o.mode === 'exe' ? '--remote-runtime exe' : f.nodeVersion === null ? `no ${o.node} on the host` : `its ${o.node} is ${f.nodeVersion}, not ${o.engines}`;
  const arch = exeArch(f.machine);
  if (arch === null) {
    throw new RelupError('NOT_FOUND', `${host.dest}: ${why}, and no executable is built for its architecture ${f.machine || '(uname -m printed nothing)'}`, {
      hint: 'npm run build:exe makes linux-x64 and linux-arm64 only: install Node.js there (engines ' + o.engines + '); nothing was changed',
    });
  }
  const exe = o.exes[arch];
  if (!exe) {
    throw new RelupError('NOT_FOUND', `${host.dest}: ${why}, and there is no linux-${arch} executable in dist/exe`, {
      hint: `run 'npm run build:exe' in the emqx-relup checkout (it makes linux-x64 and linux-arm64), or install Node.js there; nothing was changed`,
    });
  }
  return { kind: 'exe', arch, staged: f.staged.get(exe.sha256) === exe.sha256, why };
}

// Verifies the copy in the temp dir, then renames it to its sha256 name; the temp dir goes
// whatever happens. Exit 65: the copy does not match (a truncated transfer): nothing is run.
const FINALIZE = `
S=$1; T=$2; F=$3; SHA=$4
trap 'rm -rf "$T"' EXIT
[ -f "$T/$F" ] || { echo "$F did not arrive" >&2; exit 74; }
got=$(sha256sum < "$T/$F" | cut -c1-64) || exit 74
if [ "$got" != "$SHA" ]; then echo "sha256 of the copied $F is $got, expected $SHA" >&2; exit 65; fi
mkdir -p "$S/exe" && chmod 0755 "$T/$F" && mv -f "$T/$F" "$S/exe/$SHA" || exit 73
exit 0
`;

export async function stageExe(t: Transport, host: HostSpec, exe: LocalExe, timeoutMs: number): Promise<void> {
  await verifyLocalExe(exe);
  const mk = await t.exec(host.dest, mkStageTempCommand(host.root), { timeoutMs });
  if (mk.exitCode !== 0) throw remoteError(host, `creating ${stageDir(host.root)}`, mk, 'check the SSH user may write to releases/ on the host');
  const temp = mk.stdout.trim();
  if (!temp.startsWith(`${stageDir(host.root)}/stage.`) || temp.includes('\n')) {
    throw new RelupError('REMOTE', `${host.dest}: mktemp printed an unexpected path ${JSON.stringify(temp)}`, { hint: 'check mktemp on the host' });
  }
  const cp = await copyFiles(t, host.dest, [exe.path], temp);
  if (!cp.ok) {
    await t.exec(host.dest, removeTempCommand(temp), { timeoutMs });
    throw copyError(host, cp);
  }
  // The file is big (about 150 MB): hashing it on a slow host takes a while.
  const fin = await t.exec(host.dest, shScript(FINALIZE, [stageDir(host.root), temp, basename(exe.path), exe.sha256]), { timeoutMs: Math.max(timeoutMs, 120_000) });
  if (fin.exitCode === 65) {
    throw new RelupError('CHECKSUM_MISMATCH', `${host.dest}: the executable copied to the host does not match ${basename(exe.path)}: ${fin.stderr.trim().split('\n').pop()}`, {
      hint: 'the transfer was damaged; nothing was run, re-run to copy it again',
      details: { host: host.dest, stderr: fin.stderr },
    });
  }
  if (fin.exitCode !== 0) throw remoteError(host, 'verifying and renaming the staged executable', fin, 'check free space and permissions in releases/ on the host');
}

export interface RuntimeOptions {
  mode: RuntimeMode;
  /** The host's node binary the shipped wrapper would run with (--remote-node). */
  node: string;
  engines: string;
  /** The executables built here (dist/exe); each is hashed before it is first shipped. */
  exes: () => Promise<Partial<Record<'x64' | 'arm64', LocalExe>>>;
  timeoutMs: number;
  parallel: number;
  /** Told when a host gets (or already has) the executable. */
  note?: (line: string) => void;
}

/**
 * Each host as it will be driven: unchanged where its node fits (or --remote-runtime node),
 * else with `exe` set to its staged executable, copied now if it is not there yet. A host that
 * fails here carries its error to its preflight (or status row), which reports it with the rest.
 */
export async function prepareRuntimes(t: Transport, hosts: readonly HostSpec[], o: RuntimeOptions): Promise<HostSpec[]> {
  if (o.mode === 'node') return [...hosts];
  const exes = await o.exes();
  const shas = Object.values(exes).map((e) => e.sha256);
  const settled = await pool([...hosts], o.parallel, async (h): Promise<HostSpec> => {
    const r = await t.exec(h.dest, runtimeProbeCommand(o.node, h.root, shas), { timeoutMs: o.timeoutMs });
    if (r.exitCode === SSH_FAILURE || r.timedOut) throw unreachable(h, r);
    if (r.exitCode !== 0) throw remoteError(h, 'the runtime probe (uname -m, node --version)', r, 'check the host has a POSIX sh and sha256sum');
    const choice = decideRuntime(h, parseRuntimeProbe(r.stdout), { mode: o.mode, engines: o.engines, node: o.node, exes });
    if (choice.kind === 'node') return h;
    const exe = exes[choice.arch]!;
    if (!choice.staged) await stageExe(t, h, exe, o.timeoutMs);
    o.note?.(`${h.dest}: runs the linux-${choice.arch} executable (${choice.why})${choice.staged ? ', already staged' : ', staged now'}`);
    return { ...h, exe: stagedExePath(h.root, exe.sha256) };
  });
  return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : { ...hosts[i]!, runtimeError: toRelupError(s.reason) }));
}

/** The options of --remote-runtime MODE with this tool's engines range and its dist/exe. */
export async function runtimeOptions(o: { mode: RuntimeMode; node: string; timeoutMs: number; parallel: number }): Promise<RuntimeOptions> {
  let exes: ReturnType<typeof readShippedExes> | undefined;
  return { ...o, engines: await nodeRange(), exes: () => (exes ??= readShippedExes()) };
}
