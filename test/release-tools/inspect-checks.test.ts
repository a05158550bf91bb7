import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPackage, type Scan, type ScannedEntry } from '../../src/release-tools/inspect-checks.js';
import { MAX_SCRIPT_BYTES } from '../../src/release-tools/layout.js';

const file = (name: string, size = 10, mode = 0o644, head?: string): ScannedEntry => ({ name, type: 'file', mode, size, linkname: null, head: head === undefined ? undefined : Buffer.from(head) });
const dir = (name: string): ScannedEntry => ({ name, type: 'directory', mode: 0o755, size: 0, linkname: null });

function scan(over: Partial<Scan> = {}): Scan {
  return {
    file: '/x/emqx-5.0.1-el8-amd64.tar.gz',
    size: 1000,
    sha256: 'a'.repeat(64),
    entries: [
      file('bin/emqx-5.0.1', 20, 0o755, '#!/bin/sh\n'),
      file('bin/install_upgrade.escript-5.0.1', 30, 0o755, '#!/usr/bin/env escript\n'),
      dir('releases/'),
      dir('releases/5.0.1/'),
      file('releases/5.0.1/emqx.rel'),
      file('releases/emqx_vars'),
      file('bin/emqx_ctl-5.0.1', 10, 0o755),
      file('bin/nodetool-5.0.1', 10, 0o755),
      file('lib/emqx-5.0.1/ebin/emqx.beam'),
    ],
    texts: new Map([
      ['releases/5.0.1/emqx.rel', '{release, {"emqx", "5.0.1"}, {erts, "13.1"}, []}.'],
      ['releases/emqx_vars', 'REL_NAME="emqx"\nREL_VSN="5.0.1"\nIS_ENTERPRISE="no"\n'],
    ]),
    sidecar: null,
    readError: null,
    ...over,
  };
}

