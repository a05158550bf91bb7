// A release's upgrade paths: the relup term as systools writes it, read to its versions; every
// other shape refused with the caller's code; an installed release's relup found, absent or broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseRelup, readInstalledRelup } from '../../src/release/relup.js';
import { relupMember } from '../../src/release/script-names.js';
import { relupError, writeTree } from './fixture.js';
import { tempDir } from '../helpers/support.js';

/** A relup as systools:make_relup/4 lays it out, printed by a real erl with ~p. */
function printedRelup(): string {
  const expr =
    'io:format("~p.~n", [{"5.0.2", [{"5.0.1", [], [{load_object_code, {emqx, "5.0.2", [emqx_app]}}, point_of_no_return, {load, {emqx_app, brutal_purge, brutal_purge}}]}, ' +
    '{"5.0.0", [], [restart_new_emulator]}], [{"5.0.1", [], [{load_object_code, {emqx, "5.0.1", [emqx_app]}}, point_of_no_return]}]}]), halt().';
  const r = spawnSync('erl', ['-noshell', '-eval', expr], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('a relup printed by erl: the version and the versions it goes up from and down to, in file order', () => {
  assert.deepEqual(parseRelup(printedRelup(), 'releases/5.0.2/relup', 'BAD_PACKAGE', 'h'), { version: '5.0.2', upFrom: ['5.0.1', '5.0.0'], downTo: ['5.0.1'] });
  assert.deepEqual(parseRelup('{"5.0.1",[],[]}.', 'r', 'CONFIG', 'h'), { version: '5.0.1', upFrom: [], downTo: [] });
});

test('anything that is not {Vsn, Ups, Downs} is refused with the code and hint given, naming the file', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"5.0.1", [], []} ', /expected \. after the term at line 1/],
    ['{"5.0.1", [], [] ', /expected , or \} at line 1/],
    ['\n\n{"5.0.1", [] [] }.', /expected , or \} at line 3/],
    ['["5.0.1", [], []].', /expected \{Vsn, \[\{UpFrom/],
    ['{"5.0.1", []}.', /expected \{Vsn/],
    ['{v501, [], []}.', /expected \{Vsn/],
    ['{"5.0.1", up, []}.', /expected \{Vsn/],
    ['{"5.0.1", [{"5.0.0", []}], []}.', /upgrade entry 1 is not \{Vsn, Descr, Instructions\}/],
    ['{"5.0.1", [{"5.0.0", [], []}], [{old, [], []}]}.', /downgrade entry 1 is not/],
  ];
  for (const code of ['BAD_PACKAGE', 'CONFIG'] as const) {
    for (const [text, says] of cases) {
      const e = relupError(() => parseRelup(text, 'pkg.tar.gz:releases/5.0.1/relup', code, 'rebuild it'));
      assert.equal(e.code, code, text);
      assert.match(e.line, /^pkg\.tar\.gz:releases\/5\.0\.1\/relup is not a valid relup: /, text);
      assert.match(e.line, says, text);
      assert.match(e.line, /; rebuild it$/, text);
      assert.deepEqual(e.details, { relup: 'pkg.tar.gz:releases/5.0.1/relup' });
    }
  }
});

test('readInstalledRelup: found, absent (no file, no releases/<v>/, releases/ a file), or an error fact', (t) => {
  const root = tempDir(t);
  writeTree(root, { [relupMember('5.0.1')]: '{"5.0.1",[{"5.0.0",[],[]}],[{"5.0.0",[],[]}]}.\n', [relupMember('5.0.3')]: 'junk' });
  fs.mkdirSync(path.join(root, relupMember('5.0.4')), { recursive: true });
  assert.deepEqual(readInstalledRelup(root, '5.0.1'), { kind: 'found', file: path.join(root, 'releases/5.0.1/relup'), relup: { version: '5.0.1', upFrom: ['5.0.0'], downTo: ['5.0.0'] } });
  assert.deepEqual(readInstalledRelup(root, '5.0.2'), { kind: 'absent', file: path.join(root, 'releases/5.0.2/relup') });
  const broken = readInstalledRelup(root, '5.0.3');
  assert.equal(broken.kind, 'error');
  assert.equal(broken.kind === 'error' && broken.error.code, 'CONFIG');
  assert.match(broken.kind === 'error' ? broken.error.line : '', /releases\/5\.0\.3\/relup is not a valid relup: .*; the installed release is damaged: restore the file from its package/);
  const dir = readInstalledRelup(root, '5.0.4');
  assert.equal(dir.kind === 'error' && dir.error.code, 'CONFIG');
  const flat = tempDir(t);
  fs.writeFileSync(path.join(flat, 'releases'), '');
  assert.deepEqual(readInstalledRelup(flat, '5.0.1'), { kind: 'absent', file: path.join(flat, 'releases/5.0.1/relup') });
});
