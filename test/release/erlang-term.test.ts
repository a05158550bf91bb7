// The Erlang term reader and quoting, against the real thing: terms printed by erl with ~p (as
// release_handler and systools write release files) are read back to what they hold, and the
// atoms and strings we quote for escripts are read back by erl to exactly the text we quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { erlAtom, erlString, lineAt, parseErlangTerm, stringOf, type Term, TermSyntaxError } from '../../src/release/erlang-term.js';

/** Runs `expr` (which must print to stdout) in a fresh erl, Unicode file names and output. */
function erl(expr: string): string {
  const r = spawnSync('erl', ['+fnu', '-noshell', '-eval', `${expr}, halt().`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `erl: ${r.stderr}`);
  return r.stdout;
}

const atom = (v: string): Term => ({ t: 'atom', v });
const num = (v: number): Term => ({ t: 'number', v });
const str = (v: string): Term => ({ t: 'string', v });

test('terms erl prints with ~p read back to what they hold', () => {
  const printed = erl(
    'io:format("~tp.~n", [{release, "emqx", "5.0.1", [{kernel, "8.5.3", "/opt/x y/lib"}], permanent, ' +
      "'Quoted Atom', 'a\\'b', -42, 16#ff, 1.5, $a, [1, 2 | tail], <<\"bin\">>, <<1, 2, 255>>, #{k => [v]}, [], {}, " +
      'lists:duplicate(30, "long string piece "), "tab\\there", [200, 300]}])',
  );
  const t = parseErlangTerm(printed);
  assert.equal(t.t, 'tuple');
  const items = (t as { items: Term[] }).items;
  assert.deepEqual(items.slice(0, 5), [
    atom('release'),
    str('emqx'),
    str('5.0.1'),
    { t: 'list', items: [{ t: 'tuple', items: [atom('kernel'), str('8.5.3'), str('/opt/x y/lib')] }] },
    atom('permanent'),
  ]);
  assert.deepEqual(items.slice(5, 11), [atom('Quoted Atom'), atom("a'b"), num(-42), num(255), num(1.5), num(97)]);
  assert.deepEqual(items[11], { t: 'list', items: [num(1), num(2)], tail: atom('tail') });
  assert.deepEqual(items.slice(12, 17), [
    { t: 'binary', v: 'bin' },
    { t: 'binary', v: '\x01\x02\xff' },
    { t: 'map', entries: [[atom('k'), { t: 'list', items: [atom('v')] }]] },
    { t: 'list', items: [] },
    { t: 'tuple', items: [] },
  ]);
  // ~p splits a long list of strings over lines; each string comes back whole.
  const pieces = items[17] as { t: 'list'; items: Term[] };
  assert.equal(pieces.items.length, 30);
  for (const p of pieces.items) assert.deepEqual(p, str('long string piece '));
  assert.deepEqual(items[18], str('tab\there'));
  assert.equal(stringOf(items[19]), '\u00c8\u012c');
});

test('our quoted atoms and strings are read by erl as exactly the text we quoted', () => {
  const texts = ["plain", "it's", 'back\\slash', 'new\nline', 'tab\tand\x7fdel', 'emqx@127.0.0.1', 'quote"d', 'ünïcödé'];
  const terms = texts.map((s) => `{${erlAtom(s)}, ${erlString(s)}}`).join(', ');
  // Printed back as lists of code points, so no printing rule of Erlang's is involved.
  const out = erl(`[io:format("~w ~w~n", [atom_to_list(A), S]) || {A, S} <- [${terms}]]`);
  const lines = out.trim().split('\n');
  assert.equal(lines.length, texts.length, out);
  lines.forEach((line, i) => {
    const [a, s] = line.split(' ');
    const expected = JSON.stringify([...texts[i]!].map((c) => c.codePointAt(0)));
    assert.equal(a, expected, `atom of ${JSON.stringify(texts[i])}`);
    assert.equal(s, expected, `string of ${JSON.stringify(texts[i])}`);
  });
});

test('quoting and reading are inverse: what we quote parses back to the same text', () => {
  for (const s of ["it's", 'a\\b', 'c\r\nd', '\x00\x1f', 'x{y}', '']) {
    assert.deepEqual(parseErlangTerm(`${erlAtom(s)}.`), atom(s), JSON.stringify(s));
    assert.deepEqual(parseErlangTerm(`${erlString(s)}.`), str(s), JSON.stringify(s));
  }
});

test('escapes, comments, based numbers and character literals', () => {
  assert.deepEqual(parseErlangTerm('"\\101\\x41\\x{1F600}\\^A\\s\\e\\d\\q". % trailing comment\n'), str('AA\u{1F600}\x01 \x1b\x7fq'));
  assert.deepEqual(parseErlangTerm('% first\n[2#101, -8#17, 36#z, $\\n, $\\\\].'), { t: 'list', items: [num(5), num(-15), num(35), num(10), num(92)] });
  assert.deepEqual(parseErlangTerm('<<"a":8, 98/integer, "c"/utf8>>.'), { t: 'binary', v: 'abc' });
  assert.deepEqual(parseErlangTerm('#{}.'), { t: 'map', entries: [] });
});

test('a syntax error names what was expected, at its position; lineAt turns it into a line', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /unexpected end of file/],
    ['{a, b}', /expected \. after the term/],
    ['{a, b}. extra', /text after the final \./],
    ['{a b}.', /expected , or \}/],
    ['[a | b c].', /expected \]/],
    ['"open.', /unterminated string/],
    ["'open.", /unterminated quoted atom/],
    ['"\\x".', /bad \\x escape/],
    ['<<1/Bad>>.', /bad binary segment type/],
    ['#{a => 1 b}.', /expected , or \}/],
    ['#{a 1}.', /expected =>/],
    ['Var.', /unexpected "V"/],
    ['fun() -> ok end.', /expected \. after the term/],
  ];
  for (const [text, says] of cases) {
    assert.throws(() => parseErlangTerm(text), (e: unknown) => e instanceof TermSyntaxError && says.test(e.message) && e.pos >= 0 && e.pos <= text.length, JSON.stringify(text));
  }
  const text = '[{release,\n  "emqx",\n  oops oops}].';
  try {
    parseErlangTerm(text);
    assert.fail('parsed');
  } catch (e) {
    assert.ok(e instanceof TermSyntaxError);
    assert.equal(lineAt(text, e.pos), 3);
  }
});

test('stringOf: a string, or a proper list of character codes; nothing else', () => {
  assert.equal(stringOf(str('x')), 'x');
  assert.equal(stringOf({ t: 'list', items: [num(104), num(105)] }), 'hi');
  assert.equal(stringOf({ t: 'list', items: [] }), '');
  for (const t of [atom('x'), num(1), { t: 'list', items: [num(104)], tail: str('i') }, { t: 'list', items: [num(-1)] }, { t: 'list', items: [num(1.5)] }, { t: 'list', items: [num(0x110000)] }, { t: 'list', items: [atom('a')] }, undefined] as const) {
    assert.equal(stringOf(t as Term | undefined), null, JSON.stringify(t));
  }
});
