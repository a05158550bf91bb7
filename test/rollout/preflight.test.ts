// The pure verdict of preflight on one host's facts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { judgeHost, requiredBytes, type Want } from '../../src/rollout/preflight.js';
import type { Probe } from '../../src/rollout/remote.js';
import type { WrapperStatus } from '../../src/rollout/status.js';

const host = { dest: 'n1', root: '/opt/emqx' };
const SHA = 'a'.repeat(64);
const want: Want = { packageFile: 'emqx-5.0.1.tar.gz', packageSha: SHA, packageSize: 1000, edition: 'community', target: '5.0.1', downgrade: false, permanent: true, wrapperSha: 'w'.repeat(64), relup: { upFrom: ['5.0.0'], downTo: ['5.0.0'] } };
const probe: Probe = { rootExists: true, varsExists: true, hasSha256sum: true, hasNode: true, availBytes: 10 * 2 ** 30, packageSha: null, sidecarSha: null, wrapperSha: null };
const status: WrapperStatus = {
  root: '/opt/emqx',
  relName: 'emqx',
  edition: 'community',
  currentVersion: '5.0.0',
  ertsVersion: '13.2',
  node: { name: 'emqx@127.0.0.1', nameType: '-name', nameSource: 'vm.args', cookieSource: 'vm.args' },
  nodeAlive: true,
  nodetoolError: null,
  lockHolder: null,
  peers: null,
  releases: [{ version: '5.0.0', status: 'permanent' }],
  versionedScripts: [],
  packages: [],
  stuck: [],
  warnings: [],
};

function rejects(p: Partial<Probe>, s: Partial<WrapperStatus>, w: Partial<Want>, code: string, exit: number, re: RegExp): void {
  assert.throws(
    () => judgeHost(host, { ...probe, ...p }, { ...status, ...s }, { ...want, ...w }),
    (e: unknown) => e instanceof RelupError && e.code === code && e.exitCode === exit && re.test(e.line) && /nothing was changed/.test(e.line),
  );
}

