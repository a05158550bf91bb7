import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrapperArgs } from '../../src/cli/emqx-args.js';
import { RelupError } from '../../src/errors.js';

test('wrapper options are stripped anywhere in a hot-upgrade command; escript args pass through', () => {
  const a = parseWrapperArgs(['--root', '/r', 'upgrade', '--dry-run', '5.0.1', '--no-permanent', '--json', '--package=/p/emqx-5.0.1.tar.gz', 'extra']);
  assert.equal(a.root, '/r');
  assert.equal(a.dryRun, true);
  assert.equal(a.json, true);
  assert.equal(a.package, '/p/emqx-5.0.1.tar.gz');
  assert.deepEqual(a.relup, { command: 'upgrade', target: '5.0.1', passArgs: ['--no-permanent', 'extra'] });
});

test('after -- nothing is taken as a wrapper option', () => {
  const a = parseWrapperArgs(['install', '5.0.1', '--', '--json']);
  assert.equal(a.json, false);
  assert.deepEqual(a.relup?.passArgs, ['--json']);
});

test('passed-through commands keep every argument, even ones that look like ours', () => {
  const a = parseWrapperArgs(['--root=/r', 'ctl', 'cluster', 'status', '--json', '--root', 'x']);
  assert.equal(a.command, 'ctl');
  assert.equal(a.relup, null);
  assert.equal(a.json, false);
  assert.equal(a.root, '/r');
  assert.deepEqual(a.rest, ['cluster', 'status', '--json', '--root', 'x']);
});

test('versions takes no target', () => {
  assert.deepEqual(parseWrapperArgs(['versions']).relup, { command: 'versions', target: null, passArgs: [] });
});

test('usage errors exit 64 with a hint', () => {
  const bad = [['upgrade'], ['--root'], ['--root', '--json', 'upgrade', '5.0.1'], ['--frobnicate', 'upgrade', '5.0.1'], ['--root', 'a', '--root', 'b', 'ping'], ['upgrade', '--package']];
  for (const argv of bad) {
    assert.throws(() => parseWrapperArgs(argv), (e: RelupError) => e.code === 'USAGE' && e.exitCode === 64 && e.line.includes('emqx --help'), argv.join(' '));
  }
});

test('only options: no command', () => {
  const a = parseWrapperArgs(['--status', '--json']);
  assert.equal(a.command, null);
  assert.equal(a.status, true);
});
