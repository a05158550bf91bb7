// rollout() over the strict in-memory transport of helpers/rollout-fake.ts: the control flow of
// a rolling upgrade (halt, resume, interrupt, gate, stage skip) in milliseconds, with no sshd.
// test/rollout/rollout.test.ts drives the same code through the CLI and real sshd processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { makePackage } from '../helpers/fake-root.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollout, type RolloutOptions, type RolloutReport } from '../../src/rollout/run.js';
import { toolVersion } from '../../src/tool-version.js';
import type { Phase, Progress } from '../../src/rollout/progress.js';
import type { RolloutState } from '../../src/rollout/state.js';
import type { RelupError } from '../../src/errors.js';
import { fakeHost, makeFake, type Fake, type FakeHost } from '../helpers/rollout-fake.js';

const PKG = 'emqx-5.0.1.tar.gz';
const HOSTS = ['h1', 'h2', 'h3'];

interface World {
  dir: string;
  pkg: string;
  pkgSha: string;
  wrapper: string;
  wrapperSha: string;
  wrapperName: string;
  statePath: string;
  state(): RolloutState;
}

async function world(t: { after(fn: () => void): void }): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'relup-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // rollout() names, sizes and hashes the package and reads its relup (up from 5.0.0); the hosts are fakes.
  const pkg = makePackage(dir, { version: '5.0.1' });
  const wrapper = join(dir, 'emqx.cjs');
  writeFileSync(wrapper, '#!/usr/bin/env node\n// @emqx-relup/wrapper stand-in\n');
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  const statePath = join(dir, 'state.json');
  return {
    dir,
    pkg,
    pkgSha: sha(pkg),
    wrapper,
    wrapperSha: sha(wrapper),
    wrapperName: `emqx-${toolVersion()}.cjs`,
    statePath,
    state: () => JSON.parse(readFileSync(statePath, 'utf8')) as RolloutState,
  };
}

function fake(w: World, hosts: Record<string, Partial<FakeHost>>, check?: string): Fake {
  return makeFake(
    {
      emqx: { kind: 'shipped', node: 'node', localFile: w.wrapper, sha256: w.wrapperSha, name: w.wrapperName },
      packageFile: PKG,
      packageSha: w.pkgSha,
      target: '5.0.1',
      ...(check !== undefined ? { check } : {}),
    },
    Object.fromEntries(Object.entries(hosts).map(([d, h]) => [d, fakeHost({ root: `/opt/${d}/emqx`, ...h })])),
  );
}

function options(w: World, over: Partial<RolloutOptions> = {}): RolloutOptions {
  return {
    packagePath: w.pkg,
    hosts: HOSTS.map((dest) => ({ dest, root: `/opt/${dest}/emqx` })),
    batch: 1,
    stageParallel: 4,
    settleSec: 0,
    downgrade: false,
    permanent: true,
    statePath: w.statePath,
    dryRun: false,
    remote: { kind: 'shipped', node: 'node', localFile: w.wrapper },
    commandTimeoutMs: 1000,
    upgradeTimeoutMs: 1000,
    ...over,
  };
}

function recorder(): Progress & { phases: [string, Phase][] } {
  const phases: [string, Phase][] = [];
  return { phases, phase: (h, p) => void phases.push([h, p]), event() {}, note() {}, close() {} };
}

async function run(t: Fake, o: RolloutOptions, stop = { requested: false }): Promise<RolloutReport> {
  const r = await rollout(o, t, recorder(), stop);
  assert.deepEqual(t.unexpected, [], 'every command was one the real remote side is sent');
  return r;
}

const outcomes = (r: RolloutReport) => Object.fromEntries(r.hosts.map((h) => [h.host, h.outcome]));
const statuses = (s: RolloutState) => Object.fromEntries(Object.entries(s.hosts).map(([h, r]) => [h, r.status]));
const upgraded = (t: Fake) => t.calls.filter((c) => c.kind === 'upgrade').map((c) => c.dest);

test('the fake is strict: a command the remote side is never sent fails loudly', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {} });
  await assert.rejects(f.exec('h1', 'rm -rf /opt/h1/emqx'), /unexpected command on h1/);
  await assert.rejects(f.exec('h9', 'true'), /unexpected host h9/);
  await assert.rejects(f.copy('h1', [w.pkg], '/tmp'), /mktemp did not make/);
  assert.equal(f.unexpected.length, 3);
});

