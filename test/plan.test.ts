import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideVersions,
  checkHops,
  checkEdition,
  buildPlan,
  handOverToWrapper,
  escriptTerm,
  redactPlan,
  checksumTargets,
  unpacksPackage,
  dirsWritten,
  escriptLooksForPackage,
  type RelupCommand,
  type PlanFacts,
} from '../src/plan.js';
import { parseTarget } from '../src/version/index.js';
import type { RelupError } from '../src/errors.js';
import { erlAtom } from '../src/release/erlang-term.js';

test('newest of current and target, by SemVer precedence with build metadata', () => {
  const cases: [string | null, string, string, string, boolean][] = [
    // selfVersion, REL_VSN, target, newest, handOver
    [null, '5.0.0', '5.0.1', '5.0.1', true],
    [null, '5.0.1', '5.0.0', '5.0.1', false], // downgrade keeps the newer, current scripts
    [null, '5.0.14-rc.1', '5.0.14', '5.0.14', true], // sort -V gets this one wrong
    [null, '5.0.14', '5.0.14-rc.1', '5.0.14', false],
    [null, '5.6.1', '5.6.1+patch.A', '5.6.1+patch.A', true],
    [null, '5.0.9', '5.0.10', '5.0.10', true],
    ['5.0.1', '5.0.0', '5.0.1', '5.0.1', false], // running as emqx-5.0.1: its own name wins over REL_VSN
    ['5.0.1', '5.0.0', '5.0.0', '5.0.1', false],
    [null, '5.0.1', '5.0.1', '5.0.1', false],
  ];
  for (const [self, rel, target, newest, handOver] of cases) {
    const d = decideVersions(self, rel, target);
    assert.equal(d.newest, newest, `${self}/${rel} -> ${target}`);
    assert.equal(d.handOver, handOver, `${self}/${rel} -> ${target}`);
    assert.equal(d.current, self ?? rel);
  }
  assert.deepEqual(decideVersions(null, '5.0.0', null), { current: '5.0.0', target: null, newest: '5.0.0', handOver: false });
});

test('a second hand-over is refused, the first is allowed', () => {
  const d = decideVersions('5.0.1', '5.0.0', '5.0.2');
  assert.doesNotThrow(() => checkHops(d, 0));
  assert.throws(() => checkHops(d, 1), (e: RelupError) => e.code === 'REEXEC_LOOP' && e.exitCode === 70 && /emqx-5\.0\.2/.test(e.message));
  assert.doesNotThrow(() => checkHops(decideVersions('5.0.1', '5.0.0', '5.0.1'), 1));
});

test('edition mismatch names both editions and exits 78', () => {
  assert.doesNotThrow(() => checkEdition('community', null, 'target'));
  assert.doesNotThrow(() => checkEdition('enterprise', 'enterprise', 'target'));
  assert.throws(
    () => checkEdition('community', 'enterprise', 'package emqx-enterprise-5.0.1.tar.gz'),
    (e: RelupError) => e.code === 'EDITION_MISMATCH' && e.exitCode === 78 && /enterprise/.test(e.message) && /community/.test(e.message),
  );
});

test('atoms are quoted so a cookie cannot break the term', () => {
  assert.equal(erlAtom("a'b\\c"), "'a\\'b\\\\c'");
  assert.equal(erlAtom('x\ny'), "'x\\x{a}y'");
  assert.equal(
    escriptTerm('emqx', { name: 'emqx@127.0.0.1', nameType: '-name', cookie: "c'ook" }),
    `{'emqx', "-name", 'emqx@127.0.0.1', 'c\\'ook'}`,
  );
});

function facts(over: Partial<PlanFacts> = {}): PlanFacts {
  return {
    command: 'upgrade',
    target: parseTarget('5.0.1'),
    passArgs: ['--no-permanent'],
    root: '/opt/emqx',
    relName: 'emqx',
    edition: 'community',
    relVsn: '5.0.0',
    decision: decideVersions(null, '5.0.0', '5.0.1'),
    hops: 0,
    escriptFile: 'bin/install_upgrade.escript-5.0.1',
    package: '/opt/emqx/releases/emqx-5.0.1.tar.gz',
    unpackPackage: '/opt/emqx/releases/emqx-5.0.1.tar.gz',
    escriptBin: '/opt/emqx/erts-13.1.5/bin/escript',
    node: { name: 'emqx@127.0.0.1', nameType: '-name', cookie: 'secret' },
    hasEkka: false,
    ...over,
  };
}

test('plan: hand over to the newer script with the same command and passed-through args', () => {
  const p = buildPlan(facts());
  assert.equal(p.action, 'exec-newer');
  assert.deepEqual(p.extract, ['bin/emqx-5.0.1', 'bin/install_upgrade.escript-5.0.1']);
  assert.equal(p.exec.file, '/opt/emqx/bin/emqx-5.0.1');
  assert.deepEqual(p.exec.args, ['upgrade', '5.0.1', '--no-permanent']);
  // No lock token: execute.ts adds the one it holds when it takes the lock.
  assert.deepEqual(p.exec.env, { EMQX_ROOT: '/opt/emqx', EMQX_RELUP_HOPS: '1' });
});

