import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RelupError } from '../../src/errors.js';
import { extractScripts } from '../../src/package/extract.js';
import { DEFAULT_MTIME, pack, type PackOptions } from '../../src/release-tools/pack.js';
import { ESCRIPT_TEXT, erlTar, gnuTar, makeReleaseDir, type Member, readMembers, RUNNER_TEXT, snapshot, scratch } from '../helpers/pack-fixtures.js';
import { fileSha256, sha256Of } from '../helpers/support.js';

const scratchDir = scratch('pack');

/** A release dir and an empty output dir. */
function setup(spec: Parameters<typeof makeReleaseDir>[1] = {}): { root: string; rel: string; out: string } {
  const root = scratchDir();
  const rel = makeReleaseDir(path.join(root, 'rel'), spec);
  const out = path.join(root, 'out');
  fs.mkdirSync(out);
  return { root, rel, out };
}

const stable = (m: Member) => ({ name: m.name, type: m.type, mode: m.mode, size: m.size, linkname: m.linkname, sha256: m.sha256 });

/** Members pack puts at the head after the two scripts, in this order, when the release has them. */
const headMeta = (version: string) => [`releases/${version}/relup`, 'releases/emqx_vars'];

/** The output's first two members are the versioned scripts, then the head's metadata as they were, and the rest are `rest` as they were. */
async function assertPackage(file: string, version: string, runner: string, escript: string, input: Member[]): Promise<Member[]> {
  const all = await readMembers(file);
  const meta = headMeta(version).flatMap((n) => {
    const m = input.find((x) => x.name === n && x.type === 'file');
    return m ? [m] : [];
  });
  assert.deepEqual(all.slice(2, 2 + meta.length).map(stable), meta.map(stable), 'relup and emqx_vars right after the scripts');
  const rest = input.filter((m) => !meta.includes(m));
  const out = [...all.slice(0, 2), ...all.slice(2 + meta.length)];
  assert.equal(out[0]!.name, `bin/emqx-${version}`);
  assert.equal(out[1]!.name, `bin/install_upgrade.escript-${version}`);
  for (const [m, text] of [
    [out[0]!, runner],
    [out[1]!, escript],
  ] as const) {
    assert.equal(m.type, 'file');
    assert.equal(m.mode, 0o755);
    assert.equal(m.sha256, sha256Of(text));
  }
  assert.deepEqual(out.slice(2, 2 + rest.length).map(stable), rest.map(stable));
  // Then the versioned companions an EMQX-style escript copies on a permanent install, from the plain ones.
  const has = (n: string) => rest.some((m) => m.name === n);
  const companions = ['bin/emqx_ctl', 'bin/nodetool'].filter((p) => has(p) && !has(`${p}-${version}`));
  const added = out.slice(2 + rest.length);
  assert.deepEqual(added.map((m) => m.name), companions.map((p) => `${p}-${version}`));
  for (const [i, a] of added.entries()) {
    const src = rest.find((m) => m.name === companions[i])!;
    assert.equal(a.sha256, src.sha256, a.name);
    assert.equal(a.mode, src.mode, a.name);
  }
  for (const m of all) {
    assert.equal(m.mtime, DEFAULT_MTIME, m.name);
    assert.equal(m.uid, 0);
    assert.equal(m.gid, 0);
    assert.equal(m.uname, '');
    assert.equal(m.gname, '');
    assert.ok(!m.name.startsWith('./') && !m.name.startsWith('/'), m.name);
  }
  return all;
}

async function refuses(opts: PackOptions, code: string, pattern: RegExp): Promise<void> {
  const out = opts.outDir!;
  const before = snapshot(out);
  const input = fs.statSync(opts.input).isDirectory() ? snapshot(opts.input) : fileSha256(opts.input);
  await assert.rejects(pack(opts), (e: unknown) => {
    assert.ok(e instanceof RelupError, String(e));
    assert.equal(e.code, code, e.line);
    assert.match(e.line, pattern);
    assert.ok(!e.line.includes('\n'));
    return true;
  });
  assert.deepEqual(snapshot(out), before, 'nothing written or left behind in the output directory');
  assert.deepEqual(fs.statSync(opts.input).isDirectory() ? snapshot(opts.input) : fileSha256(opts.input), input);
}