test('all hosts: preflight, stage, plan check, canary then one by one, gate after each; state says done', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.plan, { skip: [], regate: [], batches: [['h1'], ['h2'], ['h3']], canary: true });
  assert.deepEqual(upgraded(f), HOSTS);
  // The gate starts from the status the upgrade command reported after its hand-over: no extra status.
  assert.deepEqual(f.kinds('h2'), ['probe', 'status-stdin', 'mktemp', 'copy', 'finalize', 'dry-run', 'status', 'upgrade']);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'done', h3: 'done' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
  for (const h of HOSTS) assert.equal(f.hosts.get(h)!.releases.get('5.0.1'), 'permanent');
});

test('an upgrade command that reports no status after it (an older wrapper): the gate reads one', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { reportsAfter: false }, h2: {}, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, true);
  assert.deepEqual(f.kinds('h1').slice(-3), ['status', 'upgrade', 'status']);
  assert.deepEqual(f.kinds('h2').slice(-2), ['status', 'upgrade']);
});

test('halt on failure: the failed host stops the rollout, later hosts get no upgrade command; state records it', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { upgradeExit: 3 }, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'ROLLOUT_HALTED');
  assert.equal(r.error?.exitCode, 70);
  assert.match(r.error!.message, /halted at h2: .*exit 3/);
  assert.deepEqual(upgraded(f), ['h1', 'h2']);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'failed', h3: 'staged' });
  // The remote output of the failure reaches the report, and the failed host's version is read back.
  const h2 = r.hosts.find((h) => h.host === 'h2')!;
  assert.match(h2.stderr ?? '', /install_release failed/);
  // A remote command that failed is REMOTE (76), not an internal error of this tool.
  assert.deepEqual([h2.error?.code, h2.error?.message.match(/^emqx upgrade 5\.0\.1 failed \(exit 3\)/) !== null], ['REMOTE', true]);
  assert.equal(h2.version, '5.0.0');
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'failed', h3: 'pending' });
});

test('halt messages name the failed host once, and count a host already at the target as done', async (t) => {
  const w = await world(t);
  // h1 runs the target already (an earlier run upgraded it); h2 fails.
  const f = fake(w, { h1: { releases: new Map([['5.0.0', 'old'], ['5.0.1', 'permanent']]) }, h2: { upgradeExit: 3 }, h3: {} });
  const progress = recorder();
  const details: string[] = [];
  const r = await rollout(options(w), f, { ...progress, phase: (h, p, d) => void (p === 'failed' && details.push(`${h}: ${d}`)) }, { requested: false });
  assert.equal(r.error?.code, 'ROLLOUT_HALTED');
  assert.equal(r.error?.host, 'h2', 'the report knows whose error this is');
  assert.match(r.error!.message, /^rollout halted at h2: emqx upgrade 5\.0\.1 failed \(exit 3\)/);
  assert.match(r.error!.message, /; 1 host\(s\) done, 1 not upgraded; fix h2 and re-run/);
  const h2 = r.hosts.find((h) => h.host === 'h2')!;
  assert.match(h2.error!.message, /^emqx upgrade 5\.0\.1 failed \(exit 3\)/, 'the row is the host\'s: no "h2: " in it');
  assert.deepEqual(details.map((d) => d.slice(0, 31)), ['h2: emqx upgrade 5.0.1 failed (']);
  for (const text of [r.error!.message, h2.error!.message, ...details]) assert.doesNotMatch(text, /h2: h2:/);
});

