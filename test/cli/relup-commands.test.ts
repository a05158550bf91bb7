// The list of emqx-relup commands: each name loads a module whose spec carries that name and a
// run; the specs load in list order; the exit codes every command shares are errors.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_NAMES, COMMANDS, COMMON_EXITS, loadSpecs } from '../../src/cli/relup-commands.js';
import { codeExit } from '../../src/errors.js';

test('each command name loads its own module: a spec of that name and a run', async () => {
  assert.deepEqual(COMMAND_NAMES, ['pack', 'inspect', 'rollout', 'status', 'completion']);
  for (const name of COMMAND_NAMES) {
    const m = await COMMANDS[name]!();
    assert.equal(m.spec.name, name);
    assert.equal(typeof m.run, 'function', name);
  }
  assert.deepEqual((await loadSpecs()).map((s) => s.name), COMMAND_NAMES);
});

test('the shared exit codes are the ones the errors carry', () => {
  assert.deepEqual(COMMON_EXITS.map(([code]) => code), [0, codeExit.USAGE, codeExit.INTERNAL]);
  assert.match(COMMON_EXITS[2]![1], /^internal error: a bug/);
});