test('handOverToWrapper: a newer wrapper gets --json and --allow-patches before the --', () => {
  const p = buildPlan(facts());
  assert.deepEqual(handOverToWrapper(p, false).exec.args, ['upgrade', '5.0.1', '--', '--no-permanent']);
  assert.deepEqual(handOverToWrapper({ ...p, patchesAllowed: ['emqx_cm'] }, true).exec.args, ['upgrade', '5.0.1', '--json', '--allow-patches', '--', '--no-permanent']);
});

test('plan: run the escript when this script is the newest (downgrade uses current scripts)', () => {
  const p = buildPlan(
    facts({
      command: 'downgrade',
      target: parseTarget('5.0.0'),
      passArgs: [],
      relVsn: '5.0.1',
      decision: decideVersions(null, '5.0.1', '5.0.0'),
      package: null,
      hasEkka: true,
    }),
  );
  assert.equal(p.action, 'run-escript');
  assert.deepEqual(p.extract, []);
  assert.equal(p.exec.file, '/opt/emqx/erts-13.1.5/bin/escript');
  assert.deepEqual(p.exec.args, [
    '/opt/emqx/bin/install_upgrade.escript-5.0.1',
    'downgrade',
    `{'emqx', "-name", 'emqx@127.0.0.1', 'secret'}`,
    '5.0.0',
  ]);
  assert.equal(p.exec.cwd, '/opt/emqx');
  assert.equal(p.exec.env.IS_ENTERPRISE, 'no');
  // The runner environment EMQX's nodetool needs; REL_VSN is the installed version, not the target.
  assert.equal(p.exec.env.RUNNER_ROOT_DIR, '/opt/emqx');
  assert.equal(p.exec.env.REL_VSN, '5.0.1');
  assert.match(p.exec.env.ERL_FLAGS!, /-proto_dist ekka/);
  assert.equal(buildPlan(facts({ decision: decideVersions('5.0.1', '5.0.0', '5.0.1'), hasEkka: false })).exec.env.ERL_FLAGS, undefined);
});

test('plan: versions has no version argument; dry-run output hides the cookie', () => {
  const p = buildPlan(facts({ command: 'versions', target: null, passArgs: [], decision: decideVersions(null, '5.0.0', null), escriptFile: 'bin/install_upgrade.escript-5.0.0', package: null }));
  assert.equal(p.exec.args.length, 3);
  assert.equal(p.exec.args[1], 'versions');
  const r = redactPlan(p, 'secret');
  assert.ok(!JSON.stringify(r).includes('secret'));
  assert.ok(JSON.stringify(p).includes('secret'), 'the real plan keeps it');
});

test('checksum: the package extracted from and the one release_handler will unpack are both verified, once each', () => {
  const pkg = '/opt/emqx/releases/emqx-5.0.1.tar.gz';
  assert.deepEqual(checksumTargets(pkg, pkg), [pkg]);
  // Scripts already in bin/ (left by an earlier run): the package to be unpacked is still verified.
  assert.deepEqual(checksumTargets(null, pkg), [pkg]);
  assert.deepEqual(checksumTargets('/r/emqx-5.0.2.tar.gz', '/r/emqx-5.0.0.tar.gz'), ['/r/emqx-5.0.2.tar.gz', '/r/emqx-5.0.0.tar.gz']);
  assert.deepEqual(checksumTargets(null, null), []);
  assert.deepEqual(
    ['install', 'unpack', 'upgrade', 'downgrade', 'uninstall', 'versions'].filter((c) => unpacksPackage(c as PlanFacts['command'])),
    ['unpack', 'upgrade'],
  );
  assert.deepEqual(buildPlan(facts({ package: null })).verify, [pkg]);
  assert.deepEqual(buildPlan(facts({ package: null, unpackPackage: null })).verify, []);
});

test('dirsWritten: root (lock), bin/ only when extracting, releases/ for target commands', () => {
  assert.deepEqual(dirsWritten(buildPlan(facts())), ['/opt/emqx', '/opt/emqx/bin', '/opt/emqx/releases']);
  assert.deepEqual(dirsWritten(buildPlan(facts({ package: null }))), ['/opt/emqx', '/opt/emqx/releases']);
  const versions = buildPlan(facts({ command: 'versions', target: null, passArgs: [], decision: decideVersions(null, '5.0.0', null), package: null, unpackPackage: null }));
  assert.deepEqual(dirsWritten(versions), ['/opt/emqx']);
});

test('escriptLooksForPackage: an EMQX-style escript unpacks unknown versions and unpacked ones without start.boot', () => {
  const cases: Array<[RelupCommand, string | null, boolean, boolean]> = [
    ['upgrade', null, false, true],
    ['unpack', null, false, true],
    ['install', null, false, true],
    ['downgrade', null, false, true],
    ['upgrade', 'unpacked', false, true],
    ['upgrade', 'unpacked', true, false],
    ['upgrade', 'old', false, false],
    ['install', 'current', false, false],
    ['downgrade', 'permanent', false, false],
    ['uninstall', null, false, false],
    ['versions', null, false, false],
  ];
  for (const [cmd, status, boot, want] of cases) assert.equal(escriptLooksForPackage(cmd, status, boot), want, `${cmd} ${status} ${boot}`);
});
