// The rollout's audit trail on a real file system: what a rollout over the strict in-memory
// transport leaves in <state>.log, and how the log behaves when it cannot be written.
import { makePackage } from '../helpers/fake-root.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelupError } from '../../src/errors.js';
import { toolVersion } from '../../src/tool-version.js';
import { auditPath, capOutput, openAudit } from '../../src/rollout/audit.js';
import type { Progress } from '../../src/rollout/progress.js';
import { rollout, type RolloutOptions } from '../../src/rollout/run.js';
import { fakeHost, makeFake } from '../helpers/rollout-fake.js';
import { fileSha256 } from '../helpers/support.js';

const PKG = 'emqx-5.0.1.tar.gz';
const quiet = (notes: string[] = []): Progress => ({ phase() {}, event() {}, note: (m) => void notes.push(m), close() {} });
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, asserted field by field
type Line = Record<string, any>;
const lines = (file: string): Line[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);

async function setup(t: { after(fn: () => void): void }, hosts: Record<string, { upgradeExit?: number }>) {
  const dir = mkdtempSync(join(tmpdir(), 'relup-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A real package: the rollout reads its relup for the upgrade paths.
  const pkg = makePackage(dir, { version: '5.0.1' });
  const wrapper = join(dir, 'emqx.cjs');
  writeFileSync(wrapper, '// wrapper stand-in\n');
  const emqx = { kind: 'shipped' as const, node: 'node', localFile: wrapper, sha256: fileSha256(wrapper), name: `emqx-${toolVersion()}.cjs` };
  const fake = makeFake(
    { emqx, packageFile: PKG, packageSha: fileSha256(pkg), target: '5.0.1' },
    Object.fromEntries(Object.entries(hosts).map(([d, h]) => [d, fakeHost({ root: `/opt/${d}`, ...h })])),
  );
  const statePath = join(dir, 'emqx-5.0.1.rollout.json');
  const opts: RolloutOptions = {
    packagePath: pkg,
    hosts: Object.keys(hosts).map((dest) => ({ dest, root: `/opt/${dest}` })),
    batch: 1,
    stageParallel: 4,
    settleSec: 0,
    downgrade: false,
    permanent: true,
    statePath,
    dryRun: false,
    remote: { kind: 'shipped', node: 'node', localFile: wrapper },
    commandTimeoutMs: 1000,
    upgradeTimeoutMs: 1000,
  };
  return { dir, fake, opts, statePath, log: join(dir, 'emqx-5.0.1.rollout.log') };
}

describe('auditPath and capOutput', () => {
  it('puts the log beside the state file', () => {
    const table: [string, string][] = [
      ['/w/emqx-5.0.1.rollout.json', '/w/emqx-5.0.1.rollout.log'],
      ['/w/emqx-5.0.1.downgrade.rollout.json', '/w/emqx-5.0.1.downgrade.rollout.log'],
      ['state', 'state.log'],
      ['/w/s.state', '/w/s.state.log'],
    ];
    for (const [state, want] of table) assert.equal(auditPath(state), want);
  });

  it('keeps the end of long remote output and says how much was cut', () => {
    assert.equal(capOutput('short', 10), 'short');
    assert.equal(capOutput('0123456789', 10), '0123456789');
    assert.equal(capOutput('0123456789abc', 10), '[3 earlier characters cut]\n3456789abc');
  });
});

describe('the rollout audit log', () => {
  it('records every remote command with host, phase, exit status and output, phases, start and end', async (t) => {
    const w = await setup(t, { h1: {}, h2: { upgradeExit: 3 } });
    const r = await rollout(w.opts, w.fake, quiet(), { requested: false });
    assert.equal(r.error?.code, 'ROLLOUT_HALTED');
    assert.deepEqual(w.fake.unexpected, []);
    const log = lines(w.log);
    assert.ok(log.every((l) => typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time))), 'every line has a time');
    assert.equal(log[0]!.event, 'start');
    assert.equal(log[0]!.target, '5.0.1');
    assert.equal(log[0]!.state, w.statePath);
    assert.deepEqual(log[0]!.hosts, w.opts.hosts);
    assert.equal(log.at(-1)!.event, 'end');
    assert.equal(log.at(-1)!.ok, false);
    assert.equal(log.at(-1)!.error.code, 'ROLLOUT_HALTED');
    // One exec/copy line per call the hosts saw, in the same order per host.
    for (const h of ['h1', 'h2']) {
      const logged = log.filter((l) => (l.event === 'exec' || l.event === 'copy') && l.host === h);
      assert.equal(logged.length, w.fake.kinds(h).length, `${h}: every call logged`);
    }
    const pre = log.find((l) => l.event === 'exec' && l.host === 'h1' && l.stdin)!;
    assert.equal(pre.phase, 'preflight');
    assert.match(pre.command, / - --root=\/opt\/h1 --status --json$/);
    assert.equal(pre.exitCode, 0);
    assert.match(pre.stdout, /"currentVersion":"5\.0\.0"/);
    // The upgrade commands; the failed host's status read-back after them runs in the same phase.
    const up = log.filter((l) => l.event === 'exec' && l.phase === 'upgrading' && / upgrade 5\.0\.1$/.test(l.command));
    assert.deepEqual(up.map((l) => [l.host, l.exitCode]), [['h1', 0], ['h2', 3]]);
    assert.match(up[1]!.command, /--package \/opt\/h2\/releases\/emqx-5\.0\.1\.tar\.gz --require-checksum upgrade 5\.0\.1$/);
    assert.match(up[1]!.stderr, /release_handler:install_release failed/);
    // The gate starts from the status the upgrade command reported (in its run line): no command of its own here.
    assert.deepEqual(log.filter((l) => l.event === 'exec' && l.host === 'h1' && l.phase === 'gate'), []);
    assert.match(up[0]!.stdout, /\{"run":\{"id":"[^"]+","state":"ended","exitCode":0,"after":\{"root":"\/opt\/h1"/);
    assert.deepEqual(log.filter((l) => l.event === 'phase' && l.host === 'h2').map((l) => l.phase), ['preflight', 'ready', 'staging', 'staged', 'plan-check', 'queued', 'upgrading', 'failed']);
    assert.ok(log.some((l) => l.event === 'copy' && l.host === 'h1' && l.phase === 'staging' && l.files.some((f: string) => f.endsWith(PKG))));

    // A re-run appends to the same log.
    const before = log.length;
    // The same command again: a resume (h2 still fails), logged after the first run.
    const r2 = await rollout(w.opts, w.fake, quiet(), { requested: false });
    assert.equal(r2.resume?.kind, 'resume');
    const all = lines(w.log);
    assert.deepEqual(all.slice(0, before), log, 'earlier lines kept');
    assert.equal(all[before]!.event, 'start');
    assert.equal(all.at(-1)!.event, 'end');
    assert.equal(all.at(-1)!.error.code, r2.error?.code);
  });

  it('a dry run writes no log', async (t) => {
    const w = await setup(t, { h1: {} });
    const r = await rollout({ ...w.opts, dryRun: true }, w.fake, quiet(), { requested: false });
    assert.equal(r.ok, true);
    assert.equal(existsSync(w.log), false);
  });

  it('a log that cannot be created stops the rollout before any host is contacted', async (t) => {
    const w = await setup(t, { h1: {} });
    const statePath = join(w.dir, 'missing-dir', 'state.json');
    await assert.rejects(
      rollout({ ...w.opts, statePath }, w.fake, quiet(), { requested: false }),
      (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND' && e.exitCode === 66 && /missing-dir\/state\.log does not exist \(while writing the rollout audit log\)/.test(e.message),
    );
    assert.deepEqual(w.fake.calls, []);
  });

  it('a write that fails later only warns, once, and the records stop', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'relup-audit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'x.log');
    const warnings: string[] = [];
    const a = openAudit(path, { target: '5.0.1' }, (m) => warnings.push(m));
    a.record({ event: 'note', message: 'one' });
    rmSync(path);
    mkdirSync(path); // appending to a directory fails with EISDIR
    a.record({ event: 'note', message: 'two' });
    a.record({ event: 'note', message: 'three' });
    assert.deepEqual(warnings, [`cannot append to the audit log ${path} (EISDIR); the rollout goes on without it`]);
  });
});