describe('pack: inputs', () => {
  it('a GNU tar package: scripts first, every other member kept in input order', async () => {
    const { root, rel, out } = setup();
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    assert.equal(r.package, path.join(out, 'emqx-5.0.1.tar.gz'));
    assert.equal(r.version, '5.0.1');
    assert.equal(r.edition, 'community');
    assert.deepEqual(r.warnings, []);
    const members = await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, await readMembers(input));
    assert.equal(r.entries, members.length);
    assert.equal(members[2]!.name, 'releases/emqx_vars', 'emqx_vars third: the wrapper reads it going up');
    assert.ok(members.some((m) => m.name.length > 100), 'a long name survives');
    assert.ok(members.some((m) => m.type === 'symlink' && m.linkname === 'emqx.conf'));
    assert.equal(r.sha256, fileSha256(r.package));
    assert.equal(fs.readFileSync(r.sidecar, 'utf8'), `${r.sha256}  emqx-5.0.1.tar.gz\n`);
    execFileSync('sha256sum', ['-c', path.basename(r.sidecar)], { cwd: out, stdio: 'pipe' });
    // GNU tar and bsdtar read the same member names.
    const gnu = execFileSync('tar', ['-tzf', r.package]).toString().trim().split('\n');
    assert.deepEqual(gnu, members.map((m) => m.name));
    const bsd = execFileSync('bsdtar', ['-tf', r.package]).toString().trim().split('\n');
    assert.equal(bsd.length, members.length);
    execFileSync('gzip', ['-t', r.package]);
  });

  it("the release's relup goes right after the scripts; another release's keeps its place at the end", async () => {
    const relup = (v: string, from: string) => `%% coding: utf-8\n{"${v}",[{"${from}",[],[point_of_no_return]}],[{"${from}",[],[]}]}.\n`;
    const { root, rel, out } = setup({ files: { 'releases/5.0.1/relup': relup('5.0.1', '5.0.0'), 'releases/5.0.0/relup': relup('5.0.0', '4.4.9') } });
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'), { names: ['bin', 'lib', 'etc', 'data', 'releases'] });
    const inMembers = await readMembers(input);
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const members = await readMembers(r.package);
    assert.deepEqual(members.slice(0, 4).map((m) => m.name), ['bin/emqx-5.0.1', 'bin/install_upgrade.escript-5.0.1', 'releases/5.0.1/relup', 'releases/emqx_vars']);
    const src = inMembers.find((m) => m.name === 'releases/5.0.1/relup')!;
    assert.equal(members[2]!.sha256, src.sha256);
    assert.equal(members[2]!.mode, src.mode);
    assert.equal(members.at(-1)!.name, 'releases/5.0.0/relup');
    assert.equal(members.filter((m) => m.name.endsWith('/relup')).length, 2, 'each once');
    assert.equal(r.entries, members.length);
    // Everything else as it was, in input order.
    const rest = (ms: typeof members) => ms.filter((m) => !m.name.endsWith('/relup') && m.name !== 'releases/emqx_vars' && !/^bin\/(emqx|install_upgrade\.escript|emqx_ctl|nodetool)-5\.0\.1$/.test(m.name)).map(stable);
    assert.deepEqual(rest(members), rest(inMembers));
    execFileSync('gzip', ['-t', r.package]);
  });

  it('a pax package with the scripts last: still moved to the front', async () => {
    const { root, rel, out } = setup();
    const input = gnuTar(rel, path.join(root, 'emqx-5.0.1.tar.gz'), { format: 'pax', names: ['lib', 'releases', 'etc', 'data', 'bin'] });
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, await readMembers(input));
  });

  it("a './'-prefixed package is repaired", async () => {
    const { root, rel, out } = setup();
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'), { names: ['.'] });
    const inMembers = await readMembers(input);
    assert.equal(inMembers[0]!.name, './');
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const expected = inMembers.slice(1).map((m) => ({ ...m, name: m.name.slice(2) }));
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, expected);
  });

  it('a package with a top-level folder is repaired', async () => {
    const { root, rel, out } = setup();
    fs.renameSync(rel, path.join(root, 'emqx'));
    const input = gnuTar(root, path.join(root, 'in.tar.gz'), { names: ['emqx'] });
    const inMembers = await readMembers(input);
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const expected = inMembers.slice(1).map((m) => ({ ...m, name: m.name.slice('emqx/'.length) }));
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, expected);
  });

  it("hard links keep their target, repaired like every name", async () => {
    const { root, rel, out } = setup();
    fs.linkSync(path.join(rel, 'lib/emqx-5.0.1/ebin/emqx.beam'), path.join(rel, 'lib/emqx-5.0.1/ebin/emqx_copy.beam'));
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'), { names: ['.'] });
    const inMembers = await readMembers(input);
    const link = inMembers.find((m) => m.type === 'link')!;
    assert.equal(link.linkname, './lib/emqx-5.0.1/ebin/emqx.beam');
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const expected = inMembers.slice(1).map((m) => ({ ...m, name: m.name.slice(2), linkname: m.type === 'link' ? m.linkname!.slice(2) : m.linkname }));
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, expected);
    const x = path.join(root, 'x');
    fs.mkdirSync(x);
    execFileSync('tar', ['-xzf', r.package, '-C', x]);
    assert.equal(fs.statSync(path.join(x, 'lib/emqx-5.0.1/ebin/emqx_copy.beam')).ino, fs.statSync(path.join(x, 'lib/emqx-5.0.1/ebin/emqx.beam')).ino);
  });

  it('repacking a package in place replaces it atomically', async () => {
    const { rel, out } = setup();
    const a = await pack({ platform: null, input: rel, outDir: out, env: {} });
    const b = await pack({ platform: null, input: a.package, outDir: out, env: {} });
    assert.equal(b.package, a.package);
    assert.equal(b.sha256, a.sha256);
    assert.deepEqual(fs.readdirSync(out).sort(), ['emqx-5.0.1.tar.gz', 'emqx-5.0.1.tar.gz.sha256']);
  });

  it('a release directory: members sorted, directories as name/', async () => {
    const { rel, out } = setup();
    const r = await pack({ platform: null, input: rel, outDir: out, env: {} });
    const members = await readMembers(r.package);
    assert.equal(members[2]!.name, 'releases/emqx_vars');
    const names = members.slice(3).map((m) => m.name);
    assert.equal(names[0], 'bin/');
    assert.ok(names.includes('bin/emqx') && names.includes('etc/emqx.conf.link') && names.includes('data/'));
    // Same content as GNU tar of the directory, in sorted order.
    const viaTar = await readMembers(gnuTar(rel, path.join(out, '..', 'viatar.tar.gz'), { names: ['bin', 'data', 'etc', 'lib', 'releases'], extra: ['--sort=name'] }));
    assert.deepEqual(members.slice(3, -2).map(stable), viaTar.filter((m) => m.name !== 'releases/emqx_vars').map(stable));
    assert.deepEqual(members.slice(-2).map((m) => m.name), ['bin/emqx_ctl-5.0.1', 'bin/nodetool-5.0.1']);
    assert.equal(members.find((m) => m.name === 'etc/emqx.conf')!.mode, 0o640);
  });

  it('an erl_tar package, and erl_tar extracts the result', async () => {
    const { root, rel, out } = setup();
    const input = erlTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, await readMembers(input));
    const x = path.join(root, 'x');
    fs.mkdirSync(x);
    execFileSync('erl', ['-noshell', '-eval', `ok = erl_tar:extract("${r.package}", [compressed, {cwd, "${x}"}]), halt().`], { stdio: 'pipe' });
    const want = snapshot(rel);
    want['bin/emqx-5.0.1'] = want['bin/emqx']!;
    want['bin/install_upgrade.escript-5.0.1'] = want['bin/install_upgrade.escript']!;
    want['bin/emqx_ctl-5.0.1'] = want['bin/emqx_ctl']!;
    want['bin/nodetool-5.0.1'] = want['bin/nodetool']!;
    const got = snapshot(x);
    // erl_tar applies the umask to directories; compare files and links only.
    const files = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => !k.endsWith('/')));
    assert.deepEqual(files(got), files(want));
  });

  it('a systools:make_tar package with --runner and --escript, no emqx_vars', async () => {
    const root = scratchDir();
    const ebin = path.join(root, 'lib/foo-1.0/ebin');
    fs.mkdirSync(ebin, { recursive: true });
    fs.writeFileSync(path.join(ebin, 'foo.app'), '{application, foo, [{description, "foo"}, {vsn, "1.0"}, {modules, []}, {registered, []}, {applications, [kernel, stdlib]}]}.\n');
    const erl = (expr: string) => execFileSync('erl', ['-noshell', '-eval', expr], { cwd: root }).toString();
    const [kernel, stdlib, erts] = erl(
      'application:load(stdlib), V = fun(A) -> element(3, lists:keyfind(A, 1, application:loaded_applications())) end, io:format("~s ~s ~s", [V(kernel), V(stdlib), erlang:system_info(version)]), halt().',
    ).split(' ');
    fs.writeFileSync(path.join(root, 'emqx.rel'), `{release, {"emqx", "5.1.0-rc.1"}, {erts, "${erts}"}, [{kernel, "${kernel}"}, {stdlib, "${stdlib}"}, {foo, "1.0"}]}.\n`);
    execFileSync('erl', ['-noshell', '-eval', '{ok, _, _} = systools:make_script("emqx", [{path, ["lib/*/ebin"]}, silent]), {ok, _, _} = systools:make_tar("emqx", [{path, ["lib/*/ebin"]}, silent]), halt().'], { cwd: root, stdio: 'pipe' });
    const input = path.join(root, 'emqx.tar.gz');
    const runner = path.join(root, 'runner.sh');
    const escript = path.join(root, 'upgrade.escript');
    fs.writeFileSync(runner, RUNNER_TEXT);
    fs.writeFileSync(escript, ESCRIPT_TEXT);
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    const r = await pack({ platform: null, input, outDir: out, runner, escript, env: {} });
    assert.equal(path.basename(r.package), 'emqx-5.1.0-rc.1.tar.gz');
    assert.match(r.warnings.join('\n'), /packing as community/);
    const members = await assertPackage(r.package, '5.1.0-rc.1', RUNNER_TEXT, ESCRIPT_TEXT, await readMembers(input));
    assert.ok(members.some((m) => m.name === 'releases/5.1.0-rc.1/emqx.rel'));
    // The edition can be given when the release does not say.
    const e = await pack({ input, outDir: out, runner, escript, edition: 'enterprise', platform: 'otp25-ubuntu22.04-amd64', env: {} });
    assert.equal(path.basename(e.package), 'emqx-enterprise-5.1.0-rc.1-otp25-ubuntu22.04-amd64.tar.gz');
  });
});

