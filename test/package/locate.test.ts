// Package location: the pure selection as data, the directory logic on memfs, and the real
// file system for what memfs cannot show (permissions, FIFOs).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Volume } from 'memfs';
import {
  selectPackage,
  selectionError,
  expectedNames,
  probePackage,
  checkNamedPackage,
  escriptGlobError,
  escriptGlobMatches,
  type LocateFs,
} from '../../src/package/locate.js';
import { makeRoot } from './fixtures.js';
import type { RelupError } from '../../src/errors.js';
import { readableModule, unprivilegedNode } from '../helpers/nobody.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const NEIGHBOURS = [
  'emqx-5.0.10.tar.gz',
  'emqx-5.0.1-rc.1.tar.gz',
  'emqx-5.0.1-g1a2b3c4d.tar.gz',
  'emqx-5.0.1-rc.1-ubuntu20.04-amd64.tar.gz',
  'emqx-5.0.1.zip',
  'emqx-5.0.1.tar.gz.sha256',
  'emqx-5.0.1.tar',
  'RELEASES',
  'emqx_vars',
  '5.0.0',
];

describe('selectPackage (pure)', () => {
  const cases: { name: string; files: string[]; version: string; edition?: 'community' | 'enterprise'; want: string | { kind: string; names?: string[] } }[] = [
    { name: 'plain name', files: [...NEIGHBOURS, 'emqx-5.0.1.tar.gz'], version: '5.0.1', want: 'emqx-5.0.1.tar.gz' },
    {
      name: 'platform suffix',
      files: [...NEIGHBOURS, 'emqx-5.0.1-otp24.3.4.2-1-el8-amd64.tar.gz'],
      version: '5.0.1',
      want: 'emqx-5.0.1-otp24.3.4.2-1-el8-amd64.tar.gz',
    },
    { name: 'pre-release exact', files: [...NEIGHBOURS], version: '5.0.1-rc.1', want: { kind: 'ambiguous', names: ['emqx-5.0.1-rc.1-ubuntu20.04-amd64.tar.gz', 'emqx-5.0.1-rc.1.tar.gz'] } },
    { name: 'git-describe version exact', files: [...NEIGHBOURS], version: '5.0.1-g1a2b3c4d', want: 'emqx-5.0.1-g1a2b3c4d.tar.gz' },
    { name: 'build metadata kept', files: ['emqx-5.6.1.tar.gz', 'emqx-5.6.1+patch.A.tar.gz'], version: '5.6.1+patch.A', want: 'emqx-5.6.1+patch.A.tar.gz' },
    { name: 'never 5.0.10 / 5.0.1-rc.1 / 5.0.1-g… for 5.0.1', files: NEIGHBOURS, version: '5.0.1', want: { kind: 'none' } },
    { name: 'enterprise found when asked', files: ['emqx-5.0.1.tar.gz', 'emqx-enterprise-5.0.1.tar.gz'], version: '5.0.1', edition: 'enterprise', want: 'emqx-enterprise-5.0.1.tar.gz' },
    { name: 'both editions without an edition: ambiguous', files: ['emqx-5.0.1.tar.gz', 'emqx-enterprise-5.0.1.tar.gz'], version: '5.0.1', want: { kind: 'ambiguous' } },
    { name: 'only the other edition', files: ['emqx-enterprise-5.0.1-el8-amd64.tar.gz', 'emqx-5.0.2.tar.gz'], version: '5.0.1', edition: 'community', want: { kind: 'other-edition', names: ['emqx-enterprise-5.0.1-el8-amd64.tar.gz'] } },
    { name: 'two platforms: ambiguous', files: ['emqx-5.0.1-el8-amd64.tar.gz', 'emqx-5.0.1-ubuntu20.04-amd64.tar.gz'], version: '5.0.1', want: { kind: 'ambiguous', names: ['emqx-5.0.1-el8-amd64.tar.gz', 'emqx-5.0.1-ubuntu20.04-amd64.tar.gz'] } },
    { name: 'empty directory', files: [], version: '5.0.1', want: { kind: 'none' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const sel = selectPackage(c.files, c.version, c.edition);
      if (typeof c.want === 'string') {
        assert.equal(sel.kind, 'found');
        assert.equal(sel.kind === 'found' && sel.pkg.file, c.want);
        assert.equal(sel.kind === 'found' && sel.pkg.version, c.version);
        return;
      }
      assert.equal(sel.kind, c.want.kind);
      if (c.want.names && (sel.kind === 'ambiguous' || sel.kind === 'other-edition')) {
        assert.deepEqual(sel.matches.map((p) => p.file), c.want.names);
      }
    });
  }

  test('expected names', () => {
    assert.deepEqual(expectedNames('5.0.1', 'community'), ['emqx-5.0.1.tar.gz', 'emqx-5.0.1-<platform>.tar.gz']);
    assert.equal(expectedNames('5.0.1').length, 4);
  });

  test('errors: codes, exit statuses, what was looked for and found', () => {
    const none = selectPackage(NEIGHBOURS, '5.0.1', 'community');
    assert.equal(none.kind, 'none');
    const e1 = selectionError(none as Exclude<typeof none, { kind: 'found' }>, '5.0.1', '/r/releases');
    assert.equal(e1.code, 'NOT_FOUND');
    assert.equal(e1.exitCode, 66);
    assert.match(e1.message, /looked for emqx-5\.0\.1\.tar\.gz or emqx-5\.0\.1-<platform>\.tar\.gz/);
    assert.match(e1.message, /emqx-5\.0\.10\.tar\.gz/);
    assert.doesNotMatch(e1.message, /emqx_vars/);
    assert.match(e1.hint!, /--package/);

    const amb = selectPackage(['emqx-5.0.1-el8-amd64.tar.gz', 'emqx-5.0.1-el9-amd64.tar.gz'], '5.0.1');
    const e2 = selectionError(amb as Exclude<typeof amb, { kind: 'found' }>, '5.0.1', '/r/releases');
    assert.equal(e2.code, 'AMBIGUOUS_PACKAGE');
    assert.equal(e2.exitCode, 78);
    assert.match(e2.message, /emqx-5\.0\.1-el8-amd64\.tar\.gz, emqx-5\.0\.1-el9-amd64\.tar\.gz/);
    assert.match(e2.hint!, /--package/);

    const other = selectPackage(['emqx-enterprise-5.0.1.tar.gz'], '5.0.1', 'community');
    const e3 = selectionError(other as Exclude<typeof other, { kind: 'found' }>, '5.0.1', '/r/releases');
    assert.equal(e3.code, 'EDITION_MISMATCH');
    assert.equal(e3.exitCode, 78);
    assert.match(e3.message, /community edition is needed .* only enterprise package/);
    assert.deepEqual(e3.details?.candidates, ['emqx-enterprise-5.0.1.tar.gz']);

    const many = Array.from({ length: 12 }, (_, i) => `emqx-5.1.${i}.tar.gz`);
    const e4 = selectionError(selectPackage(many, '5.0.1') as never, '5.0.1', '/r/releases');
    assert.match(e4.message, /and 4 more$/);
  });
});

