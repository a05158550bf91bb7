// The single executable (npm run build:exe): reproducible, and the whole tool with no Node on the
// machine: --version, --status of a live OTP node and a dry-run upgrade, in a mount namespace
// where every node binary is hidden.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, type Fixtures } from '../../scripts/fixtures/build.js';
import { Sandbox } from '../helpers/otp.js';
import { exeFile, exeManifest, hostArch, repoRoot, runWithoutNode } from '../helpers/exe.js';

let fx: Fixtures;
let sb: Sandbox | undefined;
let scratch: string;
let emqx: string;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-exe-'));
  // Busybox style: a symlink named emqx is the wrapper.
  emqx = path.join(scratch, 'bin', 'emqx');
  fs.mkdirSync(path.dirname(emqx));
  fs.symlinkSync(exeFile(), emqx);
  fx = await buildFixtures();
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  await sb.start();
});

after(async () => {
  await sb?.cleanup();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const sha256 = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

test('the build is reproducible: a second build of this architecture has the same bytes', () => {
  const m = exeManifest();
  const arch = hostArch();
  assert.equal(sha256(exeFile(arch)), m.files[arch]!.sha256, 'the manifest names the file as it is');
  const out = path.join(scratch, 'again');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build-exe.mjs'), '--arch', arch, '--out', out], { stdio: 'pipe' });
  assert.equal(sha256(path.join(out, m.files[arch]!.file)), m.files[arch]!.sha256);
  fs.rmSync(out, { recursive: true, force: true });
});

test('the npm package does not carry the executables', () => {
  const files = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).files as string[];
  assert.ok(!files.some((f) => f === 'dist' || f.startsWith('dist/exe')), `package.json files: ${files.join(', ')}`);
});

test('with no node reachable: both applets answer --version; emqx reads a live node\'s --status', async () => {
  const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
  let r = await runWithoutNode(emqx, ['--version'], { scratch });
  assert.deepEqual([r.code, r.stdout], [0, `${version}\n`], r.stderr);
  r = await runWithoutNode(exeFile(), ['--version'], { scratch });
  assert.deepEqual([r.code, r.stdout], [0, `${version}\n`], r.stderr);
  r = await runWithoutNode(exeFile(), ['emqx-relup', 'status', '--help'], { scratch });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^emqx-relup status/);

  const node = sb!;
  r = await runWithoutNode(emqx, ['--root', node.root, '--status', '--json'], { scratch, env: { ...node.env, ...node.startEnv } });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.currentVersion, '5.0.0', r.stdout);
  assert.equal(s.nodeAlive, true, r.stdout);
  assert.equal(s.node.name, node.node);
});

test('with no node reachable: a dry-run upgrade of the live node plans and changes nothing', async () => {
  const node = sb!;
  const pkg = node.addPackage(fx.packages['5.0.1']!);
  const before = execFileSync('sh', ['-c', `cd "${node.root}" && find . -path ./log -prune -o -print | sort | xargs ls -ld --time-style=+%s`], { encoding: 'utf8' });
  const r = await runWithoutNode(emqx, ['--root', node.root, '--dry-run', '--json', 'upgrade', '5.0.1'], { scratch, env: { ...node.env, ...node.startEnv } });
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.targetVersion, '5.0.1');
  assert.equal(plan.currentVersion, '5.0.0');
  assert.equal(path.basename(plan.package), path.basename(pkg));
  const after = execFileSync('sh', ['-c', `cd "${node.root}" && find . -path ./log -prune -o -print | sort | xargs ls -ld --time-style=+%s`], { encoding: 'utf8' });
  assert.equal(after, before, 'nothing changed');
  assert.deepEqual(await node.releases(), { '5.0.0': 'permanent' });
});