test('resume from the state file: done hosts skipped, no new canary, the failed host retried, nothing staged twice', async (t) => {
  const w = await world(t);
  const first = fake(w, { h1: {}, h2: { upgradeExit: 3 }, h3: {} });
  await run(first, options(w));
  // The operator fixes h2; the hosts keep what the first run did to them.
  const again = fake(w, {});
  for (const [d, h] of first.hosts) again.hosts.set(d, { ...h, upgradeExit: 0 });
  const r = await run(again, options(w));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.plan, { skip: ['h1'], regate: [], batches: [['h2'], ['h3']], canary: false });
  assert.deepEqual(upgraded(again), ['h2', 'h3']);
  assert.deepEqual(again.kinds('h1'), ['probe', 'status'], 'h1 is only read');
  for (const h of ['h2', 'h3']) assert.deepEqual(again.kinds(h), ['probe', 'status', 'dry-run', 'status', 'upgrade'], `${h} was staged in the first run`);
  assert.deepEqual(outcomes(r), { h1: 'at-target', h2: 'done', h3: 'done' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
  assert.equal(r.resume?.kind, 'resume');
});

/** Hosts of a new fake that keep what `first` did to them, with `over` applied. */
function carryOver(w: World, first: Fake, over: Partial<FakeHost> = {}, check?: string): Fake {
  const again = fake(w, {}, check);
  for (const [d, h] of first.hosts) again.hosts.set(d, { ...h, releases: new Map(h.releases), onUpgrade: undefined, ...over });
  return again;
}

test('a host whose --check failed after its upgrade is gated again on resume: done only once it passes; state and report agree', async (t) => {
  const w = await world(t);
  const check = 'curl -fsS localhost:18083/status';
  const first = fake(w, { h1: {}, h2: { checkExit: 3 }, h3: {} }, check);
  const r1 = await run(first, options(w, { check }));
  assert.equal(r1.error?.exitCode, 70);
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'failed', h3: 'pending' });
  assert.equal(first.hosts.get('h2')!.releases.get('5.0.1'), 'permanent', 'h2 runs the target: only its gate failed');

  // Not fixed yet: the re-run gates h2 again, fails again, and touches nothing else.
  const still = carryOver(w, first, {}, check);
  const r2 = await run(still, options(w, { check }));
  assert.equal(r2.error?.code, 'ROLLOUT_HALTED');
  assert.match(r2.error!.message, /^rollout halted at h2 \(gated again, it failed again\): health gate: --check exited 3; no host was staged or upgraded/);
  assert.deepEqual(r2.plan, { skip: ['h1'], regate: ['h2'], batches: [['h3']], canary: false });
  assert.deepEqual(still.kinds('h2'), ['probe', 'status', 'status', 'check'], 'h2: preflight, then its gate again');
  assert.deepEqual(still.kinds('h3'), ['probe', 'status'], 'h3 only read');
  assert.deepEqual(outcomes(r2), { h1: 'at-target', h2: 'failed', h3: 'untouched' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'failed', h3: 'pending' });

  // Fixed: h2 passes its gate again and counts as done; the rollout goes on to h3.
  const fixed = carryOver(w, first, { checkExit: 0 }, check);
  const r3 = await run(fixed, options(w, { check }));
  assert.equal(r3.ok, true, JSON.stringify(r3.error));
  assert.deepEqual(fixed.kinds('h2'), ['probe', 'status', 'status', 'check'], 'gated, never upgraded again');
  assert.deepEqual(upgraded(fixed), ['h3']);
  assert.deepEqual(outcomes(r3), { h1: 'at-target', h2: 'done', h3: 'done' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
  assert.deepEqual(r3.hosts.find((h) => h.host === 'h2'), { host: 'h2', root: '/opt/h2/emqx', from: '5.0.0', version: '5.0.1', outcome: 'done' });
});

test('the re-gate on resume checks the cluster peers recorded before the upgrade; failing again under --on-failure rollback-all takes back the host and the canary', async (t) => {
  const w = await world(t);
  const first = fake(w, { h1: {}, h2: { peers: ['x@h', 'y@h'], peersAfterUpgrade: ['x@h'] }, h3: {} });
  const r1 = await run(first, options(w, { gateTimeoutMs: 0 }));
  assert.match(r1.error!.message, /halted at h2: health gate: after 0 s the node still does not see y@h/);
  assert.deepEqual(w.state().hosts.h2!.peers, ['x@h', 'y@h']);

  const again = carryOver(w, first);
  const r2 = await run(again, options(w, { gateTimeoutMs: 0, onFailure: 'rollback-all' }));
  assert.deepEqual(r2.plan?.regate, ['h2']);
  assert.equal(r2.error?.code, 'ROLLED_BACK');
  assert.match(r2.error!.message, /^rollout stopped at h2 and rolled back h2 to 5\.0\.0, h1 to 5\.0\.0: h2: health gate: after 0 s the node still does not see y@h/);
  assert.deepEqual(
    again.calls.filter((c) => c.kind === 'downgrade').map((c) => c.dest),
    ['h2', 'h1'],
  );
  assert.deepEqual(upgraded(again), [], 'nothing upgraded in the run that rolled back');
  assert.deepEqual(outcomes(r2), { h1: 'rolled-back', h2: 'rolled-back', h3: 'untouched' });
  assert.deepEqual(statuses(w.state()), { h1: 'rolled-back', h2: 'rolled-back', h3: 'pending' });
  assert.equal(r2.error?.host, 'h2');
});

test('a state file of a finished rollout is replaced: after a downgrade, rolling out again takes a canary', async (t) => {
  const w = await world(t);
  await run(fake(w, { h1: {}, h2: {}, h3: {} }), options(w));
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
  const finished = w.state();
  // The fleet went back to 5.0.0 (a downgrade rollout keeps its own state file).
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const r = await run(f, options(w, { batch: 3 }));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.resume, { kind: 'replace', startedAt: finished.startedAt });
  assert.deepEqual(r.plan, { skip: [], regate: [], batches: [['h1'], ['h2', 'h3']], canary: true });
  assert.notEqual(w.state().startedAt, finished.startedAt, 'a new state');
});

