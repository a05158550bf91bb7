// rollout() over the strict in-memory transport of helpers/rollout-fake.ts: the control flow of
// a rolling upgrade (halt, resume, interrupt, gate, stage skip) in milliseconds, with no sshd.
// test/rollout/rollout.test.ts drives the same code through the CLI and real sshd processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollout, type RolloutOptions, type RolloutReport } from '../../src/rollout/run.js';
import { toolVersion } from '../../src/rollout/artifacts.js';
import type { Phase, Progress } from '../../src/rollout/progress.js';
import type { RolloutState } from '../../src/rollout/state.js';
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
  // rollout() only names, sizes and hashes the package; the hosts are fakes.
  const pkg = join(dir, PKG);
  writeFileSync(pkg, 'package bytes\n');
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
    wrapperName: `emqx-${await toolVersion()}.cjs`,
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
  assert.deepEqual(r.plan, { skip: [], batches: [['h1'], ['h2'], ['h3']], canary: true });
  assert.deepEqual(upgraded(f), HOSTS);
  assert.deepEqual(f.kinds('h2'), ['probe', 'status-stdin', 'mktemp', 'copy', 'finalize', 'dry-run', 'status', 'upgrade', 'status']);
  assert.deepEqual(outcomes(r), { h1: 'done', h2: 'done', h3: 'done' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
  for (const h of HOSTS) assert.equal(f.hosts.get(h)!.releases.get('5.0.1'), 'permanent');
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
  assert.equal(h2.version, '5.0.0');
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'failed', h3: 'pending' });
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
  assert.deepEqual(r.plan, { skip: ['h1'], batches: [['h2'], ['h3']], canary: false });
  assert.deepEqual(upgraded(again), ['h2', 'h3']);
  assert.deepEqual(again.kinds('h1'), ['probe', 'status'], 'h1 is only read');
  for (const h of ['h2', 'h3']) assert.deepEqual(again.kinds(h), ['probe', 'status', 'dry-run', 'status', 'upgrade', 'status'], `${h} was staged in the first run`);
  assert.deepEqual(outcomes(r), { h1: 'at-target', h2: 'done', h3: 'done' });
  assert.deepEqual(statuses(w.state()), { h1: 'done', h2: 'done', h3: 'done' });
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
  assert.deepEqual(f.kinds('h1').slice(-2), ['upgrade', 'status'], 'the gate ran after the upgrade');
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
  assert.deepEqual(f.kinds('h1'), ['probe', 'status', 'dry-run', 'status', 'upgrade', 'status'], 'no mktemp, no copy');
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
  assert.deepEqual(r.plan, { skip: ['h1'], batches: [['h2'], ['h3']], canary: true });
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

test('cluster gate: a node that no longer sees a peer it saw before its upgrade fails the gate, naming it; state keeps the peers', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { peers: ['b@h', 'c@h'], peersAfterUpgrade: ['b@h'] }, h2: {}, h3: {} });
  const r = await run(f, options(w, { gateTimeoutMs: 0 }));
  assert.equal(r.error?.code, 'ROLLOUT_HALTED');
  assert.match(r.error!.message, /halted at h1: h1: health gate: after 0 s the node still does not see c@h \(connected before the upgrade\)/);
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
  assert.deepEqual(r2.plan, { skip: ['h1'], batches: [['h2'], ['h3']], canary: true });
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

test('--on-failure rollback-all stops at the first host that cannot be taken back: ROLLBACK_FAILED (70)', async (t) => {
  const w = await world(t);
  const f = fake(w, { h1: { downgradeExit: 3 }, h2: { checkFailsOn: '5.0.1' }, h3: {} }, 'true');
  const r = await run(f, options(w, { check: 'true', onFailure: 'rollback-all' }));
  assert.equal(r.error?.code, 'ROLLBACK_FAILED');
  assert.equal(r.error?.exitCode, 70);
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
