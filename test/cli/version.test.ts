// --version of emqx and emqx-relup: package.json's version, exit 0, and the fast path: a recorder
// preloaded into the child sees every module resolved (ESM hook) and required (CJS), so the test
// fails if yargs, execa or tar-stream is loaded — proved able to see them by positive controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, makeFakeRoot, makePackage, repoRoot, wrapperBin } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/support.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const relupBin = join(repoRoot, 'bin', 'emqx-relup');
const HEAVY = ['yargs', 'execa', 'tar-stream'];

const RECORDER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = process.env.RECORD_MODULES;
register('data:text/javascript,' + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.RECORD_MODULES, r.url + '\\\\n'); return r; }"));
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(out, 'require:' + request + '\\n');
  return load.call(this, request, parent, isMain);
};
`;

function recorded(t: { after(fn: () => void): void }, args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir(t, 'relup-version-');
  const hook = join(dir, 'recorder.mjs');
  writeFileSync(hook, RECORDER);
  const log = join(dir, 'modules.log');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env, RECORD_MODULES: log },
    timeout: 60_000,
  });
  const modules = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules };
}

const heavyIn = (modules: string[]) => HEAVY.filter((h) => modules.some((m) => m.includes(`/node_modules/${h}/`) || m === `require:${h}` || m === h));

test('--version prints package.json version and exits 0, for emqx, the bundle, emqx-relup and its commands', () => {
  assert.match(version, /^\d+\.\d+\.\d+/);
  for (const [file, args] of [
    [wrapperBin, ['--version']],
    [bundle, ['--version']],
    [relupBin, ['--version']],
    [relupBin, ['pack', '--version']],
    [relupBin, ['pack', 'rel.tar.gz', '--json', '--version']],
    [relupBin, ['inspect', '--version']],
    [relupBin, ['rollout', 'x.tar.gz', '--hosts', 'a', '--version']],
  ] as const) {
    const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${file} ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, `${version}\n`);
    assert.equal(r.stderr, '');
  }
});

test("pack's own --version V is still the release's version, not ours", () => {
  const r = spawnSync(relupBin, ['pack', '--version', '5.0.1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 64, r.stderr);
  assert.match(r.stderr, /pack needs the release to pack/);
});

test('emqx --version never reaches the runner', (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const r = spawnSync(wrapperBin, ['--root', fr.root, '--version'], { encoding: 'utf8', env: { ...process.env, EMQX_ROOT: fr.root } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
  assert.deepEqual(fr.calls(), []);
});

test('emqx-relup --version loads neither yargs, execa, tar-stream nor a subcommand module', (t) => {
  // Positive control: the recorder does see yargs when rollout really starts.
  const control = recorded(t, [relupBin, 'rollout', '--help']);
  assert.equal(control.status, 0, control.stderr);
  assert.deepEqual(heavyIn(control.modules).includes('yargs'), true, control.modules.join('\n'));
  for (const args of [['--version'], ['pack', '--version'], ['rollout', '--version'], ['inspect', 'p.tar.gz', '--version']]) {
    const r = recorded(t, [relupBin, ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
    assert.ok(r.modules.some((m) => m.endsWith('/cli/relup.js')), 'the recorder saw the CLI load');
    assert.deepEqual(heavyIn(r.modules), [], args.join(' '));
    assert.deepEqual(r.modules.filter((m) => /relup-(pack|inspect|rollout)\.js$/.test(m)), [], args.join(' '));
  }
});

test('emqx --version loads neither tar-stream nor the apply modules (the ESM graph of the bundled code)', (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const emqx = pathToFileURL(join(repoRoot, 'dist', 'src', 'cli', 'emqx.js')).href;
  const run = (argv: string[]) =>
    recorded(t, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(emqx)}); process.exitCode = await main(${JSON.stringify(argv)}, 'emqx');`]);
  // Positive control: a dry-run upgrade reads the package with tar-stream.
  const control = run(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(control.status, 0, control.stderr);
  assert.ok(heavyIn(control.modules).includes('tar-stream'), control.modules.join('\n'));
  const r = run(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
  assert.deepEqual(heavyIn(r.modules), []);
  assert.deepEqual(r.modules.filter((m) => /\/(process|node|package|release-tools|rollout)\//.test(m) || m.endsWith('/execute.js')), []);
  // The one-file build needs nothing but itself for it.
  const b = recorded(t, [bundle, '--version']);
  assert.equal(b.stdout, `${version}\n`);
  const others = b.modules.filter((m) => m.startsWith('require:') && m !== `require:${bundle}` && !m.startsWith('require:node:') && !/^require:[a-z_]+$/.test(m));
  assert.deepEqual(others, []);
});