function memFs(files: Record<string, string>): LocateFs {
  return Volume.fromJSON(files).promises as unknown as LocateFs;
}

describe('probePackage and checkNamedPackage', () => {
  test('memfs: size of a file; a directory with a package name is BAD_PACKAGE; missing is NOT_FOUND', async () => {
    const mfs = memFs({ '/r/releases/emqx-5.0.1.tar.gz': 'x'.repeat(10), '/r/releases/emqx-5.0.2.tar.gz/inner': '' });
    const probe = await probePackage('/r/releases/emqx-5.0.1.tar.gz', mfs);
    assert.ok('size' in probe);
    assert.equal(probe.size, 10);
    const st = await (mfs as unknown as { stat(p: string): Promise<{ dev: number; ino: number; mtimeMs: number }> }).stat('/r/releases/emqx-5.0.1.tar.gz');
    assert.deepEqual(probe.identity, { dev: st.dev, ino: st.ino, size: 10, mtimeMs: st.mtimeMs }, 'the identity that tells it from a replacement');
    const dir = await probePackage('/r/releases/emqx-5.0.2.tar.gz', mfs);
    assert.ok('error' in dir && dir.error.code === 'BAD_PACKAGE' && /not a regular file/.test(dir.error.message));
    const gone = await probePackage('/r/releases/emqx-5.0.3.tar.gz', mfs);
    assert.ok('error' in gone && gone.error.code === 'NOT_FOUND' && gone.error.exitCode === 66);
  });

  test('checkNamedPackage: grammar, version and edition, each its own code', () => {
    const want: { edition: 'community' | 'enterprise'; version: string | null } = { edition: 'community', version: '5.0.1' };
    assert.equal(checkNamedPackage('emqx-5.0.1-el8-amd64.tar.gz', want).platform, 'el8-amd64');
    assert.equal(checkNamedPackage('/x/emqx-5.0.2.tar.gz', { ...want, version: null }).version, '5.0.2');
    const code = (arg: string, w = want) => {
      try {
        checkNamedPackage(arg, w);
        return 'ok';
      } catch (e) {
        return `${(e as RelupError).code}:${(e as RelupError).exitCode}`;
      }
    };
    assert.equal(code('emqx-5.0.1.tgz'), 'BAD_TARGET:64');
    assert.equal(code('foo-5.0.1.tar.gz'), 'BAD_TARGET:64');
    assert.equal(code('emqx-5.0.1.tar.gz/'), 'BAD_TARGET:64');
    assert.equal(code('emqx-5.0.2.tar.gz'), 'USAGE:64');
    assert.equal(code('emqx-5.0.1.tar.gz', { edition: 'enterprise', version: '5.0.1' }), 'EDITION_MISMATCH:78');
  });
});

