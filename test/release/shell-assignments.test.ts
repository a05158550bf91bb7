// emqx_vars as sh sees it, without running it: each case checked against a real `sh` sourcing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseShellAssignments } from '../../src/release/shell-assignments.js';
import { emqxVars, relupError } from './fixture.js';
import { tempDir } from '../helpers/support.js';

/** name -> value of the parsed table, dropping line numbers. */
function values(text: string, env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries([...parseShellAssignments(text, env)].map(([k, v]) => [k, v.value]));
}
function dynamicNames(text: string, env: Record<string, string> = {}): string[] {
  return [...parseShellAssignments(text, env)].filter(([, v]) => v.dynamic).map(([k]) => k);
}

// [description, file text, env, expected variables] — each is also checked against a real `sh`.
const CASES: Array<[string, string, Record<string, string>, Record<string, string>]> = [
  ['bare value', 'A=foo\n', {}, { A: 'foo' }],
  ['empty value', 'A=\nB=""\n', {}, { A: '', B: '' }],
  ['double quotes with blanks', 'A="a b  c"\n', {}, { A: 'a b  c' }],
  ['escapes in double quotes', 'A="q\\"b\\\\s\\$d\\`t\\x\\n"\n', {}, { A: 'q"b\\s$d`t\\x\\n' }],
  ['single quotes are literal', "A='$HOME \\n \"x\" ${Y:-z}'\n", { HOME: '/root' }, { A: '$HOME \\n "x" ${Y:-z}' }],
  ['escaped blank in a bare value', 'A=foo\\ bar\n', {}, { A: 'foo bar' }],
  ['mixed quoting in one word', 'A=a"b c"\'d e\'f\n', {}, { A: 'ab cd ef' }],
  ['export', 'export A=1\nexport B="x y"\nexport C\n', {}, { A: '1', B: 'x y' }],
  ['full-line and trailing comments', '# c\n  # indented\nA=1 # trailing\nB="x # y"\nC=b#c\n', {}, { A: '1', B: 'x # y', C: 'b#c' }],
  ['blank lines and indentation', '\n\n   \n\tA=1\n\n', {}, { A: '1' }],
  ['CRLF line endings', 'A="x"\r\nB=y\r\n# c\r\nC=\'z\'\r\n', {}, { A: 'x', B: 'y', C: 'z' }],
  ['$VAR and ${VAR} of earlier vars', 'A=one\nB="$A/two"\nC=${A}three\nD=$A$B\n', {}, { A: 'one', B: 'one/two', C: 'onethree', D: 'oneone/two' }],
  ['environment and file order', 'B="$A"\nA=file\nC="$A"\n', { A: 'env' }, { A: 'file', B: 'env', C: 'file' }],
  ['unset expands empty', 'A="x${NOPE}y$NOPE"\n', {}, { A: 'xy' }],
  [':- default', 'A="${X:-def}"\nB="${Y:-def}"\nC="${Z:-def}"\n', { Y: 'set', Z: '' }, { A: 'def', B: 'set', C: 'def' }],
  ['- default only when unset', 'A="${Z-def}"\nB=${X-d e}\n', { Z: '' }, { A: '', B: 'd e' }],
  [':= assigns', 'A="${X:=dflt}"\nB="$X"\n', {}, { A: 'dflt', B: 'dflt', X: 'dflt' }],
  [':+ alternative', 'A="${X:+alt}"\nB="${Y:+alt}"\n', { X: '1' }, { A: 'alt', B: '' }],
  ['${#VAR}', 'A=hello\nB=${#A}\n', {}, { A: 'hello', B: '5' }],
  ['nested defaults', 'A=base\nB="${X:-$A/lib}"\nC="${X:-${Y:-deep}}"\nD=${X:-"q s"}\n', {}, { A: 'base', B: 'base/lib', C: 'deep', D: 'q s' }],
  ['last assignment wins (appended lines)', 'REL_VSN="5.0.0"\nERTS_VSN="12.3"\nREL_VSN=5.0.1\nERTS_VSN=\'13.1.5\'\n', {}, { REL_VSN: '5.0.1', ERTS_VSN: '13.1.5' }],
  ['several assignments per line', 'A=1 B=$A; C=3\n', {}, { A: '1', B: '1', C: '3' }],
  ['assignment as command prefix sets nothing', 'A=0\nA=1 true\nB=2 echo "$B"\n', {}, { A: '0' }],
  ['junk lines ignored', '[ -z "$X" ] && X=1\nif [ "$A" = y ]; then\n  :\nfi\nf() { echo "it\'s"; }\nset -e\nA=ok\n', {}, { A: 'ok' }],
  ['multi-line double-quoted value', 'A="line1\nline2"\nB=after\n', {}, { A: 'line1\nline2', B: 'after' }],
  ['line continuation', 'A="one \\\ntwo"\nB=x\\\ny\n', {}, { A: 'one two', B: 'xy' }],
  ['lone dollar is literal', 'A=$\nB="a$"\nC="$ "\n', {}, { A: '$', B: 'a$', C: '$ ' }],
  ['quoted junk string spanning lines is skipped whole', 'echo "x\nA=wrong\n"\nB=right\n', {}, { B: 'right' }],
  ['names with digits and underscores', '_A1=x\nB_2=$_A1\n', {}, { _A1: 'x', B_2: 'x' }],
];