for (const [name, edit] of [
  // The state as the interrupted run left it; the hosts below all run 5.0.0 again.
  ['a host it records done went back', (_: RolloutState) => {}],
  [
    'it records another fleet',
    (s: RolloutState) => {
      s.hosts = { x1: { ...s.hosts.h1!, status: 'done' }, x2: { ...s.hosts.h1!, status: 'pending' } };
    },
  ],
] as const) {
  test(`a state file that no longer matches the hosts (${name}) is refused after preflight, nothing written (78)`, async (t) => {
    const w = await world(t);
    // An interrupted rollout: h1 done, the rest pending.
    const stop = { requested: false };
    await run(fake(w, { h1: { onUpgrade: () => (stop.requested = true) }, h2: {}, h3: {} }), options(w), stop);
    const s = w.state();
    edit(s);
    writeFileSync(w.statePath, JSON.stringify(s));
    const text = readFileSync(w.statePath, 'utf8');
    const f = fake(w, { h1: {}, h2: {}, h3: {} });
    const r = await run(f, options(w, { batch: 3 }));
    assert.equal(r.error?.code, 'CONFIG');
    assert.equal(r.error?.exitCode, 78);
    assert.match(r.error!.message, /^state file \S+ does not match the hosts: .*; remove it \(or pass --state NEW_FILE\) to start a new rollout, canary first/);
    for (const h of HOSTS) assert.deepEqual(f.kinds(h), ['probe', 'status-stdin']);
    assert.equal(readFileSync(w.statePath, 'utf8'), text, 'state file as it was');
  });
}

test('a host whose sshd has no sftp: scp fails, the files go over ssh cat, verified like any copy', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { noSftp: true }, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(f.kinds('h2'), ['probe', 'status-stdin', 'mktemp', 'copy', 'cat', 'cat', 'finalize', 'dry-run', 'status', 'upgrade']);
  assert.deepEqual(f.calls.filter((c) => c.kind === 'cat').map((c) => c.detail), [PKG, 'emqx.cjs']);
  assert.equal(f.hosts.get('h2')!.packageSha, w.pkgSha);
  assert.deepEqual(r.warnings, ['h2: scp failed (scp: Connection closed), copied over ssh cat instead (does its sshd lack the sftp subsystem?)']);
});

for (const [name, catExit, code, exit, want] of [
  ['the host refuses the file: its disk is full', 1, 'CANNOT_WRITE', 73, /^staging failed, no host was upgraded: h2: copying emqx-5\.0\.1\.tar\.gz, emqx\.cjs to \/opt\/h2\/emqx\/releases\/\.emqx-relup\/stage\.fake\d+ failed: scp \(scp: Connection closed\), then ssh cat of emqx-5\.0\.1\.tar\.gz \(sh: 1: cannot create .*No space left on device\); check free space/],
  ['ssh lost the host', 255, 'UNREACHABLE', 69, /^staging failed, no host was upgraded: h2: lost the SSH connection while copying .* then ssh cat of emqx-5\.0\.1\.tar\.gz \(Connection closed by h2 port 22\)/],
] as const) {
  test(`a copy that fails both ways (${name}) says what failed (${exit}) and removes its temp dir`, async (t) => {
    const w = await world(t);
    const f = fake(w, { h1: {}, h2: { noSftp: true, catExit }, h3: {} });
    const r = await run(f, options(w));
    assert.equal(r.error?.code, code);
    assert.equal(r.error?.exitCode, exit);
    assert.match(r.error!.message, want);
    assert.deepEqual(f.kinds('h2'), ['probe', 'status-stdin', 'mktemp', 'copy', 'cat', 'rm-temp']);
    assert.deepEqual(upgraded(f), []);
  });
}

test('a remote plan that is not JSON is REMOTE (76), nothing upgraded', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { dryRunStdout: 'Segmentation fault\n' }, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.error?.code, 'REMOTE');
  assert.equal(r.error?.exitCode, 76);
  assert.match(r.error!.message, /h2: emqx --dry-run printed no JSON plan/);
  assert.deepEqual(upgraded(f), []);
});

for (const [name, sidecar, code, want] of [
  ['names another sha256', () => `${'0'.repeat(64)}  ${PKG}\n`, 'CHECKSUM_MISMATCH', /does not match emqx-5\.0\.1\.tar\.gz\.sha256: sha256 is [0-9a-f]{64}, expected 0{64}/],
  ['is not a sha256sum line', () => 'hello\n', 'BAD_PACKAGE', /is malformed/],
] as const) {
  test(`a local <package>.sha256 that ${name} is refused before any host is read (65)`, async (t) => {
    const w = await world(t);
    writeFileSync(`${w.pkg}.sha256`, sidecar());
    const f = fake(w, { h1: {}, h2: {}, h3: {} });
    await assert.rejects(rollout(options(w), f, recorder(), { requested: false }), (e: RelupError) => e.code === code && e.exitCode === 65 && want.test(e.message));
    assert.deepEqual(f.calls, []);
    assert.ok(!existsSync(w.statePath));
  });
}

