// End to end, EMQX v5.0.24 -> v5.0.25/26 style: a live fixture node on 5.0.0, whose emqx_vars only
// sets RUNNER_LOG_DIR, is hot-upgraded through the wrapper to a 5.0.1 built v5.0.26-like (its
// emqx_vars exports EMQX_LOG_DIR, its runner needs it under set -u for every command). The
// wrapper adds the package's line to the installed emqx_vars, so the newer runner, and after the
// permanent install the plain bin/emqx (now that runner), still work: ping, then stop. Without
// the line, the same runner stops on the unbound variable, both at the hand-over and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { buildFixtures, FIXTURE_REPLIES, LOG_DIR_LINE_5026, type Fixtures } from '../../scripts/fixtures/build.js';
import { assertHotUpgradedTo501, isAlive, runCmd, runInSandbox, Sandbox, type Run } from '../helpers/otp.js';

/** What sh says of an unset variable under set -u: dash and bash words. */
const UNBOUND = /EMQX_LOG_DIR: (parameter not set|unbound variable)/;

let fx: Fixtures;
let sb: Sandbox;
let pid: number;
let scratch: string;

before(async () => {
  fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'], like5026From: '5.0.1' });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-logdir-'));
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  pid = await sb.start();
});

after(async () => {
  await sb?.cleanup();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const vars = () => path.join(sb.root, 'releases', 'emqx_vars');
const bin = (name: string) => path.join(sb.root, 'bin', name);
const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);

/** The 5.0.1 package without its releases/emqx_vars (as a package built without one would be), every other member as it is. */
async function withoutEmqxVars(pkg: string): Promise<string> {
  const { extract, pack } = await import('tar-stream');
  const out = path.join(scratch, path.basename(pkg));
  const p = pack();
  const written = pipeline(p, createGzip(), fs.createWriteStream(out));
  const ex = extract();
  let dropped = 0;
  ex.on('entry', (h, body, next) => {
    if (h.name.replace(/^\.\//, '') === 'releases/emqx_vars') {
      dropped++;
      body.on('end', next);
      body.resume();
    } else body.pipe(p.entry(h, next));
  });
  await pipeline(fs.createReadStream(pkg), createGunzip(), ex);
  p.finalize();
  await written;
  assert.equal(dropped, 1);
  return out;
}

test('the fixtures are what the test is about: only 5.0.1 exports EMQX_LOG_DIR, only its runner is v5.0.26-like', () => {
  const installed = fs.readFileSync(vars(), 'utf8');
  assert.doesNotMatch(installed, /EMQX_LOG_DIR=/);
  assert.match(fs.readFileSync(bin('emqx'), 'utf8'), /^RUNNER_LIKE=5\.0\.17$/m);
  const listing = execFileSync('tar', ['-xzOf', fx.packages['5.0.1']!, 'releases/emqx_vars'], { encoding: 'utf8' });
  assert.ok(listing.includes(`${LOG_DIR_LINE_5026}\n`));
  assert.match(execFileSync('tar', ['-xzOf', fx.packages['5.0.1']!, 'bin/emqx-5.0.1'], { encoding: 'utf8' }), /^RUNNER_LIKE=5\.0\.26$/m);
});

test('without the added lines (a package without emqx_vars): the 5.0.1 runner stops on the unbound EMQX_LOG_DIR, the node stays on 5.0.0', async () => {
  const varsBefore = fs.readFileSync(vars(), 'utf8');
  const stripped = sb.addPackage(await withoutEmqxVars(fx.packages['5.0.1']!));
  try {
    const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /warning: releases\/emqx_vars in .*emqx-5\.0\.1\.tar\.gz is missing/);
    assert.match(r.stderr, UNBOUND);
    assert.equal(fs.readFileSync(vars(), 'utf8'), varsBefore);
    const info = await sb.info();
    assert.deepEqual([info.reply, info.osPid], [FIXTURE_REPLIES['5.0.0'], pid]);
  } finally {
    fs.rmSync(stripped);
  }
});

test('with them: the dry run lists the line, the upgrade goes through, then bin/emqx ping and stop work', async () => {
  sb.addPackage(fx.packages['5.0.1']!);
  const dry = await runInSandbox(sb, ['--dry-run', 'upgrade', '5.0.1']);
  ok(dry);
  assert.ok(dry.stdout.includes(`emqx_vars: add to ${vars()}, because the 5.0.1 scripts source ${vars()}, which does not define EMQX_LOG_DIR;`), dry.stdout);
  assert.ok(dry.stdout.includes(LOG_DIR_LINE_5026), dry.stdout);

  const before = await sb.info();
  const n = Number(/\{count,(\d+)\}/.exec(before.state)![1]);
  const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
  ok(r);
  await assertHotUpgradedTo501(sb, { count: n, osPid: pid });
  const now = fs.readFileSync(vars(), 'utf8');
  assert.equal(now.split('\n').filter((l) => l === LOG_DIR_LINE_5026).length, 1);
  assert.ok(fs.existsSync(path.join(sb.root, 'log')), 'the 5.0.1 runner made its log dir');
  // Permanent: the 5.0.1 runner is bin/emqx now, and only REL_VSN/ERTS_VSN were appended after us.
  assert.match(fs.readFileSync(bin('emqx'), 'utf8'), /^RUNNER_LIKE=5\.0\.26$/m);

  // The same plain command with the line taken out: dies as every bin/emqx command would.
  fs.writeFileSync(vars(), now.split('\n').filter((l) => l !== LOG_DIR_LINE_5026).join('\n'));
  const bare = await runCmd(bin('emqx'), ['ping'], { env: sb.env });
  assert.notEqual(bare.code, 0);
  assert.match(bare.stderr, UNBOUND);
  fs.writeFileSync(vars(), now);

  const ping = await runCmd(bin('emqx'), ['ping'], { env: sb.env });
  ok(ping);
  assert.match(ping.stdout, /pong/);
  // As strict as EMQX's v5.0.26 runner otherwise: an operator cookie that is not the node's...
  const wrong = await runCmd(bin('emqx'), ['ping'], { env: { ...sb.env, EMQX_NODE__COOKIE: 'not-the-nodes' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /EMQX_NODE__COOKIE is different from the cookie used by /);
  // ...which the wrapper refuses first, naming the node's generated vm.args (never the cookie).
  const refused = await runInSandbox(sb, ['--dry-run', 'downgrade', '5.0.0'], { EMQX_NODE__COOKIE: 'not-the-nodes' });
  assert.equal(refused.code, 78, refused.stderr);
  assert.match(refused.stderr, /EMQX_NODE__COOKIE in the environment is not the cookie .*data\/configs\/vm\.[\d.]+\.args gives node /);
  assert.doesNotMatch(refused.stdout + refused.stderr, new RegExp(`not-the-nodes|${sb.cookie}`));
  // ...and a second process with `-root <root>` in ps is EMQX's hard stop.
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', '--', '-root', sb.root], { stdio: 'ignore' });
  try {
    const two = await runCmd(bin('emqx'), ['ping'], { env: sb.env });
    assert.equal(two.code, 1);
    assert.match(two.stderr, /More than one EMQX node found running \(root dir: /);
  } finally {
    other.kill();
  }

  const stop = await runCmd(bin('emqx'), ['stop'], { env: sb.env, timeoutMs: 60_000 });
  ok(stop);
  assert.equal(isAlive(pid), false, 'the node is stopped');
});
