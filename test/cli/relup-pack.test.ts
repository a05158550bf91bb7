import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { gnuTar, makeReleaseDir, snapshot, scratch } from '../helpers/pack-fixtures.js';
import { fileSha256 } from '../helpers/support.js';

// dist/test/cli/ -> repository root
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const relup = path.join(repo, 'bin', 'emqx-relup');

const scratchDir = scratch('cli-pack');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [relup, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('emqx-relup pack', () => {
  it('packs and prints the path, or a JSON object with --json', () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'));
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    // No --platform: named for this machine, as EMQX's runner finds only <base>-<v>-<platform>.tar.gz.
    const text = run(['pack', rel, '--out', out]);
    assert.equal(text.code, 0, text.stderr);
    const named = /^(.*\/emqx-5\.0\.1-([a-z]+[0-9.]+-(?:amd64|arm64))\.tar\.gz)\n$/.exec(text.stdout);
    assert.ok(named && path.dirname(named[1]!) === out, text.stdout);
    assert.equal(text.stderr, `emqx-relup pack: warning: no --platform: the package is named for this machine (${named![2]}); pass --platform to name the release's own\n`);
    const j = run(['pack', rel, `--out=${out}`, '--platform', 'ubuntu22.04-amd64', '--json'], { SOURCE_DATE_EPOCH: '1700000000' });
    assert.equal(j.code, 0, j.stderr);
    const o = JSON.parse(j.stdout);
    assert.equal(o.package, path.join(out, 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz'));
    assert.equal(o.sha256, fileSha256(o.package));
    assert.equal(o.version, '5.0.1');
    assert.equal(o.edition, 'community');
    assert.deepEqual(o.warnings, []);
    assert.equal(fs.readFileSync(`${o.package}.sha256`, 'utf8'), `${o.sha256}  emqx-5.0.1-ubuntu22.04-amd64.tar.gz\n`);
    // Default output directory: the current one.
    const cwdRun = spawnSync(process.execPath, [relup, 'pack', rel, '--platform', 'el8-amd64'], { cwd: out, encoding: 'utf8' });
    assert.equal(cwdRun.status, 0, cwdRun.stderr);
    assert.equal(cwdRun.stdout.trim(), path.join(fs.realpathSync(out), 'emqx-5.0.1-el8-amd64.tar.gz'));
  });

  it('warnings go to stderr, or inside the JSON', () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'), { vars: false });
    const t = run(['pack', rel, '--out', root]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /^emqx-relup pack: warning: .*packing as community/);
    const j = run(['pack', rel, '--out', root, '--json']);
    assert.equal(j.stderr, '');
    assert.match(JSON.parse(j.stdout).warnings[0], /packing as community/);
  });

  it('usage errors exit 64 before touching anything', () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'));
    const before = snapshot(root);
    for (const args of [
      ['pack'],
      ['pack', rel, rel],
      ['pack', rel, '--bogus'],
      ['pack', rel, '--out'],
      ['pack', rel, '--edition', 'gold'],
      ['pack', rel, '--level', '0'],
      ['pack', rel, '--version', 'v5'],
      ['pack', rel, '--runner', path.join(rel, 'bin/emqx'), '--wrapper'],
      ['pack', rel, '--platform', 'rc.1'],
    ]) {
      const r = run([...args, '--json']);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const e = JSON.parse(r.stderr).error;
      assert.equal(e.exitCode, 64);
      assert.ok(e.code === 'USAGE', e.code);
    }
    assert.deepEqual(snapshot(root), before);
    const help = run(['pack', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--wrapper/);
  });

  it('a refused release: one line (or one JSON object), exit 65, nothing written', () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'), { runner: null });
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    const t = run(['pack', rel, '--out', out]);
    assert.equal(t.code, 65);
    assert.equal(t.stdout, '');
    assert.match(t.stderr, /^emqx-relup pack: error: the input has neither bin\/emqx-5\.0\.1 nor bin\/emqx .*; pass --runner FILE or --wrapper\n$/);
    const j = run(['pack', rel, '--out', out, '--json']);
    assert.deepEqual(Object.keys(JSON.parse(j.stderr).error).sort(), ['code', 'exitCode', 'hint', 'message']);
    assert.equal(JSON.parse(j.stderr).error.code, 'BAD_PACKAGE');
    assert.deepEqual(fs.readdirSync(out), []);
    const missing = run(['pack', path.join(root, 'nope.tar.gz'), '--out', out]);
    assert.equal(missing.code, 66);
    const edition = run(['pack', makeReleaseDir(path.join(root, 'rel2')), '--out', out, '--edition', 'enterprise']);
    assert.equal(edition.code, 78);
    assert.deepEqual(fs.readdirSync(out), []);
  });

  it('an interrupt in the middle removes the temporaries and exits 128+signal', async (t) => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'), { files: { 'lib/big-1/priv/blob.bin': randomBytes(48 * 1024 * 1024) } });
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'), { names: ['lib', 'releases', 'bin'] });
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    for (const [sig, code, json] of [
      ['SIGINT', 130, false],
      ['SIGTERM', 143, false],
      ['SIGINT', 130, true],
    ] as const) {
      const child = spawn(process.execPath, [relup, 'pack', input, '--out', out, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      t.after(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      let stderr = '';
      child.stderr.on('data', (b) => (stderr += b));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      // Signal once the spool exists: the pass is under way.
      while (!fs.readdirSync(out).some((n) => n.endsWith('.spool')) && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      child.kill(sig);
      assert.equal(await exited, code, stderr);
      assert.match(stderr, new RegExp(`interrupted by ${sig}; no package was written`));
      if (json) {
        const { error } = JSON.parse(stderr.trim().split('\n').pop()!);
        assert.deepEqual([error.code, error.exitCode], ['INTERRUPTED', code]);
      }
      assert.deepEqual(fs.readdirSync(out), []);
    }
  });

  it('--wrapper is refused (64): EMQX\'s escript would copy the wrapper over bin/emqx', () => {
    const root = scratchDir();
    const input = gnuTar(makeReleaseDir(path.join(root, 'rel')), path.join(root, 'in.tar.gz'));
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    for (const json of [false, true]) {
      const r = run(['pack', input, '--out', out, '--wrapper', ...(json ? ['--json'] : [])]);
      assert.equal(r.code, 64, r.stderr);
      if (json) assert.equal(JSON.parse(r.stdout || r.stderr).error.code, 'USAGE');
      else assert.match(r.stderr, /^emqx-relup pack: error: --wrapper would make the emqx-relup wrapper bin\/emqx-<version>, which EMQX's install_upgrade\.escript copies over bin\/emqx on a permanent install, leaving the release without its runner; ship the release's own runner/);
      assert.deepEqual(fs.readdirSync(out), []);
    }
  });
});