test('a local <package>.sha256 that matches is accepted', async (t) => {
  const w = await world(t);
  writeFileSync(`${w.pkg}.sha256`, `${w.pkgSha}  ${PKG}\n`);
  const r = await run(fake(w, { h1: {}, h2: {}, h3: {} }), options(w));
  assert.equal(r.ok, true, JSON.stringify(r.error));
});

test('a state file of another rollout is refused before any host is read (78)', async (t) => {
  const w = await world(t);
  writeFileSync(w.statePath, JSON.stringify({ format: 'emqx-relup-rollout/1', package: PKG, sha256: 'f'.repeat(64), target: '5.0.1', direction: 'upgrade', hosts: {} }));
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  await assert.rejects(rollout(options(w), f, recorder(), { requested: false }), (e: { code?: string; exitCode?: number }) => e.code === 'CONFIG' && e.exitCode === 78);
  assert.deepEqual(f.calls, []);
});

test('interrupt: a stop requested during the canary lets it finish its upgrade and gate, then nothing more; re-run continues', async (t) => {
  const w = await world(t);
  const stop = { requested: false };
  const f = fake(w, { h1: { onUpgrade: () => (stop.requested = true) }, h2: {}, h3: {} });
  const r = await run(f, options(w, { batch: 2 }), stop);
  assert.equal(r.interrupted, true);
  assert.equal(r.ok, false);
  assert.equal(r.error, undefined, 'an interrupt is not a failure');
  assert.deepEqual(upgraded(f), ['h1']);
  assert.deepEqual(f.kinds('h1').slice(-2), ['status', 'upgrade'], 'the gate ran on what the upgrade reported');
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'staged', h3: 'staged' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'pending', h3: 'pending' });

  const again = fake(w, {});
  for (const [d, h] of f.hosts) again.hosts.set(d, { ...h, onUpgrade: undefined });
  const r2 = await run(again, options(w, { batch: 2 }));
  assert.equal(r2.ok, true);
  assert.deepEqual(r2.plan?.batches, [['h2', 'h3']], 'one batch of two, no canary: h1 passed its gate');
});

test('interrupt before staging: nothing is written to any host', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const r = await run(f, options(w), { requested: true });
  assert.equal(r.interrupted, true);
  for (const h of HOSTS) assert.deepEqual(f.kinds(h), ['probe', 'status-stdin']);
  assert.deepEqual(statuses(w.state()), { h1: 'pending', h2: 'pending', h3: 'pending' });
});

for (const [name, host, check, want] of [
  ['the node does not answer after the upgrade', { diesOnUpgrade: true }, undefined, /h1: health gate: the node does not answer/],
  ['--check exits non-zero', { checkExit: 2 }, 'curl -fsS localhost:18083/status', /h1: health gate: --check exited 2/],
] as const) {
  test(`gate failure (${name}) on the canary halts before any other host`, async (t) => {
    const w = await world(t);
    const f = fake(w, { h1: host, h2: {}, h3: {} }, check);
    const r = await run(f, options(w, check ? { check } : {}));
    assert.equal(r.error?.code, 'ROLLOUT_HALTED');
    assert.match(r.error!.message, want);
    assert.deepEqual(upgraded(f), ['h1']);
    assert.deepEqual(outcomes(r), { h1: 'failed', h2: 'staged', h3: 'staged' });
    assert.equal(w.state().hosts.h1!.status, 'failed');
  });
}

test('gate failure: --no-permanent upgrade gated as permanent would fail; gated as current it passes', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const r = await run(f, options(w, { permanent: false }));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(f.calls.filter((c) => c.kind === 'upgrade').map((c) => c.detail), ['no-permanent', 'no-permanent', 'no-permanent']);
  assert.equal(f.hosts.get('h1')!.releases.get('5.0.1'), 'current');
});

test('stage skip: a host holding the package, sidecar and wrapper gets no copy; one missing only the wrapper gets only that', async (t) => {
  const w = await world(t);
  const f = fake(w, {
    h1: { packageSha: w.pkgSha, sidecarSha: w.pkgSha, wrapperSha: w.wrapperSha },
    h2: { packageSha: w.pkgSha, sidecarSha: w.pkgSha },
    h3: {},
  });
  const r = await run(f, options(w));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(f.kinds('h1'), ['probe', 'status', 'dry-run', 'status', 'upgrade'], 'no mktemp, no copy');
  assert.deepEqual(f.calls.filter((c) => c.kind === 'copy').map((c) => [c.dest, c.detail]), [
    ['h2', 'emqx.cjs'],
    ['h3', `${PKG} emqx.cjs`],
  ]);
});