describe('judgeHost', () => {
  it('refuses a host with hot patches, naming them; one already at the target is not held to it', () => {
    const patches = { dir: '/opt/emqx/data/patches', modules: ['emqx_cm'] };
    rejects({}, { patches }, {}, 'HOT_PATCHES', 78, /^n1: \/opt\/emqx\/data\/patches holds hot patches \(emqx_cm\), .*; nothing was changed; remove them on the host, or take it there alone with 'emqx upgrade 5\.0\.1 --allow-patches'$/);
    assert.equal(judgeHost(host, probe, { ...status, patches: { ...patches, modules: [] } }, want).atTarget, false);
    assert.equal(judgeHost(host, probe, { ...status, patches: null }, want).atTarget, false, 'unknown (a warning says why): not refused');
    const at = { releases: [{ version: '5.0.1', status: 'permanent' }], patches };
    assert.equal(judgeHost(host, probe, { ...status, ...at }, want).atTarget, true);
  });

  it('accepts a healthy older host and says what staging must send', () => {
    const f = judgeHost(host, probe, status, want);
    assert.equal(f.running, '5.0.0');
    assert.equal(f.atTarget, false);
    assert.deepEqual([f.needPackage, f.needSidecar, f.needWrapper], [true, true, true]);
    const staged = judgeHost(host, { ...probe, packageSha: SHA, sidecarSha: SHA, wrapperSha: want.wrapperSha }, status, want);
    assert.deepEqual([staged.needPackage, staged.needSidecar, staged.needWrapper], [false, false, false]);
  });

  it('recognises a host already at the target (permanent, or current with --no-permanent)', () => {
    const at = { releases: [{ version: '5.0.1', status: 'permanent' }, { version: '5.0.0', status: 'old' }] };
    assert.equal(judgeHost(host, probe, { ...status, ...at }, want).atTarget, true);
    const cur = { releases: [{ version: '5.0.1', status: 'current' }, { version: '5.0.0', status: 'permanent' }] };
    assert.equal(judgeHost(host, probe, { ...status, ...cur }, want).atTarget, false);
    assert.equal(judgeHost(host, probe, { ...status, ...cur }, { ...want, permanent: false }).atTarget, true);
    // An at-target host is not held to staging conditions (it will not be touched).
    assert.equal(judgeHost(host, { ...probe, packageSha: 'b'.repeat(64) }, { ...status, ...at }, want).atTarget, true);
  });

  it("checks the running version against the upgrade paths before any host is touched", () => {
    rejects({}, {}, { relup: { upFrom: ['4.4.9', '5.0.0-rc.1'], downTo: [] } }, 'NO_UPGRADE_PATH', 78, /^n1: runs 5\.0\.0, which the package's relup does not upgrade from \(it upgrades from 4\.4\.9, 5\.0\.0-rc\.1\); upgrade that host to one of those first/);
    const none = judgeHost(host, probe, status, { ...want, relup: null });
    assert.ok(none.warnings.some((w) => /^n1: the package has no releases\/5\.0\.1\/relup: release_handler will unpack 5\.0\.1 but cannot install it over 5\.0\.0$/.test(w)), none.warnings.join('\n'));
    // Going down, the host's running release's relup (from its --status) decides.
    const newer = { currentVersion: '5.0.2', releases: [{ version: '5.0.2', status: 'permanent' }] };
    const down: Want = { ...want, downgrade: true, relup: null };
    assert.equal(judgeHost(host, probe, { ...status, ...newer, relup: { version: '5.0.2', upFrom: ['5.0.1'], downTo: ['5.0.1'] } }, down).running, '5.0.2');
    rejects({}, { ...newer, relup: { version: '5.0.2', upFrom: ['5.0.1'], downTo: ['5.0.0'] } }, down, 'NO_UPGRADE_PATH', 78, /runs 5\.0\.2, which has a relup that downgrades only to 5\.0\.0, not to 5\.0\.1/);
    rejects({}, { ...newer, relup: null }, down, 'NO_UPGRADE_PATH', 78, /has no releases\/5\.0\.2\/relup, not to 5\.0\.1/);
    assert.equal(judgeHost(host, probe, { ...status, ...newer }, down).running, '5.0.2', 'a remote wrapper that does not report relup: its own check decides');
  });

  it('refuses wrong edition, dead node, direction, lock, bad staged files and low disk', () => {
    rejects({}, { edition: 'enterprise' }, {}, 'EDITION_MISMATCH', 78, /installation is enterprise but the package is community/);
    rejects({}, { nodeAlive: false }, {}, 'NODE_DOWN', 69, /not running/);
    rejects({}, { currentVersion: '5.1.0', releases: [] }, {}, 'USAGE', 64, /runs 5\.1\.0, newer than the target 5\.0\.1; pass --downgrade/);
    rejects({}, {}, { downgrade: true }, 'USAGE', 64, /older than the downgrade target/);
    rejects({}, { lockHolder: 4242 }, {}, 'LOCKED', 75, /pid 4242/);
    rejects({ packageSha: 'b'.repeat(64) }, {}, {}, 'CHECKSUM_MISMATCH', 65, /already exists with sha256 bbbbbbbbbbbbbbbb/);
    rejects({ sidecarSha: 'c'.repeat(64) }, {}, {}, 'CHECKSUM_MISMATCH', 65, /\.sha256 names sha256 cccc/);
    rejects({ availBytes: 1000 }, {}, {}, 'CANNOT_WRITE', 73, /MiB free .*MiB needed/);
    rejects({ hasSha256sum: false }, {}, {}, 'NOT_FOUND', 66, /sha256sum/);
  });

  it('allows a downgrade only with --downgrade', () => {
    const s = { currentVersion: '5.0.2', releases: [{ version: '5.0.2', status: 'permanent' }, { version: '5.0.1', status: 'old' }] };
    assert.equal(judgeHost(host, probe, { ...status, ...s }, { ...want, downgrade: true }).running, '5.0.2');
  });

  it('warns, not fails, when liveness or disk cannot be read', () => {
    const f = judgeHost(host, { ...probe, availBytes: null }, { ...status, nodeAlive: null }, want);
    assert.equal(f.warnings.length, 2);
  });

  it('needs room for the package plus unpacking', () => {
    assert.equal(requiredBytes(100 * 2 ** 20, false), 400 * 2 ** 20);
    assert.equal(requiredBytes(100 * 2 ** 20, true), 300 * 2 ** 20);
    assert.equal(requiredBytes(1, true), 64 * 2 ** 20);
  });
});