for (const [what, text, env, expected] of CASES) {
  test(`emqx_vars: ${what}`, () => {
    assert.deepEqual(values(text, env), expected);
    assert.deepEqual(dynamicNames(text, env), []);
  });
}

test('emqx_vars: the parser agrees with a real sh sourcing each case', (t) => {
  const dir = tempDir(t);
  // sh keeps the \r of CRLF lines in values; we drop it on purpose (an operator never means it).
  for (const [what, text, env, expected] of CASES.filter(([w]) => !w.startsWith('CRLF'))) {
    const file = path.join(dir, 'vars');
    fs.writeFileSync(file, text);
    const names = Object.keys(expected);
    const script = `. "$1" >/dev/null 2>&1; for n in ${names.join(' ')}; do eval "printf '%s\\\\0' \\"\\$$n\\""; done`;
    const r = spawnSync('sh', ['-c', script, 'sh', file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    const got = Object.fromEntries(r.stdout.split('\0').slice(0, -1).map((v, i) => [names[i], v]));
    assert.deepEqual(got, expected, what);
  }
});

test('emqx_vars: values needing a command are marked dynamic', () => {
  const table = parseShellAssignments('A="$(cd "$(dirname x)"/..; pwd -P)"\nB=`uname`\nC="$0"\nD="$A/bin"\nE=${X:?unset}\nF=${A%/*}\nG=plain\nH=${1}\n');
  assert.deepEqual(
    [...table].filter(([, v]) => v.dynamic).map(([k]) => k),
    ['A', 'B', 'C', 'D', 'E', 'F', 'H'],
  );
  assert.equal(table.get('G')?.dynamic, false);
  assert.equal(table.get('D')?.value, '/bin');
});

test('emqx_vars: a later plain assignment clears dynamic', () => {
  const table = parseShellAssignments('REL_VSN="$(cat v)"\nREL_VSN=5.0.1\n');
  assert.deepEqual(table.get('REL_VSN'), { value: '5.0.1', dynamic: false, line: 2 });
});

test('emqx_vars: the realistic EMQX file', () => {
  const table = parseShellAssignments(emqxVars({ append: 'REL_VSN="5.0.2"\nERTS_VSN="13.1.6"\n' }), { IS_ELIXIR: 'yes' });
  const v = (n: string) => table.get(n)?.value;
  assert.equal(v('REL_NAME'), 'emqx');
  assert.equal(v('REL_VSN'), '5.0.2');
  assert.equal(table.get('REL_VSN')?.line, 23);
  assert.equal(v('ERTS_VSN'), '13.1.6');
  assert.equal(v('IS_ENTERPRISE'), 'no');
  assert.equal(v('IS_ELIXIR'), 'yes');
  assert.equal(v('EMQX_DESCRIPTION'), 'EMQX Open Source');
  assert.equal(table.get('RUNNER_ROOT_DIR')?.dynamic, true);
  assert.equal(table.get('ERTS_DIR')?.dynamic, true);
  assert.equal(table.has('DEBUG'), false);
});

test('emqx_vars: an unterminated quote in an assignment is CONFIG with the line', () => {
  for (const [text, line, what] of [
    ['A=1\nB="open\n', 2, 'double quote'],
    ["A='open\n", 1, 'single quote'],
    ['\n\nA=${X:-x\n', 3, '${'],
    ['A=$(echo\n', 1, '$('],
    ['A=`echo\n', 1, 'backquote'],
  ] as const) {
    const e = relupError(() => parseShellAssignments(text, {}, '/r/releases/emqx_vars'));
    assert.equal(e.code, 'CONFIG');
    assert.equal(e.exitCode, 78);
    assert.match(e.message, new RegExp(`^/r/releases/emqx_vars line ${line}: unterminated ${what.replace(/[$(]/g, '\\$&')}`));
  }
});

test('emqx_vars: an unterminated quote in a junk line skips that line only', () => {
  assert.deepEqual(values("echo 'oops\nA=1\n"), { A: '1' });
});
