import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseShellAssignments } from '../../src/release/shell-assignments.js';
import { readReleaseVars, releaseVarsFrom } from '../../src/release/vars.js';
import { emqxVars, writeTree, relupError, asNobody } from './fixture.js';
import { tempDir } from '../helpers/support.js';

const GOOD = 'REL_NAME=emqx\nREL_VSN=5.0.1\nERTS_VSN=13.1.5\nIS_ENTERPRISE=no\n';

test('release vars: the needed variables, edition and default cookie', () => {
  const rv = releaseVarsFrom(parseShellAssignments(GOOD + 'EMQX_DEFAULT_ERLANG_COOKIE=secret\n'), '/r/releases/emqx_vars');
  assert.deepEqual(
    { ...rv, table: undefined },
    { file: '/r/releases/emqx_vars', relName: 'emqx', relVsn: '5.0.1', ertsVsn: '13.1.5', isEnterprise: 'no', edition: 'community', defaultCookie: 'secret', table: undefined },
  );
  for (const [value, edition] of [['yes', 'enterprise'], ['YES', 'enterprise'], ['no', 'community'], ['1', 'community']]) {
    assert.equal(releaseVarsFrom(parseShellAssignments(GOOD + `IS_ENTERPRISE="${value}"\n`), 'f').edition, edition);
  }
  assert.equal(releaseVarsFrom(parseShellAssignments(GOOD), 'f').defaultCookie, null);
  assert.equal(releaseVarsFrom(parseShellAssignments(GOOD + 'REL_VSN=5.6.1+patch.A\n'), 'f').relVsn, '5.6.1+patch.A');
});

test('release vars: each missing, empty or dynamic variable is CONFIG naming file and variable', () => {
  for (const name of ['REL_NAME', 'REL_VSN', 'ERTS_VSN', 'IS_ENTERPRISE']) {
    const without = GOOD.split('\n').filter((l) => !l.startsWith(`${name}=`)).join('\n');
    for (const text of [without, `${without}\n${name}=""\n`, `${without}\n${name}="$(cat x)"\n`]) {
      const e = relupError(() => releaseVarsFrom(parseShellAssignments(text), '/r/releases/emqx_vars'));
      assert.equal(e.exitCode, 78);
      assert.ok(e.line.includes('/r/releases/emqx_vars') && e.line.includes(name), e.line);
      assert.equal(e.details?.variable, name);
      assert.ok(!e.line.includes('\n'));
    }
  }
});

test('release vars: REL_VSN must be a version, REL_NAME and ERTS_VSN plain names', () => {
  for (const bad of ['REL_VSN=5.0', 'REL_VSN=5.0.1.2', 'REL_VSN=05.0.1', 'REL_VSN="5.0.1 "x', 'ERTS_VSN=../../etc', 'ERTS_VSN=13/1', 'REL_NAME="em qx"', "REL_NAME=\"e'mqx\""]) {
    const e = relupError(() => releaseVarsFrom(parseShellAssignments(`${GOOD}${bad}\n`), 'f'));
    assert.equal(e.code, 'CONFIG', bad);
  }
});

// isVersion (src/version/order.ts) documents "no `v`" but semver's strict parse still strips it.
test('release vars: REL_VSN with a leading v is refused', () => {
  assert.equal(relupError(() => releaseVarsFrom(parseShellAssignments(`${GOOD}REL_VSN=v5.0.1\n`), 'f')).code, 'CONFIG');
});

test('readReleaseVars on disk: last assignment wins, the environment handed in expands', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/emqx_vars': emqxVars({ relVsn: '5.0.0', append: 'REL_VSN="5.0.14-rc.1"\nERTS_VSN="13.2"\nREL_NAME="${NAME_OVERRIDE:-emqx}"\nIS_ENTERPRISE=$ENT\n' }) });
  const rv = readReleaseVars(root, { ENT: 'yes' });
  assert.equal(rv.relName, 'emqx');
  assert.equal(rv.edition, 'enterprise');
  assert.equal(rv.file, path.join(root, 'releases/emqx_vars'));
  assert.equal(rv.relVsn, '5.0.14-rc.1');
  assert.equal(rv.ertsVsn, '13.2');
  assert.equal(rv.defaultCookie, 'emqxsecretcookie');
});

test('readReleaseVars: missing file is NOT_FOUND 66, a directory CONFIG 78, bad content CONFIG 78', (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'releases'));
  let e = relupError(() => readReleaseVars(root, {}));
  assert.equal(e.exitCode, 66);
  assert.ok(e.line.includes(path.join(root, 'releases/emqx_vars')) && e.line.includes('--root'), e.line);

  fs.mkdirSync(path.join(root, 'releases/emqx_vars'));
  e = relupError(() => readReleaseVars(root, {}));
  assert.equal(e.exitCode, 78);

  fs.rmdirSync(path.join(root, 'releases/emqx_vars'));
  writeTree(root, { 'releases/emqx_vars': 'REL_NAME=emqx\nREL_VSN=5.0.1\n' });
  e = relupError(() => readReleaseVars(root, {}));
  assert.equal(e.exitCode, 78);
  assert.match(e.line, /does not set ERTS_VSN/);
});

test('readReleaseVars: an unreadable emqx_vars is PERMISSION 77 (checked as nobody)', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/emqx_vars': GOOD });
  fs.chmodSync(root, 0o755);
  fs.chmodSync(path.join(root, 'releases/emqx_vars'), 0o000);
  const out = asNobody(`m.readReleaseVars(${JSON.stringify(root)}, {}).relVsn`) as { code: string; exit: number; line: string };
  assert.equal(out.code, 'PERMISSION');
  assert.equal(out.exit, 77);
  assert.ok(out.line.includes(path.join(root, 'releases/emqx_vars')), out.line);
});
