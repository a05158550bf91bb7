import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf, memberOrder, planTree, scriptIndex, scriptNames, type TreeParams } from '../../../scripts/bench/layout.js';

const params: TreeParams = {
  seed: 7,
  version: '5.0.1',
  ertsVersion: '12.3.2',
  fileCount: 5000,
  rawBytes: 275e6,
  incompressibleFraction: 0.15,
  longPaths: 120,
};

test('the planned tree has the asked file count, size, incompressible share and long paths', () => {
  const tree = planTree(params);
  assert.equal(tree.files.length + tree.scripts.length, 5000);
  const total = tree.files.reduce((s, f) => s + f.size, 0);
  assert.ok(Math.abs(total / params.rawBytes - 1) < 0.001, `total ${total}`);
  const random = tree.files.filter((f) => f.kind === 'random').reduce((s, f) => s + f.size, 0);
  assert.ok(Math.abs(random / total - 0.15) < 0.001);
  assert.ok(tree.files.filter((f) => f.path.length > 100).length >= 120);
  assert.ok(tree.files.some((f) => f.path.length > 255), 'some names need more than ustar can hold');
  assert.equal(new Set(tree.files.map((f) => f.path)).size, tree.files.length);
  assert.deepEqual(tree.scripts.map((s) => s.path), scriptNames('5.0.1'));
});

test('planning is deterministic in its parameters', () => {
  assert.deepEqual(planTree(params), planTree(params));
  assert.notDeepEqual(planTree(params).files, planTree({ ...params, seed: 8 }).files);
});

test('kindOf: already-compressed assets and binaries are incompressible', () => {
  assert.equal(kindOf('lib/jiffy-1.0.0/priv/jiffy.so'), 'random');
  assert.equal(kindOf('erts-12.3.2/bin/beam.smp'), 'random');
  assert.equal(kindOf('lib/emqx-5.0.1/ebin/emqx.beam'), 'text');
});

test('layouts put the two scripts first, at the byte midpoint, last, or nowhere', () => {
  const tree = planTree(params);
  const [a, b] = scriptNames('5.0.1');
  const first = memberOrder(tree, 'first');
  assert.deepEqual(first.slice(0, 2), [a, b]);
  const last = memberOrder(tree, 'last');
  assert.deepEqual(last.slice(-2), [a, b]);
  assert.ok(!memberOrder(tree, 'none').includes(a as string));

  const middle = memberOrder(tree, 'middle');
  const at = scriptIndex(tree.files, 'middle');
  const before = tree.files.slice(0, at).reduce((s, f) => s + f.size, 0);
  const total = tree.files.reduce((s, f) => s + f.size, 0);
  assert.ok(before >= total / 2 && before - (tree.files[at - 1]?.size ?? 0) < total / 2);
  assert.equal(middle[middle.indexOf(a as string) + 1], b);
});

test('every directory entry comes before its children, each once', () => {
  const order = memberOrder(planTree(params), 'last', ['copy-1']);
  const pos = new Map(order.map((p, i) => [p, i]));
  assert.equal(pos.size, order.length);
  for (const [p, i] of pos) {
    const slash = p.lastIndexOf('/');
    if (slash > 0 && !p.startsWith('bin/emqx-') && !p.startsWith('bin/install_upgrade')) {
      assert.ok((pos.get(p.slice(0, slash)) ?? Infinity) < i, `${p} before its directory`);
    }
  }
  assert.ok(order.includes('copy-1/lib'));
  assert.equal(order.filter((p) => p.endsWith('bin/emqx-5.0.1')).length, 1);
});
