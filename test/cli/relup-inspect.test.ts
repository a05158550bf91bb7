import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { gnuTar, makeReleaseDir, scratch } from '../helpers/pack-fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const relup = path.join(repo, 'bin', 'emqx-relup');
const scratchDir = scratch('cli-inspect');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [relup, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('emqx-relup inspect', () => {
  const root = scratchDir();
  const rel = makeReleaseDir(path.join(root, 'rel'));

  it('a package made by pack passes: exit 0', () => {
    const p = run(['pack', rel, '--out', root, '--json']);
    const file = JSON.parse(p.stdout).package;
    const r = run(['inspect', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /runner : bin\/emqx-5\.0\.1 \(member 1, \d+ bytes, file 0755\)/);
    assert.match(r.stdout, /sidecar: {2}matches/);
    assert.match(r.stdout, /problems: none/);
    const j = JSON.parse(run(['inspect', file, '--json']).stdout);
    assert.deepEqual(j.problems, []);
    assert.equal(j.scripts.escript.position, 2);
    assert.equal(j.relup, null, 'this release has no relup');
    assert.match(r.stdout, /relup: {4}none \(no hot upgrade path\)/);
  });

  it('reports the upgrade paths: relup {upFrom, downTo}', () => {
    const dir = scratchDir();
    const withRelup = makeReleaseDir(path.join(dir, 'rel'), { files: { 'releases/5.0.1/relup': '{"5.0.1",[{"5.0.0",[],[]},{"4.4.9",[],[]}],[{"5.0.0",[],[]}]}.\n' } });
    const file = JSON.parse(run(['pack', withRelup, '--out', dir, '--platform', 'el8-amd64', '--json']).stdout).package;
    const text = run(['inspect', file]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /relup: {4}up from 5\.0\.0, 4\.4\.9; down to 5\.0\.0 \(member 3\)/);
    const j = JSON.parse(run(['inspect', file, '--json']).stdout);
    assert.deepEqual(j.relup, { upFrom: ['5.0.0', '4.4.9'], downTo: ['5.0.0'], member: 3 });
  });

  it('a package with problems: exit 65 and every problem printed', () => {
    const bad = gnuTar(rel, path.join(root, 'emqx-5.0.2.tar.gz'), { names: ['.'] });
    fs.writeFileSync(`${bad}.sha256`, `${'f'.repeat(64)}  emqx-5.0.2.tar.gz\n`);
    const j = run(['inspect', bad, '--json']);
    assert.equal(j.code, 65);
    const report = JSON.parse(j.stdout);
    assert.ok(report.problems.length >= 5);
    const t = run(['inspect', bad]);
    assert.equal(t.code, 65);
    const lines = t.stdout.split('\n').filter((l) => l.startsWith('  - ['));
    assert.deepEqual(
      lines.map((l) => l.slice(5, l.indexOf(']'))),
      report.problems.map((p: { code: string }) => p.code),
    );
    assert.match(t.stdout, /\[DOT_PREFIX\]/);
    assert.match(t.stdout, /\[SIDECAR_MISMATCH\]/);
  });

  it('usage and missing files', () => {
    assert.equal(run(['inspect']).code, 64);
    assert.equal(run(['inspect', 'a', 'b']).code, 64);
    assert.equal(run(['inspect', '--what']).code, 64);
    const missing = run(['inspect', path.join(root, 'nope.tar.gz'), '--json']);
    assert.equal(missing.code, 66);
    assert.equal(JSON.parse(missing.stderr).error.code, 'NOT_FOUND');
    assert.equal(run(['inspect', '--help']).code, 0);
  });
});