describe('checkPackage (pure)', () => {
  it('reports the facts of a good package and no problem', () => {
    const r = checkPackage(scan());
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.name, { edition: 'community', version: '5.0.1', platform: 'el8-amd64' });
    assert.deepEqual(r.release, { dir: 'releases/5.0.1/', rel: 'releases/5.0.1/emqx.rel', relName: 'emqx', relVersion: '5.0.1', varsVersion: '5.0.1', edition: 'community' });
    assert.deepEqual(r.scripts.runner, { name: 'bin/emqx-5.0.1', position: 1, size: 20, mode: '0755', type: 'file' });
  });

  it('scripts in either order among the first two are fine; a third place is not', () => {
    const s = scan();
    const [a, b, ...rest] = s.entries;
    assert.deepEqual(checkPackage({ ...s, entries: [b!, a!, ...rest] }).problems, []);
    const codes = checkPackage({ ...s, entries: [b!, ...rest, a!] }).problems.map((p) => p.code);
    assert.deepEqual(codes, ['SCRIPT_NOT_FIRST']);
  });

  it('upgrade paths: reported from releases/<v>/relup; missing, late, invalid or misdirected said so', () => {
    const relup = '{"5.0.1",[{"5.0.0",[],[]},{"4.4.9",[],[]}],[{"5.0.0",[],[]}]}.\n';
    const withRelup = (text: string, at = 2): Scan => {
      const s = scan();
      const entries = [...s.entries];
      entries.splice(at, 0, file('releases/5.0.1/relup', text.length));
      return { ...s, entries, texts: new Map([...s.texts, ['releases/5.0.1/relup', text]]) };
    };
    const third = checkPackage(withRelup(relup));
    assert.deepEqual(third.relup, { upFrom: ['5.0.0', '4.4.9'], downTo: ['5.0.0'], member: 3 });
    assert.deepEqual([third.problems, third.warnings], [[], []]);
    const late = checkPackage(withRelup(relup, 6));
    assert.deepEqual(late.warnings.map((w) => w.code), ['RELUP_LATE']);
    assert.match(late.warnings[0]!.message, /is member 7, not the third: emqx upgrade reads the package up to it/);
    const none = checkPackage(scan());
    assert.equal(none.relup, null);
    assert.deepEqual(none.warnings.map((w) => w.code), ['RELUP_MISSING']);
    assert.match(none.warnings[0]!.message, /release_handler will unpack 5\.0\.1 but cannot install it/);
    assert.deepEqual(checkPackage(withRelup('{"5.0.1",[],[]')).problems.map((p) => p.code), ['RELUP_INVALID']);
    const other = checkPackage(withRelup('{"5.0.2",[],[]}.'));
    assert.deepEqual(other.problems.map((p) => [p.code, p.message]), [['RELUP_VERSION', 'releases/5.0.1/relup leads to 5.0.2, not 5.0.1, so release_handler refuses it']]);
    assert.equal(other.relup, null);
  });

  it('the version comes from the release when the name has none', () => {
    const r = checkPackage(scan({ file: '/x/release.tar.gz' }));
    assert.equal(r.version, '5.0.1');
    assert.deepEqual(r.problems.map((p) => p.code), ['NAME']);
  });

  it('a sidecar is compared as emqx upgrade compares it', () => {
    assert.deepEqual(checkPackage(scan({ sidecar: `${'a'.repeat(64)}  emqx-5.0.1-el8-amd64.tar.gz\n` })).sidecar, { present: true, matches: true });
    const bad = checkPackage(scan({ sidecar: `${'b'.repeat(64)}\n` }));
    assert.deepEqual(bad.sidecar, { present: true, matches: false });
    assert.deepEqual(bad.problems.map((p) => p.code), ['SIDECAR_MISMATCH']);
  });

  it('SPECIAL_ENTRY: a device or fifo member anywhere; files, directories and links are not special', () => {
    const special = (type: string): ScannedEntry => ({ name: `dev/${type}`, type, mode: 0o644, size: 0, linkname: null });
    for (const type of ['character-device', 'block-device', 'fifo']) {
      const r = checkPackage(scan({ entries: [...scan().entries, special(type)] }));
      assert.deepEqual(r.problems.map((p) => [p.code, p.message]), [['SPECIAL_ENTRY', `member dev/${type} is a ${type}`]]);
    }
    const links: ScannedEntry[] = [
      { name: 'lib/l', type: 'symlink', mode: 0o777, size: 0, linkname: 'emqx-5.0.1' },
      { name: 'lib/h', type: 'link', mode: 0o644, size: 0, linkname: 'lib/emqx-5.0.1/ebin/emqx.beam' },
    ];
    assert.deepEqual(checkPackage(scan({ entries: [...scan().entries, ...links] })).problems, []);
  });

  it('VERSION_UNKNOWN: no version in the name nor in the release; the scripts are then not looked for', () => {
    const noVersion = (texts: [string, string][], entries = scan().entries) => checkPackage(scan({ file: '/x/release.tar.gz', entries, texts: new Map(texts) }));
    // The scripts it carries are named as another version's: that version is named in a problem too.
    const r = noVersion([]);
    assert.deepEqual(r.problems.map((p) => p.code), ['NAME', 'VERSION_UNKNOWN', 'SCRIPT_OTHER_VERSION']);
    assert.match(r.problems[2]!.message, /scripts for 5\.0\.1/);
    assert.equal(r.version, null);
    assert.deepEqual(r.scripts, { runner: null, escript: null });
    // Two .rel files of different versions name no single version either.
    const two = noVersion([
      ['releases/5.0.1/emqx.rel', '{release, {"emqx", "5.0.1"}, {erts, "13.1"}, []}.'],
      ['releases/5.0.2/emqx.rel', '{release, {"emqx", "5.0.2"}, {erts, "13.1"}, []}.'],
    ]);
    assert.deepEqual(two.problems.map((p) => p.code), ['NAME', 'VERSION_UNKNOWN', 'SCRIPT_OTHER_VERSION']);
    const bare = noVersion([], scan().entries.slice(2));
    assert.deepEqual(bare.problems.map((p) => p.code), ['NAME', 'VERSION_UNKNOWN'], 'no SCRIPT_MISSING without a version to look for');
    // Any one source is enough: start_erl.data alone.
    assert.deepEqual(noVersion([['releases/start_erl.data', '13.1 5.0.1\n']]).problems.map((p) => p.code), ['NAME', 'REL_MISSING']);
  });

  it('SCRIPT_TOO_BIG: over the 16 MiB limit of emqx upgrade, exactly at it is fine', () => {
    const withRunnerSize = (size: number) => {
      const [, ...rest] = scan().entries;
      return checkPackage(scan({ entries: [file('bin/emqx-5.0.1', size, 0o755, '#!/bin/sh\n'), ...rest] }));
    };
    assert.deepEqual(withRunnerSize(MAX_SCRIPT_BYTES).problems, []);
    assert.deepEqual(withRunnerSize(MAX_SCRIPT_BYTES + 1).problems, [{ code: 'SCRIPT_TOO_BIG', message: 'bin/emqx-5.0.1 is over 16 MiB' }]);
  });

  it('a REL_VSN in emqx_vars that disagrees with the name is OTHER_RELEASE (the release version is read from emqx_vars first)', () => {
    const texts = new Map(scan().texts);
    texts.set('releases/emqx_vars', 'REL_NAME="emqx"\nREL_VSN="5.0.2"\nIS_ENTERPRISE="no"\n');
    const r = checkPackage(scan({ texts }));
    assert.deepEqual(r.problems.map((p) => p.code), ['OTHER_RELEASE']);
    assert.equal(r.release.varsVersion, '5.0.2');
  });
});

