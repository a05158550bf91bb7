// Hosts without a fitting Node get the single executable (npm run build:exe). Real parts: a live
// OTP node behind a loopback sshd whose sessions cannot run any node (the sshd runs in a mount
// namespace where node is an empty, non-executable file) is hot-upgraded end to end through the
// staged executable, reached through an Ansible inventory; a second run copies nothing. Hosts
// whose node is too old, or whose uname -m says aarch64 (stand-ins bind-mounted the same way),
// get the matching file, verified by sha256 and not run; a truncated copy is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { sha256 } from '../../scripts/fixtures/rollout-roots.js';
import { RelupError } from '../../src/errors.js';
import { readShippedExes } from '../../src/rollout/artifacts.js';
import type { HostSpec } from '../../src/rollout/host-spec.js';
import { preflightHost, type Want } from '../../src/rollout/preflight.js';
import { decideRuntime, prepareRuntimes, stagedExePath, type RuntimeFacts, type RuntimeOptions } from '../../src/rollout/runtime.js';
import { makeSshTransport, type Transport } from '../../src/rollout/ssh.js';
import { exeManifest, nodeBinaries } from '../helpers/exe.js';
import { Sandbox } from '../helpers/otp.js';
import { events, runRollout, RELUP_BIN } from '../helpers/rollout-run.js';
import { spawnSync } from 'node:child_process';

const CHECK =
  '. ./releases/emqx_vars && RUNNER_ROOT_DIR="$PWD" REL_VSN="$REL_VSN" ./erts-*/bin/escript bin/nodetool -name "$EMQX_NODE__NAME" -setcookie "$EMQX_NODE__COOKIE" ping';
const ENGINES = '^20.19.0 || ^22.12.0 || >=23';

let fx: Fixtures;
let sb: Sandbox | undefined;
let dir: string;
const clusters: Record<string, SshCluster> = {};
let sshConfig: string;

/** Words before sshd so that its sessions see each stand-in in place of its target (bind mounts in its own namespace). */
function covering(...pairs: [standIn: string, target: string][]): string[] {
  const mounts = pairs.map((_, i) => `mount --bind "$${2 * i + 1}" "$${2 * i + 2}"`).join(' && ');
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `${mounts} && shift ${2 * pairs.length} && exec "$@"`, 'sh', ...pairs.flat()];
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-runtime-'));
  exeManifest();
  fx = await buildFixtures();
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  await sb.start();
  const blank = path.join(dir, 'no-node');
  fs.writeFileSync(blank, '', { mode: 0o644 });
  const oldNode = path.join(dir, 'node-18');
  fs.writeFileSync(oldNode, '#!/bin/sh\necho v18.19.1\n', { mode: 0o755 });
  const uname = path.join(dir, 'uname-aarch64');
  fs.writeFileSync(uname, '#!/bin/sh\ncase "$1" in -m) echo aarch64 ;; *) echo Linux ;; esac\n', { mode: 0o755 });
  // Every node a session could find, covered (the too-old one stands in for each).
  const nodes = nodeBinaries();
  clusters.otp = await startSshCluster(['otp'], { prefix: covering(...nodes.map((n): [string, string] => [blank, n])) });
  clusters.old = await startSshCluster(['old'], { prefix: covering(...nodes.map((n): [string, string] => [oldNode, n])) });
  clusters.arm = await startSshCluster(['arm'], { prefix: covering([uname, fs.realpathSync('/usr/bin/uname')], ...nodes.map((n): [string, string] => [blank, n])) });
  // One ssh_config for the three: each sshd's key, and the node's name, cookie and epmd sent to the OTP host.
  const otp = clusters.otp.hosts[0]!;
  sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    [
      `Host ${otp.address}`,
      `  SetEnv ERL_EPMD_PORT=${sb.epmd.port} EMQX_NODE__NAME=${sb.node} EMQX_NODE__COOKIE=${sb.cookie}`,
      'Host *',
      ...Object.values(clusters).map((c) => `  IdentityFile ${path.join(c.dir, 'id_ed25519')}`),
      '  IdentitiesOnly yes',
      '  UserKnownHostsFile /dev/null',
      '  StrictHostKeyChecking no',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
});

