// "Did you mean": the nearest known word within two edits, else none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distance, nearest } from '../../src/cli/nearest.js';

test('edit distance: insertions, deletions and substitutions each cost one', () => {
  assert.equal(distance('', ''), 0);
  assert.equal(distance('--json', '--json'), 0);
  assert.equal(distance('--jsn', '--json'), 1);
  assert.equal(distance('--stage-paralel', '--stage-parallel'), 1);
  assert.equal(distance('pak', 'pack'), 1);
  assert.equal(distance('rolout', 'rollout'), 1);
  assert.equal(distance('kitten', 'sitting'), 3);
  assert.equal(distance('', 'abc'), 3);
});

test('nearest: the closest known word within two edits, the first of equals, null beyond', () => {
  const known = ['--root', '--package', '--require-checksum', '--dry-run', '--json', '--status'];
  assert.equal(nearest('--rot', known), '--root');
  assert.equal(nearest('--pakage', known), '--package');
  assert.equal(nearest('--dryrun', known), '--dry-run');
  assert.equal(nearest('--no-permanet', ['--no-permanent']), '--no-permanent');
  assert.equal(nearest('--ab', ['--a', '--b']), '--a', 'ties: the first');
  assert.equal(nearest('--verbose', known), null);
  assert.equal(nearest('xyz', []), null);
});
