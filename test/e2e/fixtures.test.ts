// The fixture builder itself: what every package carries (as release_handler and the wrapper need
// it), the runner and edition options, and a cache that concurrent builders share safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, fixtureSourceDir, FIXTURE_APP_VERSIONS } from '../../scripts/fixtures/build.js';
import { runCmd } from '../helpers/otp.js';

async function members(pkg: string): Promise<string[]> {
  const r = await runCmd('tar', ['-tzf', pkg]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

async function member(pkg: string, name: string): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-fx-'));
  try {
    const r = await runCmd('tar', ['-xzf', pkg, '-C', dir, name]);
    assert.equal(r.code, 0, r.stderr);
    return fs.readFileSync(path.join(dir, name));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('default build: every version, each package complete and rooted without ./', async () => {
  const fx = await buildFixtures();
  assert.deepEqual(fx.versions, Object.keys(FIXTURE_APP_VERSIONS));
  const legacy = fs.readFileSync(path.join(fixtureSourceDir(), 'release', 'emqx'));
  for (const v of fx.versions) {
    const pkg = fx.packages[v]!;
    assert.equal(path.basename(pkg), `emqx-${v}.tar.gz`);
    const names = await members(pkg);
    for (const m of [
      `bin/emqx-${v}`,
      `bin/install_upgrade.escript-${v}`,
      'bin/emqx',
      'bin/install_upgrade.escript',
      'bin/nodetool',
      `bin/nodetool-${v}`,
      'bin/emqx_ctl',
      `bin/emqx_ctl-${v}`,
      'bin/no_dot_erlang.boot',
      'releases/emqx_vars',
      // What EMQX's escript unpacks by: release_handler:unpack_release("<v>/emqx").
      `releases/${v}/emqx.rel`,
      `releases/${v}/start.boot`,
      `releases/${v}/vm.args`,
      `erts-${fx.otp.ertsVersion}/bin/erlexec`,
      `erts-${fx.otp.ertsVersion}/bin/escript`,
      `lib/relup_probe-${FIXTURE_APP_VERSIONS[v]}/ebin/relup_probe_server.beam`,
    ]) {
      assert.ok(names.includes(m), `${v}: ${m} missing`);
    }
    assert.equal(names.includes(`releases/${v}/relup`), v !== fx.versions[0], `${v}: relup only above the oldest`);
    assert.deepEqual(names.filter((n) => n.startsWith('./') || n.startsWith('/')), []);
    assert.deepEqual(await member(pkg, `bin/emqx-${v}`), legacy);
    const vars = (await member(pkg, 'releases/emqx_vars')).toString();
    for (const line of ['REL_NAME="emqx"', `REL_VSN="${v}"`, `ERTS_VSN="${fx.otp.ertsVersion}"`, 'IS_ENTERPRISE="no"']) {
      assert.ok(vars.split('\n').includes(line), `${v}: emqx_vars lacks ${line}`);
    }
    assert.match(vars, /^EMQX_DEFAULT_ERLANG_COOKIE="\w+"$/m);
    // The .rel must name the running ERTS, or the relup would restart the emulator.
    assert.match((await member(pkg, `releases/${v}/emqx.rel`)).toString(), new RegExp(`\\{erts,\\s*"${fx.otp.ertsVersion.replace(/\./g, '\\.')}"\\}`));
  }
  const again = await buildFixtures();
  assert.equal(again.cached, true);
  assert.equal(again.dir, fx.dir);
});

test('runner and edition options; concurrent builders share one cache entry', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-fx-cache-'));
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-fx-out-'));
  try {
    const runner = path.join(outDir, 'runner');
    fs.writeFileSync(runner, '#!/bin/sh\necho stand-in runner\n');
    const opts = { cacheDir, runner, edition: 'enterprise' as const, versions: ['5.0.1'] };
    const all = await Promise.all([1, 2, 3].map(() => buildFixtures(opts)));
    assert.equal(new Set(all.map((f) => f.dir)).size, 1);
    assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(all[0]!.dir)], 'no build directories left behind');
    const pkg = all[0]!.packages['5.0.1']!;
    assert.equal(path.basename(pkg), 'emqx-enterprise-5.0.1.tar.gz');
    assert.ok((await members(pkg)).includes('releases/5.0.1/emqx.rel'));
    assert.deepEqual(await member(pkg, 'bin/emqx-5.0.1'), fs.readFileSync(runner));
    assert.match((await member(pkg, 'releases/emqx_vars')).toString(), /^IS_ENTERPRISE="yes"$/m);

    const copied = await buildFixtures({ ...opts, outDir });
    assert.equal(copied.cached, true);
    assert.equal(copied.packages['5.0.1'], path.join(outDir, 'emqx-enterprise-5.0.1.tar.gz'));
    assert.deepEqual(fs.readFileSync(copied.packages['5.0.1']!), fs.readFileSync(pkg));

    await assert.rejects(buildFixtures({ cacheDir, versions: ['6.0.0'] }), /no fixture application for release 6\.0\.0/);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