test('a host already at the target is skipped and never written; the canary is the first host that needs it', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { releases: new Map([['5.0.1', 'permanent'], ['5.0.0', 'old']]) }, h2: {}, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, true);
  assert.deepEqual(r.plan, { skip: ['h1'], regate: [], batches: [['h2'], ['h3']], canary: true });
  assert.deepEqual(f.kinds('h1'), ['probe', 'status-stdin']);
});

test('preflight failure on one host: no host is touched, every report row untouched', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { lockHolder: 4242 }, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.error?.code, 'LOCKED');
  assert.match(r.error!.message, /preflight failed, no host was touched: h2: .*pid 4242/);
  for (const h of HOSTS) assert.deepEqual(f.kinds(h), ['probe', 'status-stdin']);
  assert.deepEqual(outcomes(r), { h1: 'untouched', h2: 'untouched', h3: 'untouched' });
  assert.ok(!existsSync(w.statePath), 'no state file for a rollout that never started');
});

test('--pause-after-canary stops once the canary passed its gate; the same command stops again, --continue goes on', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const r = await run(f, options(w, { pauseAfterCanary: true }));
  assert.equal(r.paused, true);
  assert.equal(r.ok, true, 'a pause asked for is not a failure');
  assert.equal(r.error, undefined);
  assert.deepEqual(upgraded(f), ['h1']);
  assert.deepEqual(f.kinds('h1').slice(-2), ['status', 'upgrade'], 'paused after the gate');
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'staged', h3: 'staged' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'pending', h3: 'pending' });

  const hostsAfter = (from: Fake) => {
    const next = fake(w, {});
    for (const [d, h] of from.hosts) next.hosts.set(d, { ...h });
    return next;
  };
  const same = hostsAfter(f);
  const r2 = await run(same, options(w, { pauseAfterCanary: true }));
  assert.equal(r2.paused, true);
  assert.deepEqual(upgraded(same), [], 'without --continue nothing more is upgraded');
  for (const h of HOSTS) assert.deepEqual(same.kinds(h), ['probe', 'status'], `${h} only read`);

  const go = hostsAfter(same);
  const r3 = await run(go, options(w, { pauseAfterCanary: true, continued: true }));
  assert.equal(r3.paused, false);
  assert.equal(r3.ok, true, JSON.stringify(r3.error));
  assert.deepEqual(upgraded(go), ['h2', 'h3']);
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
});

test('--batch 50% of four hosts: the canary, then batches of two', async (t) => {
  const { batchSize, parseBatch } = await import('../../src/rollout/plan.js');
  const w = await world(t);
  const four = ['h1', 'h2', 'h3', 'h4'];
  const f = fake(w, { h1: {}, h2: {}, h3: {}, h4: {} });
  const r = await run(f, options(w, { hosts: four.map((dest) => ({ dest, root: `/opt/${dest}/emqx` })), batch: batchSize(parseBatch('50%')!, 4) }));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.plan?.batches, [['h1'], ['h2', 'h3'], ['h4']]);
});

test('confirmation on a terminal: the question names the plan; a no touches no host and writes no state', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} });
  const asked: string[] = [];
  const ask = async (q: string) => {
    asked.push(q);
    return false;
  };
  const r = await run(f, options(w, { batch: 2, confirm: { stdinIsTTY: true, yes: false, ask } }));
  assert.deepEqual(asked, ['upgrade 3 host(s) to 5.0.1 (canary h1, then 1 batch(es) of up to 2)? [y/N] ']);
  assert.equal(r.error?.code, 'NOT_CONFIRMED');
  assert.equal(r.error?.exitCode, 64);
  assert.match(r.error!.message, /^not confirmed; no host was touched; answer y to go on, or pass --yes/);
  for (const h of HOSTS) assert.deepEqual(f.kinds(h), ['probe', 'status-stdin'], `${h} only read`);
  assert.equal(existsSync(w.statePath), false);
});

test('confirmation: a yes goes on; --yes, stdin not a terminal or a single host are never asked', async (t) => {
  for (const [over, hosts, asks] of [
    [{ stdinIsTTY: true, yes: false }, HOSTS, 1],
    [{ stdinIsTTY: true, yes: true }, HOSTS, 0],
    [{ stdinIsTTY: false, yes: false }, HOSTS, 0],
    [{ stdinIsTTY: true, yes: false }, ['h1'], 0],
  ] as const) {
    const w = await world(t);
    const f = fake(w, Object.fromEntries(hosts.map((h) => [h, {}])));
    let n = 0;
    const r = await run(
      f,
      options(w, {
        hosts: hosts.map((dest) => ({ dest, root: `/opt/${dest}/emqx` })),
        confirm: {
          ...over,
          ask: async () => {
            n++;
            return true;
          },
        },
      }),
    );
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(n, asks, JSON.stringify(over));
    assert.deepEqual(upgraded(f), [...hosts]);
  }
});

