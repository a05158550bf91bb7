// The one parser of emqx-relup's commands, as plain data: what checkWords refuses and with which
// line, the integer options, the completion's view of a table, and every example of every
// command's help parsed by the parser it documents (so an example cannot name a gone option).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { checkWords, completionOf, intOption, parseCommand, type CommandSpec } from '../../src/cli/relup-parse.js';
import { loadSpecs } from '../../src/cli/relup-commands.js';

const spec: CommandSpec = {
  name: 'demo',
  synopsis: '<file> [options]',
  about: 'a demo',
  details: 'a demo command',
  options: {
    out: { type: 'string', describe: 'a directory' },
    json: { type: 'boolean', describe: 'JSON' },
    multiplex: { type: 'boolean', default: true, describe: 'on by default' },
    level: { describe: 'a number' },
    F: { type: 'string', describe: 'a one-letter option' },
    edition: { type: 'string', choices: ['community', 'enterprise'], describe: 'a fixed set' },
  },
  examples: [],
  exits: [[0, 'ok']],
};

function refusal(argv: string[]): string | null {
  try {
    checkWords(spec, argv);
    return null;
  } catch (e) {
    assert.ok(e instanceof RelupError);
    assert.equal(e.code, 'USAGE');
    assert.equal(e.exitCode, 64);
    return e.line;
  }
}

test('checkWords: accepted command lines', () => {
  for (const argv of [
    ['f'],
    ['f', '--out', 'd', '--json'],
    ['--out=d', 'f', '--no-multiplex'],
    ['-F', 'cfg', 'f', '-h'],
    ['--level', '-1'], // a negative number is a value; the command judges it
    ['f', '--out=--json'], // with '=', a value that looks like an option is a value
    ['-', '--json'],
    ['f', '--', '--bogus', '--out'], // after --, nothing is an option
  ]) {
    assert.equal(refusal(argv), null, argv.join(' '));
  }
});

test('checkWords: each refusal is one line naming the option and where to look', () => {
  const see = "see 'emqx-relup demo --help'";
  for (const [argv, line] of [
    [['f', '--bogus'], `unknown option --bogus for demo; ${see}`],
    [['f', '--jsn'], `unknown option --jsn for demo (did you mean --json?); ${see}`],
    [['f', '-x'], `unknown option -x for demo; ${see}`],
    [['f', '-Fcfg'], `unknown option -Fcfg for demo; ${see}`],
    [['f', '--out'], `--out needs a value; ${see}`],
    [['f', '--out', '--json'], `--out needs a value; ${see}`],
    [['f', '--out='], `--out needs a value; ${see}`],
    [['f', '--out', 'a', '--out=b'], `--out given twice; ${see}`],
    [['f', '--json=yes'], `--json takes no value; ${see}`],
    [['f', '--no-multiplex=1'], `--no-multiplex takes no value; ${see}`],
    [['--camelCase'], `unknown option --camelCase for demo; ${see}`],
  ] as const) {
    assert.equal(refusal([...argv]), line, argv.join(' '));
  }
});

test('parseCommand: values by name and camelCase, positionals as strings, the help', async () => {
  const p = await parseCommand(spec, ['123', '--out', 'd', '--level', '7', '--no-multiplex', '--', '--json']);
  assert.ok(p);
  assert.deepEqual(p._, ['123', '--json']);
  assert.equal(p.out, 'd');
  assert.equal(p.level, 7);
  assert.equal(p.multiplex, false);
  assert.equal(p.json, undefined);
  await assert.rejects(parseCommand(spec, ['--bogus']), (e: RelupError) => e.exitCode === 64 && /unknown option --bogus/.test(e.line));
});

test('intOption: integers >= min, and the refusal quotes what was typed', () => {
  assert.equal(intOption('rollout', 'batch', 3), 3);
  assert.equal(intOption('rollout', 'batch', '12'), 12);
  assert.equal(intOption('rollout', 'settle', 0, 0), 0);
  for (const [v, shown] of [
    ['two', '"two"'],
    [0, '0'],
    [2.5, '2.5'],
    ['', '""'],
    ['1e3', '"1e3"'],
    [undefined, 'undefined'],
  ] as const) {
    assert.throws(
      () => intOption('rollout', 'batch', v),
      (e: RelupError) => e.exitCode === 64 && e.line === `--batch must be an integer >= 1, got ${shown}; see 'emqx-relup rollout --help'`,
      String(v),
    );
  }
});

test('completionOf: every spelling, values and choices; --no-x only where x is on by default', () => {
  const c = completionOf(spec);
  assert.deepEqual(
    c.options.map((o) => `${o.name}${o.value ? '=' : ''}${o.choices ? `(${o.choices.join('|')})` : ''}`),
    ['--out=', '--json', '--multiplex', '--no-multiplex', '--level=', '-F=', '--edition=(community|enterprise)', '--help', '-h'],
  );
});

/** Shell words of an example: quotes, `\` + newline, a leading VAR=value, up to a pipe or redirection. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|([|>])|(\\\n)|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[3]) break;
    if (m[4]) continue;
    out.push(m[1] ?? m[2] ?? m[5]!);
  }
  while (out[0] && /^[A-Z_]+=/.test(out[0])) out.shift();
  return out;
}

test("every command's help has two or three examples, each one its own parser accepts, and its exit codes", async () => {
  const specs = await loadSpecs();
  assert.deepEqual(
    specs.map((s) => s.name),
    ['pack', 'inspect', 'rollout', 'status', 'completion'],
  );
  for (const s of specs) {
    assert.ok(s.examples.length >= 2 && s.examples.length <= 3, s.name);
    assert.ok(s.exits.some(([c]) => c === 0) && s.exits.some(([c]) => c === 64), `${s.name}: 0 and 64 listed`);
    for (const [cmd] of s.examples) {
      const w = words(cmd.replace(/^source <\(/, '').replace(/\)$/, ''));
      assert.equal(w[0], '$0', cmd);
      const parsed = await parseCommand(s, w.slice(1));
      assert.ok(parsed, cmd);
      assert.ok(parsed._.length >= 1 || s.name === 'completion' || s.name === 'status', `${cmd}: names what it works on`);
    }
  }
});
