// The npm package as an operator gets it: `npm pack` of a clean tree (what git would commit, no
// dist/), `npm i -g --prefix` of the tarball into an empty prefix, and every command run from
// there by PATH, from a directory that is not a checkout. Not a unit test (npm, and the registry
// or npm's cache for the dependencies): scripts/test-selection.mjs leaves test/install out of unit.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import semver from 'semver';
import { makeReleaseDir, readMembers, scratch } from '../helpers/pack-fixtures.js';
import { fileSha256 } from '../helpers/support.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const scratchDir = scratch('npm-install');

// npm run by `npm test` exports npm_config_* and npm_package_*; none of it may steer the inner npm.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
delete cleanEnv.EMQX_ROOT;
delete cleanEnv.RUNNER_ROOT_DIR;

function npm(args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env: cleanEnv, encoding: 'utf8', timeout });
  assert.equal(r.error, undefined, `npm ${args[0]}: ${r.error}`);
  assert.equal(r.status, 0, `npm ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Copies what git would commit (tracked files as they are now, plus new unignored ones). */
function cleanTree(dest: string): void {
  const out = execFileSync('git', ['-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  // node_modules is a symlink in a worktree, which `node_modules/` in .gitignore does not match.
  const rels = out.split('\0').filter((rel) => rel && rel !== 'node_modules' && !rel.startsWith('node_modules/'));
  for (const rel of rels) {
    const from = path.join(repo, rel);
    const st = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!st) continue; // deleted but not yet committed
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else fs.copyFileSync(from, to); // keeps the mode, so bin/ stays executable
  }
}

describe('npm package: pack a clean tree, install into an empty prefix, run every command', () => {
  const work = scratchDir();
  const tree = path.join(work, 'tree');
  const prefix = path.join(work, 'prefix');
  const elsewhere = path.join(work, 'elsewhere');
  const installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
  // PATH: the prefix's bin/ first, then node itself; nothing of the checkout.
  const env = { ...cleanEnv, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${path.dirname(process.execPath)}` };
  let files: string[] = [];
  let tarball = '';

  function run(prog: string, args: string[]) {
    const r = spawnSync(prog, args, { cwd: elsewhere, env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.error, undefined, `${prog}: ${r.error}`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  before(() => {
    for (const d of [tree, prefix, elsewhere]) fs.mkdirSync(d);
    cleanTree(tree);
    assert.equal(fs.existsSync(path.join(tree, 'dist')), false, 'the clean tree has no dist/');
    // A leftover of some older build: prepack's build must remove it, never ship it.
    fs.mkdirSync(path.join(tree, 'dist', 'src'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'dist', 'src', 'stale-leftover.js'), 'throw new Error("stale");\n');
    // prepack's build needs the devDependencies (typescript, esbuild): the checkout's, which npm ci
    // installed from the lock file, stand in for an `npm ci` in the tree (a network round, ~20 s).
    // npm pack never packs node_modules (no bundleDependencies); asserted below.
    fs.symlinkSync(fs.realpathSync(path.join(repo, 'node_modules')), path.join(tree, 'node_modules'));
    const packed = npm(['pack', '--json', '--pack-destination', work], tree, 180_000);
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    files = info.files.map((f) => f.path).sort();
    tarball = path.join(work, info.filename);
    // --prefer-offline: dependencies come from the registry, through npm's cache when it holds
    // them. The cache has the tarballs after npm ci, but resolving ^ ranges also needs each
    // package's metadata, which npm ci never fetches: the first run asks the registry for it,
    // later runs need no network (--offline would fail on a cache npm ci alone filled).
    npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--loglevel=error', tarball], elsewhere, 180_000);
  });

  it('the tarball holds bin/, a fresh dist/ and the docs, nothing else', () => {
    const allowed = (f: string) => f.startsWith('bin/') || f.startsWith('dist/src/') || ['dist/emqx.cjs', 'package.json', 'README.md', 'LICENSE'].includes(f);
    assert.deepEqual(files.filter((f) => !allowed(f)), []);
    for (const f of ['bin/emqx', 'bin/emqx-relup', 'bin/node-check.cjs', 'bin/package.json', 'dist/emqx.cjs', 'dist/src/cli/relup.js', 'dist/src/rollout/artifacts.js', 'LICENSE', 'README.md']) {
      assert.ok(files.includes(f), `${f} missing from ${path.basename(tarball)}`);
    }
    assert.equal(files.includes('dist/src/stale-leftover.js'), false, 'a stale dist/ file was shipped');
    assert.equal(fs.existsSync(path.join(tree, 'dist', 'src', 'stale-leftover.js')), false, 'prepack did not rebuild dist/');
    // Built by prepack in the tree, which had none, and that build is the one shipped.
    assert.equal(fileSha256(path.join(installed, 'dist', 'emqx.cjs')), fileSha256(path.join(tree, 'dist', 'emqx.cjs')));
  });

  it('installed into the prefix: both commands on its bin/, the dependencies from the registry', () => {
    for (const prog of ['emqx', 'emqx-relup']) {
      const link = path.join(prefix, 'bin', prog);
      assert.equal(fs.realpathSync(link), path.join(fs.realpathSync(installed), 'bin', prog));
    }
    const deps = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).dependencies as Record<string, string>;
    for (const [name, range] of Object.entries(deps)) {
      const got = JSON.parse(fs.readFileSync(path.join(installed, 'node_modules', name, 'package.json'), 'utf8')).version as string;
      assert.ok(semver.satisfies(got, range), `${name} ${got} does not satisfy ${range}`);
    }
    assert.equal(fs.lstatSync(path.join(installed, 'node_modules')).isSymbolicLink(), false);
  });

  it('emqx --version, emqx --help', () => {
    const v = run('emqx', ['--version']);
    assert.deepEqual(v, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const h = run('emqx', ['--help']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^usage: emqx \[wrapper options\] <command> \[args\]\n/);
    assert.match(h.stdout, /emqx upgrade <target> \[--no-permanent\]/);
    assert.match(h.stdout, /--root DIR/);
    assert.equal(h.stderr, '');
  });

  it('emqx-relup --help, --version and rollout --help (yargs and execa from the installed node_modules)', () => {
    const h = run('emqx-relup', ['--help']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^emqx-relup <command> \[options\]\n/);
    for (const c of ['pack', 'inspect', 'rollout', 'status']) assert.match(h.stdout, new RegExp(`^  emqx-relup ${c} +\\S`, 'm'));
    assert.deepEqual(run('emqx-relup', ['--version']), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const r = run('emqx-relup', ['rollout', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^emqx-relup rollout <package>/);
    assert.match(r.stdout, /--hosts/);
  });

  it('emqx-relup pack and inspect run from the install; --wrapper is refused there too', async () => {
    const rel = makeReleaseDir(path.join(work, 'rel'));
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    const refused = run('emqx-relup', ['pack', rel, '--out', out, '--wrapper']);
    assert.equal(refused.code, 64, refused.stderr);
    assert.deepEqual(fs.readdirSync(out), []);
    const p = run('emqx-relup', ['pack', rel, '--out', out, '--platform', 'debian12-amd64', '--json']);
    assert.equal(p.code, 0, p.stderr);
    const o = JSON.parse(p.stdout) as { package: string; version: string; runnerFrom: string; sidecar: string };
    assert.equal(o.package, path.join(out, 'emqx-5.0.1-debian12-amd64.tar.gz'));
    assert.equal(o.version, '5.0.1');
    assert.equal(o.runnerFrom, 'bin/emqx');
    const first = (await readMembers(o.package))[0]!;
    assert.equal(first.name, 'bin/emqx-5.0.1');
    assert.equal(first.sha256, fileSha256(path.join(rel, 'bin', 'emqx')));

    const i = run('emqx-relup', ['inspect', o.package]);
    assert.equal(i.code, 0, i.stdout + i.stderr);
    assert.match(i.stdout, /runner : bin\/emqx-5\.0\.1 \(member 1, \d+ bytes, file 0755\)/);
    assert.match(i.stdout, /sidecar: {2}matches/);
    assert.match(i.stdout, /problems: none/);
    const bad = run('emqx-relup', ['inspect', path.join(out, 'missing-5.0.1.tar.gz'), '--json']);
    assert.equal(bad.code, 66);
    assert.equal(JSON.parse(bad.stderr).error.code, 'NOT_FOUND');
  });

  it('emqx passes commands to <root>/bin/emqx: --root, EMQX_ROOT; its own install is never taken for a root', () => {
    const rel = makeReleaseDir(path.join(work, 'root'));
    const viaFlag = run('emqx', ['--root', rel, '--dry-run', '--json', 'ping']);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    const plan = JSON.parse(viaFlag.stdout);
    assert.equal(plan.action, 'passthrough');
    assert.equal(plan.exec.file, path.join(rel, 'bin', 'emqx'));
    assert.deepEqual(plan.exec.args, ['ping']);
    const viaEnv = spawnSync('emqx', ['--dry-run', '--json', 'ping'], { cwd: elsewhere, env: { ...env, EMQX_ROOT: rel }, encoding: 'utf8' });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal(JSON.parse(viaEnv.stdout).exec.file, path.join(rel, 'bin', 'emqx'));
    // Without either: <prefix>/bin/emqx and the package's bin/ are guesses holding no
    // installation, so the default /usr/lib/emqx is the one (missing here, or a real install).
    const dflt = run('emqx', ['--dry-run', '--json', 'ping']);
    if (dflt.code === 0) assert.equal(JSON.parse(dflt.stdout).root, '/usr/lib/emqx');
    else {
      assert.equal(dflt.code, 66, dflt.stderr);
      const e = JSON.parse(dflt.stderr).error;
      assert.equal(e.details.root, '/usr/lib/emqx');
      assert.equal(e.details.source, 'default');
      assert.ok(e.details.skipped.includes(prefix), JSON.stringify(e.details));
    }
  });

  it("npm i -g never replaces a bin/emqx already there (EMQX's /usr/bin/emqx link of a deb/rpm install)", () => {
    const other = path.join(work, 'other-prefix');
    const emqxRunner = path.join(work, 'usr-lib-emqx', 'bin', 'emqx');
    fs.mkdirSync(path.dirname(emqxRunner), { recursive: true });
    fs.writeFileSync(emqxRunner, '#!/bin/sh\necho runner\n', { mode: 0o755 });
    fs.mkdirSync(path.join(other, 'bin'), { recursive: true });
    fs.symlinkSync(emqxRunner, path.join(other, 'bin', 'emqx'));
    const r = spawnSync('npm', ['install', '--global', '--prefix', other, '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier', tarball], {
      cwd: elsewhere,
      env: cleanEnv,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /EEXIST/);
    assert.equal(fs.readlinkSync(path.join(other, 'bin', 'emqx')), emqxRunner);
  });
});