test('cluster gate: a node that no longer sees a peer it saw before its upgrade fails the gate, naming it; state keeps the peers', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { peers: ['b@h', 'c@h'], peersAfterUpgrade: ['b@h'] }, h2: {}, h3: {} });
  const r = await run(f, options(w, { gateTimeoutMs: 0 }));
  assert.equal(r.error?.code, 'ROLLOUT_HALTED');
  assert.match(r.error!.message, /halted at h1: health gate: after 0 s the node still does not see c@h \(connected before the upgrade\)/);
  assert.deepEqual(upgraded(f), ['h1']);
  assert.deepEqual(w.state().hosts.h1!.peers, ['b@h', 'c@h']);
  assert.deepEqual(r.warnings, []);
});

const downgraded = (t: Fake) => t.calls.filter((c) => c.kind === 'downgrade').map((c) => `${c.dest}:${c.detail}`);

test('--on-failure rollback: the host whose gate fails is hot-downgraded and gated on its old version; the done hosts stay; 71', async (t) => {
  const w = await world(t);
  const check = 'curl -fsS localhost:18083/status';
  const f = fake(w, { h1: {}, h2: { checkFailsOn: '5.0.1', peers: ['x@h'], peersAfterUpgrade: ['x@h'] }, h3: {} }, check);
  const r = await run(f, options(w, { check, onFailure: 'rollback', gateTimeoutMs: 0 }));
  assert.equal(r.error?.code, 'ROLLED_BACK');
  assert.equal(r.error?.exitCode, 71);
  assert.match(r.error!.message, /^rollout stopped at h2 and rolled back h2 to 5\.0\.0: h2: health gate: --check exited 1; 1 host\(s\) stay upgraded, 1 not upgraded; .*starts afresh/);
  assert.deepEqual(downgraded(f), ['h2:5.0.0']);
  // With recorded peers the gate reads the cluster afresh after the command (a peer can drop just after it).
  assert.deepEqual(f.kinds('h2').slice(-8), ['upgrade', 'status', 'check', 'status', 'status', 'downgrade', 'status', 'check']);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'rolled-back', h3: 'staged' });
  const h2 = r.hosts.find((h) => h.host === 'h2')!;
  assert.deepEqual(h2.rollback, { to: '5.0.0', outcome: 'rolled-back', how: 'emqx downgrade 5.0.0 (with the 5.0.1 scripts), gate passed on 5.0.0' });
  assert.equal(h2.version, '5.0.0');
  assert.equal(f.hosts.get('h2')!.releases.get('5.0.0'), 'permanent');
  const s = w.state();
  assert.deepEqual(statuses(s), { h1: 'done', h2: 'rolled-back', h3: 'pending' });
  assert.equal(s.hosts.h2!.rollback!.outcome, 'rolled-back');
  assert.deepEqual(s.hosts.h2!.peers, ['x@h']);

  // Re-running after a rollback starts afresh: preflight, a new canary, every host to do gets done.
  const again = fake(w, {}, check);
  for (const [d, h] of f.hosts) again.hosts.set(d, { ...h, checkFailsOn: undefined });
  const r2 = await run(again, options(w, { check, onFailure: 'rollback' }));
  assert.equal(r2.ok, true, JSON.stringify(r2.error));
  assert.deepEqual(r2.plan, { skip: ['h1'], regate: [], batches: [['h2'], ['h3']], canary: true });
  assert.match(r2.warnings.join('\n'), /the previous run of this rollout rolled back; starting afresh/);
  assert.deepEqual(statuses(w.state()), { h2: 'done', h3: 'done' });
});

test('--on-failure rollback-all: the failed host, then the hosts done before it, newest first', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: { checkFailsOn: '5.0.1' } }, 'true');
  const r = await run(f, options(w, { check: 'true', onFailure: 'rollback-all' }));
  assert.equal(r.error?.code, 'ROLLED_BACK');
  assert.match(r.error!.message, /rolled back h3 to 5\.0\.0, h2 to 5\.0\.0, h1 to 5\.0\.0/);
  assert.deepEqual(downgraded(f), ['h3:5.0.0', 'h2:5.0.0', 'h1:5.0.0']);
  assert.deepEqual(outcomes(r), { h1: 'rolled-back', h2: 'rolled-back', h3: 'rolled-back' });
  for (const h of HOSTS) assert.equal(f.hosts.get(h)!.releases.get('5.0.0'), 'permanent');
});

