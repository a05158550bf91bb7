// `emqx --status`: the running release's upgrade paths and the releases an earlier attempt left
// half-way (stuck unpacked, current but not permanent), each with the command that clears it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stuckReleases } from '../../src/node/status.js';
import type { RelupFact } from '../../src/release/index.js';
import { makeFakeRoot, runWrapper } from '../helpers/fake-root.js';

const found = (version: string, upFrom: string[], downTo: string[]): RelupFact => ({ kind: 'found', file: `releases/${version}/relup`, relup: { version, upFrom, downTo } });

test('stuckReleases: every kind of leftover, and none when RELEASES is clean', () => {
  const relups: Record<string, RelupFact> = {
    '5.0.0': found('5.0.0', [], []),
    '5.0.1': found('5.0.1', ['5.0.0'], ['5.0.0']),
    '5.0.2': found('5.0.2', ['5.0.1'], ['5.0.1']),
    '5.0.3': { kind: 'absent', file: 'releases/5.0.3/relup' },
  };
  const of = (v: string) => relups[v]!;
  assert.deepEqual(stuckReleases([{ version: '5.0.0', status: 'permanent' }, { version: '4.4.9', status: 'old' }], '5.0.0', of), []);
  const rows = stuckReleases(
    [
      { version: '5.0.1', status: 'unpacked' },
      { version: '5.0.2', status: 'unpacked' },
      { version: '5.0.3', status: 'unpacked' },
      { version: '5.0.0', status: 'permanent' },
    ],
    '5.0.0',
    of,
  );
  assert.deepEqual(
    rows.map((r) => [r.version, r.clear]),
    [
      ['5.0.1', 'emqx install 5.0.1, or emqx uninstall 5.0.1'],
      ['5.0.2', 'emqx uninstall 5.0.2'],
      ['5.0.3', 'emqx uninstall 5.0.3'],
    ],
  );
  assert.equal(rows[0]!.problem, 'unpacked, not installed');
  assert.match(rows[1]!.problem, /release_handler cannot install it: no relup leads from the running 5\.0\.0 to it \(releases\/5\.0\.2\/relup upgrades only from 5\.0\.1\)/);
  assert.match(rows[2]!.problem, /releases\/5\.0\.3\/relup is missing/);
  // Unpacked and older than the running release: the running release's relup decides.
  const older = stuckReleases([{ version: '5.0.0', status: 'unpacked' }, { version: '5.0.2', status: 'permanent' }], '5.0.2', of);
  assert.match(older[0]!.problem, /releases\/5\.0\.2\/relup downgrades only to 5\.0\.1/);
  const current = stuckReleases([{ version: '5.0.1', status: 'current' }, { version: '5.0.0', status: 'permanent' }], '5.0.1', of);
  assert.deepEqual(current, [
    { version: '5.0.1', status: 'current', problem: 'runs but is not permanent: a restart of the node goes back to 5.0.0', clear: 'emqx install 5.0.1 (makes it permanent), or emqx downgrade 5.0.0' },
  ]);
});

test('emqx --status names a release stuck unpacked and the running relup, text and --json', (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const rel = join(fr.root, 'releases');
  mkdirSync(join(rel, '5.0.2'));
  writeFileSync(join(rel, '5.0.2', 'relup'), '{"5.0.2",[{"5.0.1",[],[]}],[{"5.0.1",[],[]}]}.\n');
  writeFileSync(join(rel, 'RELEASES'), '[{release,"emqx","5.0.2","13.1.5",[],unpacked},{release,"emqx","5.0.0","13.1.5",[],permanent}].\n');
  const snap = fr.snapshot(rel);
  const j = runWrapper(['--root', fr.root, '--status', '--json']);
  assert.equal(j.status, 0, j.stderr);
  const s = JSON.parse(j.stdout);
  assert.deepEqual(s.relup, { version: '5.0.0', upFrom: ['4.4.9'], downTo: ['4.4.9'] });
  assert.equal(s.stuck.length, 1);
  assert.equal(s.stuck[0].clear, 'emqx uninstall 5.0.2');
  const text = runWrapper(['--root', fr.root, '--status']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^relup: {5}5\.0\.0 up from 4\.4\.9; down to 4\.4\.9$/m);
  assert.match(text.stdout, /^stuck: {5}5\.0\.2 unpacked, and release_handler cannot install it: no relup leads from the running 5\.0\.0 to it .*; clear it: emqx uninstall 5\.0\.2$/m);
  assert.equal(fr.snapshot(rel), snap, 'nothing changed');
});

test('--status starts nodetool once for a live node (eval of nodes()); the ping runs only when that eval fails', (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const status = () => {
    const before = fr.calls().length;
    const r = runWrapper(['--root', fr.root, '--status', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const nodetool = fr.calls().slice(before).filter((c) => Array.isArray(c.args) && /nodetool$/.test(c.args[0] ?? ''));
    return { s, runs: nodetool.map((c) => ((c.args as string[]).includes('eval') ? 'eval' : (c.args as string[]).at(-1))) };
  };
  writeFileSync(join(fr.root, 'node-up'), '');
  writeFileSync(join(fr.root, 'peers'), '["b@h","a@h"]');
  let { s, runs } = status();
  assert.deepEqual(runs, ['eval']);
  assert.equal(s.nodeAlive, true);
  assert.deepEqual(s.peers, ['a@h', 'b@h']);

  writeFileSync(join(fr.root, 'peers'), 'no list');
  ({ s, runs } = status());
  assert.deepEqual(runs, ['eval', 'ping'], 'an eval that gives no list: the ping decides');
  assert.equal(s.nodeAlive, true);
  assert.equal(s.peers, null);
  assert.ok(s.warnings.some((w: string) => w.startsWith('cluster peers not read (nodetool eval nodes() failed): no list')), s.warnings.join('\n'));

  rmSync(join(fr.root, 'node-up'));
  ({ s, runs } = status());
  assert.deepEqual(runs, ['eval', 'ping']);
  assert.equal(s.nodeAlive, false);
  assert.equal(s.nodetoolError, null);
  assert.ok(!s.warnings.some((w: string) => w.includes('peers')), 'no peers warning for a node that is down');

  writeFileSync(join(fr.root, 'nodetool-crash'), 'exception error: no match of right hand side value false\n');
  ({ s, runs } = status());
  assert.deepEqual(runs, ['eval', 'ping']);
  assert.equal(s.nodeAlive, null);
  assert.match(s.nodetoolError, /no match of right hand side value false/);
});
