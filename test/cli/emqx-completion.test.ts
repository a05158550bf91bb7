// The wrapper's completion spec against its parser: every option offered where the wrapper takes
// it is one the parser accepts there, valued exactly when the parser wants a value, and what the
// parser refuses after a handed-on command is not offered there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emqxCompletion, emqxCompletionSpec, RUNNER_COMMANDS } from '../../src/cli/emqx-completion.js';
import { parseWrapperArgs, WRAPPER_OPTIONS } from '../../src/cli/emqx-args.js';
import { RelupError } from '../../src/errors.js';

const spec = emqxCompletionSpec();
const command = (name: string) => spec.commands.find((c) => c.name === name)!;
const valueFor = (o: { value: boolean }) => (o.value ? ['/opt/emqx'] : []);

test('hot-upgrade commands: every option offered parses there; one offered as valued needs its value', () => {
  for (const name of ['upgrade', 'unpack', 'install', 'downgrade', 'uninstall']) {
    for (const o of command(name).options) {
      if (['--help', '-h', '--version'].includes(o.name)) continue;
      assert.doesNotThrow(() => parseWrapperArgs([name, '5.0.1', o.name, ...valueFor(o)]), `${name} ${o.name}`);
      if (o.value) assert.throws(() => parseWrapperArgs([name, '5.0.1', o.name]), RelupError, `${o.name} without its value`);
    }
  }
});

test('after a handed-on command only --root, --dry-run and --json are offered, and the others are refused there', () => {
  for (const name of RUNNER_COMMANDS) {
    const offered = command(name).options.map((o) => o.name);
    assert.deepEqual(offered, ['--root', '--dry-run', '--json'], name);
    assert.doesNotThrow(() => parseWrapperArgs([name, '--root', '/opt/emqx', '--dry-run', '--json']), name);
    for (const other of WRAPPER_OPTIONS.filter((w) => !offered.includes(w))) {
      assert.throws(() => parseWrapperArgs([name, other, ...(other === '--package' ? ['p.tar.gz'] : [])]), (e: unknown) => e instanceof RelupError && e.code === 'USAGE', `${name} ${other}`);
    }
  }
});

test('the commands: the five hot-upgrade ones, versions, the runner commands, completion with its shells', () => {
  assert.deepEqual(
    spec.commands.map((c) => c.name).sort(),
    ['completion', 'downgrade', 'install', 'uninstall', 'unpack', 'upgrade', 'versions', ...RUNNER_COMMANDS].sort(),
  );
  assert.deepEqual(command('completion').args, ['bash', 'zsh']);
  assert.ok(spec.global.some((o) => o.name === '--root' && o.value));
});

test('emqxCompletion: a script for bash and zsh; an unknown shell is a usage error naming both', () => {
  assert.match(emqxCompletion(['bash'], {}), /complete -o default -F __emqx_complete emqx\n$/);
  assert.match(emqxCompletion([], { SHELL: '/bin/zsh' }), /compdef|compadd/);
  assert.throws(
    () => emqxCompletion(['fish'], {}),
    (e: unknown) => e instanceof RelupError && e.exitCode === 64 && e.line === `no completion for "fish": bash or zsh; run 'emqx completion bash' or 'emqx completion zsh'`,
  );
});