after(async () => {
  for (const c of Object.values(clusters)) await c.stop();
  await sb?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function endpoint(alias: string) {
  const h = clusters[alias]!.hosts[0]!;
  return { address: h.address, port: h.port, user: os.userInfo().username };
}

/** The transport the CLI makes, recording every command it runs. */
function transport(hosts: HostSpec[], wrap?: (t: Transport) => Transport): { t: Transport; commands: string[] } {
  const real = makeSshTransport({ connectTimeoutSec: 10, multiplex: false, configFile: sshConfig, endpoints: new Map(hosts.map((h) => [h.dest, h.ssh!])) });
  const commands: string[] = [];
  const t: Transport = {
    exec: (dest, command, o) => {
      commands.push(command);
      return real.exec(dest, command, o);
    },
    copy: (dest, files, remoteDir, o) => real.copy(dest, files, remoteDir, o),
    close: () => real.close(),
  };
  return { t: wrap ? wrap(t) : t, commands };
}

async function runtime(mode: RuntimeOptions['mode'] = 'auto'): Promise<RuntimeOptions> {
  return { mode, node: 'node', engines: ENGINES, exes: () => readShippedExes(), timeoutMs: 120_000, parallel: 4 };
}

test('a host whose sessions run no node is hot-upgraded through the staged executable; a second run copies nothing', async () => {
  const node = sb!;
  const e = endpoint('otp');
  const inventory = path.join(dir, 'fleet.yml');
  fs.writeFileSync(
    inventory,
    `all:\n  children:\n    emqx:\n      hosts:\n        otp:\n          ansible_host: ${e.address}\n          ansible_port: ${e.port}\n          ansible_user: ${e.user}\n          emqx_root: ${node.root}\n`,
  );
  // No node for the host's sessions, by name or by path.
  const { t } = transport([{ dest: 'otp', root: node.root, ssh: e }]);
  const probe = await t.exec('otp', 'node --version; echo "exit $?"; /usr/bin/node --version; echo "exit $?"');
  assert.match(probe.stdout, /exit 12[67]\n.*exit 12[67]\n/s, probe.stdout + probe.stderr);
  await t.close();

  const pidBefore = (await node.info()).osPid;
  const args = [fx.packages['5.0.1']!, '--inventory', inventory, '--group', 'emqx', '-F', sshConfig, '--json', '--check', CHECK];
  const r = await runRollout(args, dir, 180_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const ev = events(r.stdout);
  assert.deepEqual(ev.filter((x) => x.phase === 'done').map((x) => x.host), ['otp']);
  assert.ok(ev.some((x) => x.event === 'note' && /otp: runs the linux-x64 executable \(no node on the host\), staged now/.test(x.message)), r.stdout);
  const info = await node.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1'], 'new code runs');
  assert.equal(info.osPid, pidBefore, 'same emulator: a hot upgrade, not a restart');
  assert.deepEqual(await node.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });

  const x64 = exeManifest().files.x64!.sha256;
  const staged = stagedExePath(node.root, x64);
  assert.equal(sha256(staged), x64);
  const stage = path.dirname(path.dirname(staged));
  assert.deepEqual(fs.readdirSync(path.join(stage, 'exe')), [x64]);
  assert.ok(!fs.readdirSync(stage).some((n) => n.endsWith('.cjs') || n.startsWith('stage.')), fs.readdirSync(stage).join(' '));
  const st = fs.statSync(staged);

  // Again: at target, the executable found where it was left, not copied a second time.
  const again = await runRollout(args, dir, 180_000);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  assert.ok(events(again.stdout).some((x) => x.event === 'note' && /already staged/.test(x.message)), again.stdout);
  const st2 = fs.statSync(staged);
  assert.deepEqual([st2.ino, st2.mtimeMs], [st.ino, st.mtimeMs], 'the same file');
  assert.deepEqual(fs.readdirSync(path.join(stage, 'exe')), [x64]);

  // status reads the host through the same executable.
  const s = spawnSync(process.execPath, [RELUP_BIN, 'status', '--inventory', inventory, '-F', sshConfig, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(s.status, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).hosts[0].running, '5.0.1');
});

test('a too-old node gets the x64 executable, an aarch64 host the arm64 one: verified by sha256, not run', async () => {
  const m = exeManifest();
  const hosts: HostSpec[] = ['old', 'arm'].map((alias) => {
    const root = path.join(dir, `root-${alias}`);
    fs.mkdirSync(path.join(root, 'releases'), { recursive: true });
    return { dest: alias, root, ssh: endpoint(alias) };
  });
  const { t, commands } = transport(hosts);
  try {
    const notes: string[] = [];
    const out = await prepareRuntimes(t, hosts, { ...(await runtime()), note: (n) => notes.push(n) });
    const [old, arm] = out as [HostSpec, HostSpec];
    assert.equal(old.exe, stagedExePath(old.root, m.files.x64!.sha256));
    assert.equal(arm.exe, stagedExePath(arm.root, m.files.arm64!.sha256));
    assert.equal(sha256(old.exe!), m.files.x64!.sha256);
    assert.equal(sha256(arm.exe!), m.files.arm64!.sha256);
    assert.ok(notes.some((n) => /^old: runs the linux-x64 executable \(its node is v18\.19\.1, not /.test(n)), notes.join('\n'));
    assert.ok(notes.some((n) => /^arm: runs the linux-arm64 executable/.test(n)), notes.join('\n'));
    assert.ok(!commands.some((c) => c.includes(old.exe!) || c.includes(arm.exe!)), 'the staged files were not run');
    // --remote-runtime node keeps the host's own node, whatever it is.
    assert.deepEqual(await prepareRuntimes(t, hosts, await runtime('node')), hosts);
  } finally {
    await t.close();
  }
});

test('an executable truncated in transfer is refused by its sha256 (65): nothing is run, nothing left', async () => {
  const root = path.join(dir, 'root-truncated');
  fs.mkdirSync(path.join(root, 'releases'), { recursive: true });
  const host: HostSpec = { dest: 'old', root, ssh: endpoint('old') };
  // The loopback host shares this file system: cut the copy short as a broken transfer would.
  const { t, commands } = transport([host], (inner) => ({
    ...inner,
    async copy(dest, files, remoteDir, o) {
      const r = await inner.copy(dest, files, remoteDir, o);
      for (const f of files) fs.truncateSync(path.join(remoteDir, path.basename(f)), 4096);
      return r;
    },
  }));
  try {
    const [got] = await prepareRuntimes(t, [host], await runtime());
    // Carried to the host's preflight, which fails with it.
    assert.equal(got!.exe, undefined);
    const e = got!.runtimeError!;
    assert.ok(e instanceof RelupError);
    assert.deepEqual([e.code, e.exitCode], ['CHECKSUM_MISMATCH', 65]);
    assert.match(e.line, /old: the executable copied to the host does not match emqx-relup-.*-linux-x64: sha256 of the copied .* is [0-9a-f]{64}, expected/);
    assert.doesNotMatch(e.line, /\n/);
    await assert.rejects(preflightHost(t, got!, { kind: 'installed', command: 'emqx' }, {} as Want, 1000), (x) => x === e);
    const stage = path.join(root, 'releases', '.emqx-relup');
    assert.deepEqual(fs.readdirSync(stage), [], 'no executable, no temp dir');
    assert.ok(!commands.some((c) => c.includes(stagedExePath(root, exeManifest().files.x64!.sha256))));
  } finally {
    await t.close();
  }
});

test('the choice per host: node if it fits (auto), else the executable of its architecture, else a clear error', () => {
  const host: HostSpec = { dest: 'h', root: '/r' };
  const exes = { x64: { sha256: 'a'.repeat(64) }, arm64: { sha256: 'b'.repeat(64) } };
  const facts = (machine: string, nodeVersion: string | null, staged: [string, string][] = []): RuntimeFacts => ({ machine, nodeVersion, staged: new Map(staged) });
  const o = { mode: 'auto' as const, engines: ENGINES, node: 'node', exes };
  assert.deepEqual(decideRuntime(host, facts('x86_64', 'v22.12.0'), o), { kind: 'node' });
  assert.deepEqual(decideRuntime(host, facts('x86_64', 'v20.18.0'), o), { kind: 'exe', arch: 'x64', staged: false, why: `its node is v20.18.0, not ${ENGINES}` });
  assert.deepEqual(decideRuntime(host, facts('aarch64', null, [['b'.repeat(64), 'b'.repeat(64)]]), o), { kind: 'exe', arch: 'arm64', staged: true, why: 'no node on the host' });
  // A staged file whose content is not what its name says is copied again, never run.
  assert.equal((decideRuntime(host, facts('x86_64', null, [['a'.repeat(64), 'c'.repeat(64)]]), o) as { staged: boolean }).staged, false);
  assert.deepEqual(decideRuntime(host, facts('x86_64', 'v22.12.0'), { ...o, mode: 'exe' }), { kind: 'exe', arch: 'x64', staged: false, why: '--remote-runtime exe' });
  assert.deepEqual(decideRuntime(host, facts('riscv64', null), { ...o, mode: 'node' }), { kind: 'node' });
  assert.throws(() => decideRuntime(host, facts('riscv64', null), o), (e: RelupError) => e.code === 'NOT_FOUND' && /no executable is built for its architecture riscv64/.test(e.message) && /npm run build:exe makes linux-x64 and linux-arm64 only/.test(e.line));
  assert.throws(() => decideRuntime(host, facts('aarch64', null), { ...o, exes: { x64: exes.x64 } }), (e: RelupError) => /no linux-arm64 executable in dist\/exe/.test(e.message) && /run 'npm run build:exe'/.test(e.line));
});
