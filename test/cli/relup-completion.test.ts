// emqx-relup's completion spec, made from the specs handed in: every command with its own
// options (help included, --no-x only where x is on by default), `help` offering the commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relupCompletionSpec, run } from '../../src/cli/relup-completion.js';
import { loadSpecs } from '../../src/cli/relup-commands.js';
import type { CommandSpec } from '../../src/cli/relup-parse.js';
import { RelupError } from '../../src/errors.js';

test('every command and its options; help offers the command names', async () => {
  const specs = await loadSpecs();
  const c = relupCompletionSpec(specs);
  assert.equal(c.prog, 'emqx-relup');
  assert.deepEqual(c.commands.map((x) => x.name), [...specs.map((s) => s.name), 'help']);
  assert.deepEqual(c.commands.at(-1), { name: 'help', options: [], args: specs.map((s) => s.name) });
  const rollout = c.commands.find((x) => x.name === 'rollout')!;
  const names = rollout.options.map((o) => o.name);
  for (const n of ['--batch', '--on-failure', '-F', '--help', '-h', '--no-multiplex']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('--no-json'), '--no-x only for an option on by default');
  assert.deepEqual(rollout.options.find((o) => o.name === '--on-failure')?.choices, ['halt', 'rollback', 'rollback-all']);
  assert.deepEqual(c.commands.find((x) => x.name === 'completion')?.args, ['bash', 'zsh']);
});

test('only the specs handed in are completed', () => {
  const one: CommandSpec = { name: 'only', synopsis: '', about: 'x', details: '', options: { json: { type: 'boolean', describe: 'j' } }, examples: [], exits: [] };
  const c = relupCompletionSpec([one]);
  assert.deepEqual(c.commands.map((x) => x.name), ['only', 'help']);
  assert.deepEqual(c.commands[0]!.options.map((o) => o.name), ['--json', '--help', '-h']);
});

test('an unknown shell is a usage error pointing at the command help, before any spec is loaded', async () => {
  let loaded = false;
  await assert.rejects(
    run(['fish'], {
      specs: async () => {
        loaded = true;
        return [];
      },
    }),
    (e: unknown) => e instanceof RelupError && e.exitCode === 64 && e.line === `no completion for "fish": bash or zsh; see 'emqx-relup completion --help'`,
  );
  assert.equal(loaded, false);
});
