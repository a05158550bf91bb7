import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseErlangTerm, parseReleasesFile, readReleasesFile } from '../../src/release/index.js';
import { relupError, writeTree } from './fixture.js';
import { tempDir } from '../helpers/support.js';

const rel = (vsn: string) => `{release, {"emqx", "${vsn}"}, {erts, "13.1.5"}, [{kernel, "8.5.3"}, {stdlib, "4.2"}, {sasl, "4.2"}]}.\n`;

test('RELEASES written by the real release_handler (create_RELEASES/4, then set_unpacked/2)', (t) => {
  const root = tempDir(t);
  // A library directory whose name needs escaping in the term: quotes, backslash, non-ASCII.
  const weird = path.join(root, 'lib "q" \\ ü');
  fs.mkdirSync(path.join(weird, 'kernel-8.5.3'), { recursive: true });
  writeTree(root, {
    'releases/5.0.1/emqx.rel': rel('5.0.1'),
    'releases/5.0.2-rc.1/emqx.rel': rel('5.0.2-rc.1'),
    'releases/5.6.1+patch.A/emqx.rel': rel('5.6.1+patch.A'),
  });
  const step = (what: string, call: string) => `case ${call} of ok -> ok; {ok, _} -> ok; Err${what} -> io:format(standard_error, "~p~n", [Err${what}]), halt(3) end`;
  const erl = [
    'try',
    '  Root = os:getenv("RELUP_ROOT"), RelDir = filename:join(Root, "releases"),',
    `  ${step('C', 'release_handler:create_RELEASES(Root, RelDir, filename:join(RelDir, "5.0.1/emqx.rel"), [])')},`,
    '  {ok, First} = file:read_file(filename:join(RelDir, "RELEASES")),',
    '  ok = file:write_file(filename:join(Root, "RELEASES.created"), First),',
    '  ok = application:set_env(sasl, releases_dir, RelDir),',
    '  ok = application:start(sasl),',
    `  ${step('U1', 'release_handler:set_unpacked(filename:join(RelDir, "5.0.2-rc.1/emqx.rel"), [{kernel, "8.5.3", os:getenv("RELUP_WEIRD")}])')},`,
    `  ${step('U2', 'release_handler:set_unpacked(filename:join(RelDir, "5.6.1+patch.A/emqx.rel"), [])')},`,
    '  halt(0)',
    'catch C:E:S -> io:format(standard_error, "~p:~p ~p~n", [C, E, S]), halt(2)',
    'end.',
  ].join('\n');
  const r = spawnSync('erl', ['+fnu', '-noshell', '-eval', erl], {
    env: { ...process.env, RELUP_ROOT: root, RELUP_WEIRD: weird },
    encoding: 'utf8',
    timeout: 120_000, // only a guard against a hung VM, not an assertion
  });
  assert.equal(r.status, 0, `erl: ${r.stderr}`);

  const created = fs.readFileSync(path.join(root, 'RELEASES.created'), 'utf8');
  assert.match(created, /^%% coding: utf-8\n\[\{release,"emqx","5\.0\.1","13\.1\.5",/);
  assert.deepEqual(parseReleasesFile(created, 'RELEASES.created'), [{ name: 'emqx', version: '5.0.1', ertsVersion: '13.1.5', status: 'permanent' }]);

  const text = fs.readFileSync(path.join(root, 'releases/RELEASES'), 'utf8');
  assert.ok(text.includes('\\"q\\"'), 'the weird path is in the file, escaped');
  assert.deepEqual(readReleasesFile(root), [
    { name: 'emqx', version: '5.6.1+patch.A', ertsVersion: '13.1.5', status: 'unpacked' },
    { name: 'emqx', version: '5.0.2-rc.1', ertsVersion: '13.1.5', status: 'unpacked' },
    { name: 'emqx', version: '5.0.1', ertsVersion: '13.1.5', status: 'permanent' },
  ]);
  // The library path comes back exactly (escapes and UTF-8 decoded).
  const top = parseErlangTerm(text);
  assert.equal(top.t, 'list');
  const libs = JSON.stringify(top);
  assert.ok(libs.includes(JSON.stringify(path.join(weird, 'kernel-8.5.3'))), libs);
});

test('hand-written RELEASES files', () => {
  const entry = (vsn: string, status: string) => ({ name: 'emqx', version: vsn, ertsVersion: '12.3.2.2', status });
  const cases: Array<[string, string, ReturnType<typeof entry>[]]> = [
    ['empty list', '[].\n', []],
    ['no coding line, one line', '[{release,"emqx","5.0.0","12.3.2.2",[],old}].', [entry('5.0.0', 'old')]],
    [
      'comments, CRLF, blanks, quoted atoms',
      "%% coding: utf-8\r\n% written by hand\r\n[ { 'release' , \"emqx\" , \"5.0.0\" , \"12.3.2.2\" ,\r\n  [ {kernel,\"8.3\",\"/x\"} ] , 'current' } % trailing\r\n ] .\r\n",
      [entry('5.0.0', 'current')],
    ],
    ['character lists and adjacent strings', '[{release,[101,109,113,120],"5.0" ".1","12.3" ".2.2",[],permanent}].', [{ ...entry('5.0.1', 'permanent') }]],
    ['escapes in strings', '[{release,"e\\x{6d}q\\170","5.0.1","12.3.2.2",[{k,"1","/a\\"b\\\\c\\tq"}],permanent}].', [entry('5.0.1', 'permanent')]],
    ['numbers in the library list', '[{release,"emqx","5.0.1","12.3.2.2",[{k,1,-2,16#ff,1.5e3}],permanent}].', [entry('5.0.1', 'permanent')]],
    ['longer tuples keep their first six fields', '[{release,"emqx","5.0.1","12.3.2.2",[],permanent,extra}].', [entry('5.0.1', 'permanent')]],
  ];
  for (const [what, text, expected] of cases) assert.deepEqual(parseReleasesFile(text, 'R'), expected, what);
});

test('malformed RELEASES files are CONFIG 78 naming the file (and the line when known)', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /unexpected end of file at line 1/],
    ['[', /unexpected end of file/],
    ['[{release,"emqx","5.0.1","13",[],permanent}]', /expected \. after the term/],
    ['[].\n[].\n', /text after the final \. at line 2/],
    ['[{release,"emqx","5.0.1","13",[],permanent}|x].', /expected a list of releases/],
    ['[{release,"emqx","5.0.1","13",[],permanent}|x|y].', /expected \]/],
    ['[{release,"emqx\n', /unterminated string at line 2/],
    ['{release,"emqx","5.0.1","13",[],permanent}.', /expected a list of releases/],
    ['[{release,"emqx","5.0.1"}].', /entry 1 is not \{release/],
    ['[{release,"emqx","5.0.1","13",[],permanent},{other,1,2,3,4,5}].', /entry 2 is not/],
    ['[{release,emqx,"5.0.1","13",[],permanent}].', /entry 1 is not/],
    ['[{release,"emqx","5.0.1","13",[],"permanent"}].', /entry 1 is not/],
    ['[<<"x">>].', /entry 1 is not/],
    ['[<<"x".', /expected , or >>/],
    ["['unterminated].", /unterminated quoted atom/],
  ];
  for (const [text, re] of cases) {
    const e = relupError(() => parseReleasesFile(text, '/r/releases/RELEASES'));
    assert.equal(e.exitCode, 78, text);
    assert.ok(e.line.startsWith('/r/releases/RELEASES is not a valid RELEASES file: '), e.line);
    assert.match(e.line, re, text);
    assert.ok(!e.line.includes('\n'), text);
  }
});

test('readReleasesFile: missing is NOT_FOUND 66, broken is CONFIG 78', (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'releases'));
  assert.equal(relupError(() => readReleasesFile(root)).exitCode, 66);
  writeTree(root, { 'releases/RELEASES': '[{release,"emqx","5.0.1"' });
  const e = relupError(() => readReleasesFile(root));
  assert.equal(e.exitCode, 78);
  assert.ok(e.line.includes(path.join(root, 'releases/RELEASES')));
});