describe('checkPackage: what EMQX\'s install_upgrade.escript needs', () => {
  it('the .rel it unpacks by, the companions it copies, a wrapper as the runner; a name without platform only warns', () => {
    const s = scan();
    const without = (...names: string[]) => s.entries.filter((e) => !names.includes(e.name));
    const codes = (x: Scan) => checkPackage(x).problems.map((p) => p.code);
    assert.deepEqual(codes({ ...s, entries: without('bin/emqx_ctl-5.0.1') }), ['COMPANION_MISSING']);
    assert.match(checkPackage({ ...s, entries: without('bin/nodetool-5.0.1') }).problems[0]!.message, /bin\/nodetool-5\.0\.1 is missing: EMQX's install_upgrade\.escript copies it over bin\/nodetool after make_permanent/);
    // A systools-style .rel name: release_handler would look for releases/5.0.1/emqx.rel.
    const systools = { ...s, entries: [...without('releases/5.0.1/emqx.rel'), file('releases/5.0.1/emqx-5.0.1.rel')], texts: new Map([...s.texts].map(([k, v]) => [k === 'releases/5.0.1/emqx.rel' ? 'releases/5.0.1/emqx-5.0.1.rel' : k, v])) };
    assert.deepEqual(codes(systools), ['ESCRIPT_REL_MISSING']);
    const wrapper = { ...s, entries: [file('bin/emqx-5.0.1', 20, 0o755, '#!/usr/bin/env node\n// @emqx-relup/wrapper: one-file build\n'), ...s.entries.slice(1)] };
    assert.deepEqual(codes(wrapper), ['RUNNER_IS_WRAPPER']);
    const plain = checkPackage({ ...s, file: '/x/emqx-5.0.1.tar.gz' });
    assert.deepEqual(plain.problems, []);
    assert.deepEqual(plain.warnings.map((w) => w.code), ['NAME_NO_PLATFORM', 'RELUP_MISSING']);
    assert.match(plain.warnings[0]!.message, /looks for emqx-5\.0\.1-\*\.tar\.gz/);
    assert.deepEqual(checkPackage(s).warnings.map((w) => w.code), ['RELUP_MISSING']);
  });
});