describe('pack: determinism', () => {
  it('two runs give the same bytes; SOURCE_DATE_EPOCH and a changed input change them', async () => {
    const { root, rel, out } = setup();
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const a = await pack({ platform: null, input, outDir: out, env: {} });
    const bytesA = fs.readFileSync(a.package);
    const out2 = scratchDir();
    const b = await pack({ platform: null, input, outDir: out2, env: {} });
    assert.ok(fs.readFileSync(b.package).equals(bytesA));
    // Another archiver's view of the same release gives the same package.
    const fromDir = await pack({ platform: null, input: rel, outDir: scratchDir(), env: {} });
    assert.equal((await readMembers(fromDir.package)).length, (await readMembers(a.package)).length);
    // The fixed gzip header: no name, mtime 0, OS Unix.
    assert.deepEqual([...bytesA.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

    const c = await pack({ platform: null, input, outDir: scratchDir(), env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.ok(!fs.readFileSync(c.package).equals(bytesA));
    assert.ok((await readMembers(c.package)).every((m) => m.mtime === 1700000000));

    fs.appendFileSync(path.join(rel, 'lib/emqx-5.0.1/ebin/emqx.app'), '%\n');
    const changed = gnuTar(rel, path.join(root, 'in2.tar.gz'));
    const d = await pack({ platform: null, input: changed, outDir: scratchDir(), env: {} });
    assert.notEqual(d.sha256, a.sha256);
  });

  it('packing a packed package changes nothing', async () => {
    const { root, rel, out } = setup();
    const a = await pack({ platform: null, input: gnuTar(rel, path.join(root, 'in.tar.gz'), { names: ['lib', 'bin', 'releases', 'etc', 'data'] }), outDir: out, env: {} });
    const again = scratchDir();
    const b = await pack({ platform: null, input: a.package, outDir: again, env: {} });
    assert.equal(b.sha256, a.sha256);
    assert.equal(b.runnerFrom, 'bin/emqx-5.0.1');
  });

  it('a body larger than one deflate block round-trips', async () => {
    const big = randomBytes(8 * 1024 * 1024 + 12345);
    const { root, rel, out } = setup({ files: { 'lib/big-1/priv/blob.bin': big, 'lib/big-1/priv/zeros.bin': Buffer.alloc(2 * 1024 * 1024) } });
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    await assertPackage(r.package, '5.0.1', RUNNER_TEXT, ESCRIPT_TEXT, await readMembers(input));
    execFileSync('gzip', ['-t', r.package]);
    // The bootstrapper's extraction stops after the first two members, long before the end.
    const bin = scratchDir();
    const x = await extractScripts(r.package, '5.0.1', bin);
    assert.equal(x.entriesSeen, 2);
    assert.ok(x.bytesRead < fs.statSync(r.package).size / 2, `${x.bytesRead} of ${fs.statSync(r.package).size}`);
    assert.equal(fs.readFileSync(path.join(bin, 'emqx-5.0.1'), 'utf8'), RUNNER_TEXT);
  });
});

describe('pack: script sources', () => {
  it('--runner/--escript replace the release scripts; the release ones stay in place', async () => {
    const { root, rel, out } = setup();
    fs.writeFileSync(path.join(root, 'r'), '#!/bin/sh\necho custom\n');
    fs.writeFileSync(path.join(root, 'e'), '#!/usr/bin/env escript\nmain(_) -> custom.\n');
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, runner: path.join(root, 'r'), escript: path.join(root, 'e'), env: {} });
    await assertPackage(r.package, '5.0.1', '#!/bin/sh\necho custom\n', '#!/usr/bin/env escript\nmain(_) -> custom.\n', await readMembers(input));
  });

  it('the wrapper as bin/emqx-<v> is refused: EMQX\'s escript would copy it over bin/emqx', async () => {
    const s = setup();
    await refuses({ platform: null, input: s.rel, outDir: s.out, wrapper: true, env: {} }, 'USAGE', /copies over bin\/emqx on a permanent install/);
    // The same bytes under --runner, or already in the release, are refused too.
    const w = path.join(s.root, 'emqx.cjs');
    fs.writeFileSync(w, '#!/usr/bin/env node\n// @emqx-relup/wrapper: one-file build\n');
    await refuses({ platform: null, input: s.rel, outDir: s.out, runner: w, env: {} }, 'USAGE', /--runner .*emqx\.cjs would make the emqx-relup wrapper/);
    fs.copyFileSync(w, path.join(s.rel, 'bin/emqx-5.0.1'));
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'USAGE', /bin\/emqx-5\.0\.1 would make the emqx-relup wrapper/);
  });

  it('what an EMQX-style escript needs: versioned companions and releases/<v>/<rel>.rel are added', async () => {
    // A systools-style input: releases/<rel>-<v>.rel and releases/<v>/<rel>-<v>.rel, no releases/<v>/emqx.rel.
    const { root, rel, out } = setup();
    fs.copyFileSync(path.join(rel, 'releases/5.0.1/emqx.rel'), path.join(rel, 'releases/emqx-5.0.1.rel'));
    fs.renameSync(path.join(rel, 'releases/5.0.1/emqx.rel'), path.join(rel, 'releases/5.0.1/emqx-5.0.1.rel'));
    fs.rmSync(path.join(rel, 'bin/emqx_ctl'));
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const m = await readMembers(r.package);
    assert.deepEqual(m.slice(-2).map((x) => x.name), ['bin/nodetool-5.0.1', 'releases/5.0.1/emqx.rel'], 'added at the end');
    const byName = new Map(m.map((x) => [x.name, x]));
    assert.equal(byName.get('releases/5.0.1/emqx.rel')?.sha256, byName.get('releases/5.0.1/emqx-5.0.1.rel')?.sha256);
    assert.equal(byName.get('bin/nodetool-5.0.1')?.sha256, byName.get('bin/nodetool')?.sha256);
    assert.equal(byName.has('bin/emqx_ctl-5.0.1'), false);
    assert.match(r.warnings.join('\n'), /no bin\/emqx_ctl, so the package has no bin\/emqx_ctl-5\.0\.1/);
    // Packing the package again adds nothing more.
    const again = await pack({ platform: null, input: r.package, outDir: scratchDir(), env: {} });
    assert.deepEqual((await readMembers(again.package)).map((x) => x.name), m.map((x) => x.name));
  });

  it('the platform part: --platform, else the input name\'s, else this machine\'s (with a warning)', async () => {
    const { root, rel, out } = setup();
    const ubuntu = { osRelease: 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n', arch: 'x64' };
    const r = await pack({ input: rel, outDir: out, machine: ubuntu, env: {} });
    assert.equal(path.basename(r.package), 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz');
    assert.equal(r.platform, 'ubuntu22.04-amd64');
    assert.match(r.warnings.join('\n'), /named for this machine \(ubuntu22\.04-amd64\)/);
    const named = gnuTar(rel, path.join(root, 'emqx-5.0.1-el8-arm64.tar.gz'));
    const k = await pack({ input: named, outDir: scratchDir(), machine: ubuntu, env: {} });
    assert.equal(path.basename(k.package), 'emqx-5.0.1-el8-arm64.tar.gz');
    assert.deepEqual(k.warnings, []);
    await refuses({ input: rel, outDir: scratchDir(), machine: { osRelease: null, arch: 'x64' }, env: {} }, 'USAGE', /pass --platform/);
  });

  it('an input that already carries versioned scripts of this and another version', async () => {
    const { root, rel, out } = setup({ files: { 'bin/emqx-5.0.0': '#!/bin/sh\nold\n', 'bin/emqx-5.0.1': '#!/bin/sh\ncarried\n', 'bin/install_upgrade.escript-5.0.1': '#!/usr/bin/env escript\ncarried\n' } });
    const input = gnuTar(rel, path.join(root, 'in.tar.gz'));
    const r = await pack({ platform: null, input, outDir: out, env: {} });
    const m = await readMembers(r.package);
    assert.equal(m[0]!.sha256, sha256Of('#!/bin/sh\ncarried\n'));
    assert.equal(m.filter((x) => x.name === 'bin/emqx-5.0.1').length, 1);
    assert.equal(m.at(-1)!.name, 'bin/emqx-5.0.0', 'other versions are kept, at the end');
    const o = await pack({ platform: null, input, outDir: scratchDir(), runner: path.join(rel, 'bin/emqx'), env: {} });
    assert.match(o.warnings.join('\n'), /bin\/emqx-5\.0\.1 of the input was replaced/);
  });

  it('enterprise from emqx_vars names the package emqx-enterprise-...', async () => {
    const { rel, out } = setup({ edition: 'enterprise', version: '5.6.1+patch.A' });
    const r = await pack({ input: rel, outDir: out, platform: 'el8-amd64', env: {} });
    assert.equal(path.basename(r.package), 'emqx-enterprise-5.6.1+patch.A-el8-amd64.tar.gz');
    assert.equal(r.edition, 'enterprise');
  });
});

describe('pack: refusals leave nothing behind', () => {
  it('no releases/<v>/', async () => {
    const { rel, out } = setup();
    fs.rmSync(path.join(rel, 'releases/5.0.1'), { recursive: true });
    fs.mkdirSync(path.join(rel, 'releases/5.0.0'));
    fs.writeFileSync(path.join(rel, 'releases/5.0.0/emqx.rel'), '{release, {"emqx", "5.0.0"}, {erts, "1"}, []}.\n');
    await refuses({ platform: null, input: rel, outDir: out, env: {} }, 'BAD_PACKAGE', /no releases\/5\.0\.1\//);
  });

  it('a .rel for another version', async () => {
    const { rel, out } = setup();
    fs.writeFileSync(path.join(rel, 'releases/5.0.1/emqx.rel'), '{release, {"emqx", "5.0.2"}, {erts, "1"}, []}.\n');
    await refuses({ platform: null, input: rel, outDir: out, env: {} }, 'BAD_PACKAGE', /emqx\.rel is for version 5\.0\.2, not 5\.0\.1/);
  });

  it('no .rel at all', async () => {
    const { rel, out } = setup({ vars: false });
    fs.rmSync(path.join(rel, 'releases/5.0.1/emqx.rel'));
    fs.rmSync(path.join(rel, 'releases/start_erl.data'));
    await refuses({ platform: null, input: rel, outDir: out, env: {} }, 'BAD_PACKAGE', /no releases\/<version>\/ with a \.rel/);
  });

  it('a version in the input name that is not the release', async () => {
    const { root, rel, out } = setup();
    const input = gnuTar(rel, path.join(root, 'emqx-5.0.2.tar.gz'));
    await refuses({ platform: null, input, outDir: out, env: {} }, 'BAD_PACKAGE', /named for version 5\.0\.2 but holds release 5\.0\.1/);
  });

  it('--version and --edition that disagree with the release', async () => {
    const { rel, out } = setup();
    await refuses({ platform: null, input: rel, outDir: out, version: '5.0.2', env: {} }, 'CONFIG', /--version 5\.0\.2 does not match the release, which is 5\.0\.1/);
    await refuses({ platform: null, input: rel, outDir: out, edition: 'enterprise', env: {} }, 'EDITION_MISMATCH', /--edition enterprise does not match/);
  });

  it('scripts missing, empty, a symlink, or twice', async () => {
    let s = setup({ runner: null });
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'BAD_PACKAGE', /neither bin\/emqx-5\.0\.1 nor bin\/emqx.*--runner/);
    s = setup({ escript: null });
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'BAD_PACKAGE', /neither bin\/install_upgrade\.escript-5\.0\.1 nor bin\/install_upgrade\.escript.*--escript/);
    s = setup({ runner: '' });
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'BAD_PACKAGE', /bin\/emqx is empty/);
    s = setup({ runner: null });
    fs.symlinkSync('nodetool', path.join(s.rel, 'bin/emqx'));
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'BAD_PACKAGE', /bin\/emqx is a symlink, not a regular file/);
    s = setup();
    const dup = gnuTar(s.rel, path.join(s.root, 'dup.tar.gz'), { names: ['bin', 'releases', 'lib', 'bin/emqx'] });
    await refuses({ platform: null, input: dup, outDir: s.out, env: {} }, 'BAD_PACKAGE', /holds bin\/emqx twice/);
  });

  it('an output directory inside the release directory', async () => {
    const s = setup();
    await refuses({ platform: null, input: s.rel, outDir: s.rel, env: {} }, 'USAGE', /inside the release directory/);
    await refuses({ platform: null, input: s.rel, outDir: path.join(s.rel, 'releases'), env: {} }, 'USAGE', /give --out a directory outside the release/);
  });

  it('versioned scripts of other versions beyond what memory may hold', async () => {
    const big = Buffer.alloc(14 * 1024 * 1024, 0x61);
    const files = Object.fromEntries(['5.0.0', '4.4.1', '4.4.2', '4.4.3', '4.4.4'].map((v) => [`bin/emqx-${v}`, big]));
    const s = setup({ files });
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: {} }, 'BAD_PACKAGE', /over 64 MiB of versioned scripts/);
  });

  it('a mixed layout it cannot repair', async () => {
    const s = setup();
    const input = gnuTar(s.rel, path.join(s.root, 'mixed.tar.gz'), { names: ['./bin', 'releases', 'lib'] });
    await refuses({ platform: null, input, outDir: s.out, env: {} }, 'BAD_PACKAGE', /mixed layout/);
  });

  it('not gzip, truncated gzip, missing input, missing output directory', async () => {
    const s = setup();
    const junk = path.join(s.root, 'junk.tar.gz');
    fs.writeFileSync(junk, 'this is not a package\n'.repeat(100));
    await refuses({ platform: null, input: junk, outDir: s.out, env: {} }, 'BAD_PACKAGE', /is not a gzip file/);
    const good = fs.readFileSync(gnuTar(s.rel, path.join(s.root, 'good.tar.gz'), { names: ['lib', 'releases', 'bin'] }));
    const cut = path.join(s.root, 'cut.tar.gz');
    fs.writeFileSync(cut, good.subarray(0, Math.floor(good.length / 2)));
    await refuses({ platform: null, input: cut, outDir: s.out, env: {} }, 'BAD_PACKAGE', /is truncated/);
    await refuses({ input: s.rel, outDir: s.out, platform: 'not a platform', env: {} }, 'USAGE', /--platform/);
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: { SOURCE_DATE_EPOCH: 'yesterday' } }, 'USAGE', /SOURCE_DATE_EPOCH/);
    await refuses({ platform: null, input: s.rel, outDir: s.out, env: { SOURCE_DATE_EPOCH: '99999999999' } }, 'USAGE', /SOURCE_DATE_EPOCH/);
    await assert.rejects(pack({ platform: null, input: path.join(s.root, 'nope.tar.gz'), outDir: s.out }), (e: unknown) => (e as RelupError).code === 'NOT_FOUND');
    await assert.rejects(pack({ platform: null, input: s.rel, outDir: path.join(s.root, 'nope') }), (e: unknown) => (e as RelupError).code === 'NOT_FOUND');
    assert.deepEqual(fs.readdirSync(s.out), []);
  });
});
