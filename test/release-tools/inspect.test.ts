import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { inspect } from '../../src/release-tools/inspect.js';
import { MAX_SCRIPT_BYTES } from '../../src/release-tools/layout.js';
import { pack } from '../../src/release-tools/pack.js';
import { craftTarGz, ESCRIPT_TEXT, gnuTar, makeReleaseDir, type ReleaseSpec, RUNNER_TEXT, scratch } from '../helpers/pack-fixtures.js';
import { makeTruncatedTarGz } from '../package/fixtures.js';

const scratchDir = scratch('inspect');

const V = '5.0.1';
const SCRIPTS = [`bin/emqx-${V}`, `bin/install_upgrade.escript-${V}`];
/** With the versioned companions EMQX's escript copies on a permanent install. */
const REST = ['releases', 'lib', 'etc', 'data', 'bin/emqx', 'bin/install_upgrade.escript', 'bin/nodetool', 'bin/emqx_ctl', `bin/nodetool-${V}`, `bin/emqx_ctl-${V}`];
const COMPANIONS = { [`bin/nodetool-${V}`]: '#!/usr/bin/env escript\nmain(_) -> ok.\n', [`bin/emqx_ctl-${V}`]: '#!/bin/sh\n' };

/** A release dir that already carries the versioned scripts, tarred by GNU tar in the given order. */
function tarred(file: string, opts: { spec?: ReleaseSpec; names?: string[]; edit?: (rel: string) => void; format?: 'gnu' | 'pax' } = {}): string {
  const root = scratchDir();
  const rel = makeReleaseDir(path.join(root, 'rel'), {
    ...opts.spec,
    files: { [SCRIPTS[0]!]: RUNNER_TEXT, [SCRIPTS[1]!]: ESCRIPT_TEXT, ...COMPANIONS, ...opts.spec?.files },
  });
  opts.edit?.(rel);
  return gnuTar(rel, path.join(root, file), { names: opts.names ?? [...SCRIPTS, ...REST], format: opts.format ?? 'gnu' });
}

async function codes(file: string): Promise<string[]> {
  return (await inspect(file)).problems.map((p) => p.code);
}

describe('inspect: a good package', () => {
  it('made by GNU tar in the right order: no problem, facts reported', async () => {
    const file = tarred(`emqx-${V}-ubuntu22.04-amd64.tar.gz`);
    const r = await inspect(file);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.name, { edition: 'community', version: V, platform: 'ubuntu22.04-amd64' });
    assert.deepEqual(r.scripts.runner, { name: SCRIPTS[0], position: 1, size: RUNNER_TEXT.length, mode: '0755', type: 'file' });
    assert.equal(r.scripts.escript!.position, 2);
    assert.equal(r.release.dir, `releases/${V}/`);
    assert.equal(r.release.rel, `releases/${V}/emqx.rel`);
    assert.equal(r.release.relVersion, V);
    assert.deepEqual(r.sidecar, { present: false, matches: null });
  });

  it('made by pack, with its sidecar', async () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'), { edition: 'enterprise' });
    const p = await pack({ input: rel, outDir: root, env: {} });
    const r = await inspect(p.package);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.sidecar, { present: true, matches: true });
    assert.equal(r.sha256, p.sha256);
    assert.equal(r.release.edition, 'enterprise');
  });

  it('its upgrade paths, from the relup pack put third', async () => {
    const root = scratchDir();
    const rel = makeReleaseDir(path.join(root, 'rel'), { files: { [`releases/${V}/relup`]: `%% coding: utf-8\n{"${V}",[{"5.0.0",[],[point_of_no_return]}],[{"5.0.0",[],[]}]}.\n` } });
    const p = await pack({ input: rel, outDir: root, platform: null, env: {} });
    const r = await inspect(p.package);
    assert.deepEqual(r.relup, { upFrom: ['5.0.0'], downTo: ['5.0.0'], member: 3 });
    assert.deepEqual([r.problems, r.warnings.map((w) => w.code)], [[], ['NAME_NO_PLATFORM']]);
  });
});

