import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrapperArgs, WRAPPER_HELP } from '../../src/cli/emqx-args.js';
import { codeExit, type RelupError } from '../../src/errors.js';

test('wrapper options are stripped anywhere in a hot-upgrade command; escript args pass through', () => {
  const a = parseWrapperArgs(['--root', '/r', 'upgrade', '--dry-run', '5.0.1', '--no-permanent', '--json', '--package=/p/emqx-5.0.1.tar.gz', '--', 'extra']);
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

test('passed-through commands keep every other word; --root and --dry-run after the command are honoured, not passed on', () => {
  const a = parseWrapperArgs(['ctl', 'cluster', 'status', '--root', '/r', '--format', 'json', '-h', '--help', '--version', '--dry-run']);
  assert.equal(a.command, 'ctl');
  assert.equal(a.relup, null);
  assert.equal(a.root, '/r');
  assert.equal(a.dryRun, true);
  assert.equal(a.version, false, "ctl's own --version");
  assert.deepEqual(a.rest, ['cluster', 'status', '--format', 'json', '-h', '--help', '--version']);
  const b = parseWrapperArgs(['stop', '--root=/r', '--dry-run', '--json']);
  assert.deepEqual([b.root, b.dryRun, b.json, b.rest], ['/r', true, true, []]);
  assert.equal(parseWrapperArgs(['--json', 'ping', '--dry-run']).json, true);
});

test('after -- a passed-through command gets every word verbatim; the first -- is the wrapper\'s', () => {
  const a = parseWrapperArgs(['ctl', 'conf', '--', '--json', '--root', 'x', '--status', '--', 'y']);
  assert.deepEqual([a.json, a.root, a.status], [false, null, false]);
  assert.deepEqual(a.rest, ['conf', '--json', '--root', 'x', '--status', '--', 'y']);
});

const refused = (argv: string[], re: RegExp) =>
  assert.throws(() => parseWrapperArgs(argv), (e: RelupError) => e.code === 'USAGE' && e.exitCode === 64 && re.test(e.line) && !e.line.includes('\n'), argv.join(' '));

test('--package, --require-checksum, --status and a lone --json after a passed-through command are refused (64)', () => {
  refused(['stop', '--package', 'p.tar.gz'], /--package means nothing for 'stop'.*'emqx stop -- --package'/);
  refused(['stop', '--package=p.tar.gz'], /--package means nothing/);
  refused(['start', '--require-checksum'], /--require-checksum means nothing for 'start'/);
  refused(['ping', '--status'], /--status means nothing for 'ping'/);
  refused(['ctl', 'conf', 'show', '--json'], /--json after 'ctl'.*--dry-run.*'emqx ctl -- --json'/);
  refused(['stop', '--root'], /--root needs a value/);
  refused(['--root', '/a', 'stop', '--root', '/b'], /--root given twice/);
  refused(['stop', '--dry-run=yes'], /--dry-run takes no value/);
});

test('hot-upgrade commands: --no-permanent passes, any other option is refused naming the known ones', () => {
  assert.deepEqual(parseWrapperArgs(['install', '5.0.1', '--no-permanent']).relup?.passArgs, ['--no-permanent']);
  refused(['upgrade', '5.0.1', '--no-permanet'], /unknown option "--no-permanet" for 'upgrade' \(did you mean --no-permanent\?\); known: --no-permanent, --root/);
  refused(['upgrade', '5.0.1', '--dryrun'], /did you mean --dry-run\?/);
  refused(['upgrade', '--frobnicate', '5.0.1'], /unknown option "--frobnicate" for 'upgrade'; known: /);
  refused(['unpack', '5.0.1', '-x'], /unknown option "-x" for 'unpack'; known: .*after --/);
  refused(['versions', '--no-such'], /unknown option "--no-such" for 'versions'/);
  refused(['upgrade', '5.0.1', '--no-permanent=1'], /unknown option/);
  refused(['--dryrun', 'upgrade', '5.0.1'], /unknown option "--dryrun" before the command \(did you mean --dry-run\?\)/);
  assert.deepEqual(parseWrapperArgs(['upgrade', '5.0.1', '--', '--no-permanet', 'x']).relup?.passArgs, ['--no-permanet', 'x']);
});

test('a second target is refused (64), and versions takes none', () => {
  refused(['upgrade', '5.0.1', '5.0.2'], /'upgrade' takes one target, got "5.0.1" and "5.0.2"/);
  refused(['downgrade', '5.0.0', '--no-permanent', 'x'], /takes one target/);
  refused(['versions', '5.0.1'], /'versions' takes no target/);
});

test('--version, before the command or in a hot-upgrade command', () => {
  assert.equal(parseWrapperArgs(['--version']).version, true);
  assert.equal(parseWrapperArgs(['upgrade', '--version']).version, true);
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

test('the wrapper help states the exit codes the errors carry: a bug is 79, apart from the refusals of 70', () => {
  const exits = WRAPPER_HELP.slice(WRAPPER_HELP.indexOf('Exit codes')).replace(/\s+/g, ' ');
  for (const [code, says] of [
    ['INTERNAL', 'internal error \\(a bug\\)'],
    ['REEXEC_LOOP', 'a refused second hand-over'],
    ['NODE_DOWN', 'node down'],
    ['LOCKED', 'locked by another run'],
    ['NO_UPGRADE_PATH', 'configuration \\(emqx_vars, edition, ambiguous packages, no upgrade path, a cookie that is not the node\'s, hot patches\\)'],
    ['PACKAGE_CHANGED', 'locked by another run, or the package replaced during the run'],
  ] as const) {
    assert.match(exits, new RegExp(`[;:] ${codeExit[code]} ${says}`), code);
  }
});