describe('real file system', () => {
  test('a FIFO is refused without hanging; a symlink is followed (releases/ may link to a download area)', async () => {
    const { root, releases } = makeRoot();
    dirs.push(root);
    execFileSync('mkfifo', [path.join(releases, 'emqx-5.0.1.tar.gz')]);
    const fifo = await probePackage(path.join(releases, 'emqx-5.0.1.tar.gz'));
    assert.ok('error' in fifo && fifo.error.code === 'BAD_PACKAGE');
    fs.writeFileSync(path.join(root, 'real.tar.gz'), 'data');
    fs.symlinkSync(path.join(root, 'real.tar.gz'), path.join(releases, 'emqx-5.0.2.tar.gz'));
    const probe = await probePackage(path.join(releases, 'emqx-5.0.2.tar.gz'));
    assert.equal('size' in probe && probe.size, 4);
    assert.equal('identity' in probe && probe.identity.ino, fs.statSync(path.join(releases, 'emqx-5.0.2.tar.gz')).ino, 'the file the link points to');
  });

  test('chmod 000 package: PERMISSION (77) from an unprivileged process', () => {
    const { root, releases } = makeRoot();
    dirs.push(root);
    fs.chmodSync(root, 0o755);
    const pkg = path.join(releases, 'emqx-5.0.1.tar.gz');
    fs.writeFileSync(pkg, 'data');
    fs.chmodSync(pkg, 0o000);
    const mod = readableModule('package/locate.js');
    const code = `const m = await import(${JSON.stringify(mod)});
      const p = await m.probePackage(${JSON.stringify(pkg)});
      console.log(JSON.stringify('error' in p ? p.error.code + ':' + p.error.exitCode : 'ok'));`;
    const cmd = unprivilegedNode();
    const out = execFileSync(cmd[0]!, [...cmd.slice(1), '--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.equal(JSON.parse(out), 'PERMISSION:77');
  });
});

test('escriptGlobMatches: what releases/<base>-<v>*.tar.gz takes, as the escript globs it', () => {
  const names = [
    'emqx-5.0.1-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.10-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.1-rc.1-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.1.tar.gz',
    'emqx-5.0.1-ubuntu22.04-amd64.tar.gz.sha256',
    'emqx-enterprise-5.0.1-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.2.tar.gz',
    'RELEASES',
  ];
  assert.deepEqual(escriptGlobMatches(names, '5.0.1', 'community'), [
    'emqx-5.0.1-rc.1-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.1-ubuntu22.04-amd64.tar.gz',
    'emqx-5.0.1.tar.gz',
    'emqx-5.0.10-ubuntu22.04-amd64.tar.gz',
  ]);
  assert.deepEqual(escriptGlobMatches(names, '5.0.1', 'enterprise'), ['emqx-enterprise-5.0.1-ubuntu22.04-amd64.tar.gz']);
  assert.deepEqual(escriptGlobMatches(names, '5.0.2', 'community'), ['emqx-5.0.2.tar.gz']);
  assert.deepEqual(escriptGlobMatches(names, '5.0.3', 'community'), []);
  const e = escriptGlobError(['emqx-5.0.1-a.tar.gz', 'emqx-5.0.10-a.tar.gz'], '5.0.1', 'community', '/r/releases', 'emqx-5.0.1-a.tar.gz');
  assert.equal(e.code, 'AMBIGUOUS_PACKAGE');
  assert.equal(e.exitCode, 78);
  assert.match(e.line, /2 files in \/r\/releases match emqx-5\.0\.1\*\.tar\.gz, which install_upgrade\.escript globs .*stops with 47.*: emqx-5\.0\.1-a\.tar\.gz, emqx-5\.0\.10-a\.tar\.gz; move the others out of releases\/ \(e\.g\. mv \/r\/releases\/emqx-5\.0\.10-a\.tar\.gz \/var\/tmp\/\)/);
});