test('--on-failure rollback-all stops at the first host that cannot be taken back: ROLLBACK_FAILED (72)', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { downgradeExit: 3 }, h2: { checkFailsOn: '5.0.1' }, h3: {} }, 'true');
  const r = await run(f, options(w, { check: 'true', onFailure: 'rollback-all' }));
  assert.equal(r.error?.code, 'ROLLBACK_FAILED');
  assert.equal(r.error?.exitCode, 72);
  assert.match(r.error!.message, /stopped at h2 \(h2: health gate: --check exited 1\) and the rollback of h1 failed: emqx downgrade 5\.0\.0 \(with the 5\.0\.1 scripts\) failed: h1: emqx downgrade 5\.0\.0 failed/);
  assert.match(r.error!.message, /rolled back h2 to 5\.0\.0; inspect h1 by hand/);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'rolled-back', h3: 'staged' });
  assert.equal(w.state().hosts.h1!.rollback!.outcome, 'failed');
});

for (const [name, host, code, want, outcome] of [
  ['the node died: nothing to hot-downgrade', { diesOnUpgrade: true }, 'ROLLBACK_FAILED', /rollback of h1 failed: not possible: the node is not running/, 'impossible'],
  ['the upgrade failed before installing: nothing to take back', { upgradeExit: 3 }, 'ROLLED_BACK', /stopped at h1 and no host needed a rollback/, 'not-needed'],
] as const) {
  test(`--on-failure rollback when ${name}: no downgrade is run`, async (t) => {
    const w = await world(t);
    const f = fake(w, { h1: host, h2: {}, h3: {} });
    const r = await run(f, options(w, { onFailure: 'rollback' }));
    assert.equal(r.error?.code, code);
    assert.match(r.error!.message, want);
    assert.deepEqual(downgraded(f), []);
    assert.equal(r.hosts[0]!.rollback?.outcome, outcome);
    assert.equal(r.hosts[0]!.outcome, 'failed');
  });
}

test("read-ahead: the next host's pre-upgrade status is read while the host before it is gated, and used", async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: {}, h3: {} }, 'true');
  const r = await run(f, options(w, { check: 'true' }));
  assert.equal(r.ok, true);
  const at = (dest: string, kind: string, from = 0) => f.calls.findIndex((c, i) => i >= from && c.dest === dest && c.kind === kind);
  // h2's status (after its plan check) goes out before h1's gate runs its --check.
  assert.ok(at('h2', 'status', at('h2', 'dry-run')) < at('h1', 'check'), f.calls.map((c) => `${c.dest} ${c.kind}`).join('\n'));
  assert.deepEqual(f.kinds('h2').slice(-3), ['status', 'upgrade', 'check'], 'read once: no second status before its upgrade');
});

test('read-ahead: peers read while the host before was reconnecting (it is missing from them) are read again', async (t) => {
  const w = await world(t);
  // h1 saw h2 before its upgrade, but h2's read-ahead does not list h1: the cluster changed under it.
  const f = fake(w, { h1: { peers: ['emqx@h2'] }, h2: { peers: [] }, h3: {} });
  const r = await run(f, options(w));
  assert.equal(r.ok, true);
  assert.deepEqual(f.kinds('h2').slice(-3), ['status', 'status', 'upgrade']);
  assert.deepEqual(f.kinds('h3').slice(-2), ['status', 'upgrade'], 'h2 never saw h3: its read-ahead stands');
});

test('the connection drops during an upgrade: the run is followed again and its real end taken (done, not failed)', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { dropOnUpgrade: 'reconnects' }, h3: {} });
  const r = await run(f, options(w, { reconnectMs: 5000 }));
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'done', h3: 'done' });
  assert.deepEqual(f.kinds('h2').slice(-2), ['upgrade', 'follow']);
});

test('the connection drops and the host stays away: HOST_UNKNOWN (74), row and state unknown, not rolled back, later hosts untouched', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: {}, h2: { dropOnUpgrade: 'stays-down' }, h3: {} });
  const r = await run(f, options(w, { reconnectMs: 0, onFailure: 'rollback' }));
  assert.equal(r.error?.code, 'HOST_UNKNOWN');
  assert.equal(r.error?.exitCode, 74);
  assert.match(r.error!.message, /^rollout halted at h2: lost the SSH connection during emqx upgrade 5\.0\.1 .*; 1 host\(s\) done, 1 not upgraded; h2 is unknown/);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'unknown', h3: 'staged' });
  assert.equal(w.state().hosts.h2!.status, 'unknown');
  assert.ok(!f.kinds('h2').includes('downgrade'), 'what it runs is unknown: no rollback');
  assert.deepEqual(upgraded(f), ['h1', 'h2']);
});