describe('inspect: finds each planted defect', () => {
  const cases: [string, () => Promise<string> | string, string[]][] = [
    ['scripts missing', () => tarred(`emqx-${V}.tar.gz`, { names: REST }), ['SCRIPT_MISSING', 'SCRIPT_MISSING']],
    ['scripts not first', () => tarred(`emqx-${V}.tar.gz`, { names: [...REST, ...SCRIPTS] }), ['SCRIPT_NOT_FIRST', 'SCRIPT_NOT_FIRST']],
    ['only one script first', () => tarred(`emqx-${V}.tar.gz`, { names: [SCRIPTS[0]!, ...REST, SCRIPTS[1]!] }), ['SCRIPT_NOT_FIRST']],
    ['wrong version in the name', () => tarred('emqx-5.0.2.tar.gz'), ['OTHER_RELEASE', 'RELEASE_DIR_MISSING', 'SCRIPT_MISSING', 'SCRIPT_MISSING', 'SCRIPT_OTHER_VERSION']],
    ["'./' prefix", () => tarred(`emqx-${V}.tar.gz`, { names: SCRIPTS.concat(REST).map((n) => `./${n}`) }), ['DOT_PREFIX']],
    [
      'top-level folder',
      () => {
        const root = scratchDir();
        makeReleaseDir(path.join(root, 'emqx'), { files: { [SCRIPTS[0]!]: RUNNER_TEXT, [SCRIPTS[1]!]: ESCRIPT_TEXT, ...COMPANIONS } });
        return gnuTar(root, path.join(root, `emqx-${V}.tar.gz`), { names: ['emqx'] });
      },
      ['TOP_FOLDER', 'RELEASE_DIR_MISSING', 'SCRIPT_MISSING', 'SCRIPT_MISSING'],
    ],
    ['duplicate scripts', () => tarred(`emqx-${V}.tar.gz`, { names: [...SCRIPTS, ...REST, SCRIPTS[0]!] }), ['SCRIPT_DUPLICATE']],
    ['missing releases/<v>/', () => tarred(`emqx-${V}.tar.gz`, { names: [...SCRIPTS, 'releases/emqx_vars', 'lib'] }), ['RELEASE_DIR_MISSING']],
    ['missing .rel', () => tarred(`emqx-${V}.tar.gz`, { edit: (rel) => fs.rmSync(path.join(rel, `releases/${V}/emqx.rel`)) }), ['REL_MISSING']],
    ['.rel of another version', () => tarred(`emqx-${V}.tar.gz`, { edit: (rel) => fs.writeFileSync(path.join(rel, `releases/${V}/emqx.rel`), '{release, {"emqx", "5.0.0"}, {erts, "1"}, []}.') }), ['REL_VERSION']],
    ['an emqx_vars sh could not read', () => tarred(`emqx-${V}.tar.gz`, { edit: (rel) => fs.appendFileSync(path.join(rel, 'releases/emqx_vars'), 'BROKEN="unterminated\n') }), ['VARS_INVALID']],
    ['a .rel that is not one', () => tarred(`emqx-${V}.tar.gz`, { edit: (rel) => fs.writeFileSync(path.join(rel, `releases/${V}/emqx.rel`), 'garbage') }), ['REL_INVALID']],
    ['emqx_vars of another edition', () => tarred(`emqx-enterprise-${V}.tar.gz`), ['EDITION']],
    ['zero-byte script', () => tarred(`emqx-${V}.tar.gz`, { spec: { files: { [SCRIPTS[1]!]: '' } } }), ['SCRIPT_EMPTY']],
    [
      'symlink script',
      () =>
        tarred(`emqx-${V}.tar.gz`, {
          edit: (rel) => {
            fs.rmSync(path.join(rel, SCRIPTS[0]!));
            fs.symlinkSync('emqx', path.join(rel, SCRIPTS[0]!));
          },
        }),
      ['SCRIPT_NOT_FILE'],
    ],
    ['script not executable', () => tarred(`emqx-${V}.tar.gz`, { edit: (rel) => fs.chmodSync(path.join(rel, SCRIPTS[0]!), 0o644) }), ['SCRIPT_MODE']],
    ['runner without #!', () => tarred(`emqx-${V}.tar.gz`, { spec: { files: { [SCRIPTS[0]!]: 'echo no shebang\n' } } }), ['SCRIPT_NO_SHEBANG']],
    ['not a package name', () => tarred('release.tar.gz'), ['NAME']],
    [
      'truncated',
      () => {
        const f = tarred(`emqx-${V}.tar.gz`, { spec: { files: { 'lib/x/big.bin': Buffer.from(Array.from({ length: 200000 }, (_, i) => (i * 31) & 255)) } } });
        const b = fs.readFileSync(f);
        fs.writeFileSync(f, b.subarray(0, b.length - 2000));
        return f;
      },
      ['READ'],
    ],
    [
      'not gzip',
      () => {
        const f = path.join(scratchDir(), `emqx-${V}.tar.gz`);
        fs.writeFileSync(f, 'not a package at all\n'.repeat(40));
        return f;
      },
      ['READ', 'RELEASE_DIR_MISSING', 'SCRIPT_MISSING', 'SCRIPT_MISSING'],
    ],
    [
      'a fifo member (GNU tar)',
      () =>
        tarred(`emqx-${V}.tar.gz`, {
          edit: (rel) => execFileSync('mkfifo', [path.join(rel, 'data', 'pipe')]),
        }),
      ['SPECIAL_ENTRY'],
    ],
    [
      'no version in the name nor in the release',
      () =>
        craftTarGz(path.join(scratchDir(), 'release.tar.gz'), [
          { name: 'bin/emqx', data: RUNNER_TEXT, mode: 0o755 },
          { name: 'lib/emqx-x/ebin/emqx.beam', data: 'x' },
        ]),
      ['NAME', 'VERSION_UNKNOWN'],
    ],
    [
      'a runner over 16 MiB',
      () =>
        craftTarGz(path.join(scratchDir(), `emqx-${V}.tar.gz`), [
          { name: SCRIPTS[0]!, data: Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.alloc(MAX_SCRIPT_BYTES, 0x23)]), mode: 0o755 },
          { name: SCRIPTS[1]!, data: ESCRIPT_TEXT, mode: 0o755 },
          { name: `releases/${V}/emqx.rel`, data: `{release, {"emqx", "${V}"}, {erts, "1"}, []}.` },
          ...Object.entries(COMPANIONS).map(([name, data]) => ({ name, data, mode: 0o755 })),
        ]),
      ['SCRIPT_TOO_BIG'],
    ],
    [
      'a tar cut short inside its last member (gzip intact)',
      async () => {
        const f = path.join(scratchDir(), `emqx-${V}.tar.gz`);
        await makeTruncatedTarGz(f, [
          { name: SCRIPTS[0]!, body: RUNNER_TEXT },
          { name: SCRIPTS[1]!, body: ESCRIPT_TEXT },
          { name: `releases/${V}/emqx.rel`, body: `{release, {"emqx", "${V}"}, {erts, "1"}, []}.` },
          { name: 'lib/emqx-x/ebin/emqx.beam', size: 5000 },
        ], 1000);
        return f;
      },
      ['READ'],
    ],
    [
      'absolute and .. names',
      () =>
        craftTarGz(path.join(scratchDir(), `emqx-${V}.tar.gz`), [
          { name: SCRIPTS[0]!, data: RUNNER_TEXT, mode: 0o755 },
          { name: SCRIPTS[1]!, data: ESCRIPT_TEXT, mode: 0o755 },
          { name: `releases/${V}/emqx.rel`, data: `{release, {"emqx", "${V}"}, {erts, "1"}, []}.` },
          ...Object.entries(COMPANIONS).map(([name, data]) => ({ name, data, mode: 0o755 })),
          { name: '/etc/cron.d/evil', data: 'x' },
          { name: 'lib/../../evil', data: 'x' },
        ]),
      ['UNSAFE_NAME', 'UNSAFE_NAME'],
    ],
  ];
  for (const [what, make, expected] of cases) {
    it(what, async () => {
      const got = await codes(await make());
      assert.deepEqual([...got].sort(), [...expected].sort());
    });
  }

  it('a sidecar that does not match, is malformed, or names another file', async () => {
    const file = tarred(`emqx-${V}.tar.gz`);
    fs.writeFileSync(`${file}.sha256`, `${'0'.repeat(64)}  emqx-${V}.tar.gz\n`);
    assert.deepEqual(await codes(file), ['SIDECAR_MISMATCH']);
    fs.writeFileSync(`${file}.sha256`, 'not a checksum\n');
    assert.deepEqual(await codes(file), ['SIDECAR_INVALID']);
    const sum = (await inspect(file)).sha256;
    fs.writeFileSync(`${file}.sha256`, `${sum}  other.tar.gz\n`);
    assert.deepEqual(await codes(file), ['SIDECAR_INVALID']);
    fs.writeFileSync(`${file}.sha256`, `${sum} *emqx-${V}.tar.gz\n`);
    assert.deepEqual(await codes(file), []);
  });
});
