// The .sha256 sidecar: parsing as data, and verification against sidecars written by sha256sum.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSidecar, sha256File, verifySidecar, sidecarPath } from '../../src/package/checksum.js';
import { tempDir, makeTarGz, scriptEntries, rejectsWith, filler } from './fixtures.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const H = 'a'.repeat(64);
const PKG = '/r/releases/emqx-5.0.1.tar.gz';

describe('parseSidecar (pure)', () => {
  const ok: [string, string][] = [
    [`${H}  emqx-5.0.1.tar.gz\n`, 'text mode'],
    [`${H} *emqx-5.0.1.tar.gz\n`, 'binary mode'],
    [`${H}  ./releases/emqx-5.0.1.tar.gz`, 'path whose base name is the package, no newline'],
    [`${H}\n`, 'bare hash'],
    [`${H.toUpperCase()}\r\n`, 'upper case, CRLF'],
  ];
  for (const [text, name] of ok) {
    test(`accepts ${name}`, () => assert.deepEqual(parseSidecar(text, PKG), { hash: H }));
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['\n', /empty/],
    [`${H.slice(1)}  emqx-5.0.1.tar.gz\n`, /expected/],
    [`${H}g  emqx-5.0.1.tar.gz\n`, /expected/],
    [`${H} emqx-5.0.1.tar.gz\n`, /expected/],
    [`${H}  emqx-5.0.2.tar.gz\n`, /names "emqx-5\.0\.2\.tar\.gz"/],
    [`${H}  emqx-5.0.1.tar.gz\n${H}  other.tar.gz\n`, /more than one line/],
    [`sha256:${H}\n`, /expected/],
  ];
  for (const [text, re] of bad) {
    test(`rejects ${JSON.stringify(text.slice(0, 20))}…`, () => {
      const r = parseSidecar(text, PKG);
      assert.ok('error' in r);
      assert.match(r.error, re);
    });
  }
});

describe('verifySidecar on real files', () => {
  async function pkgWithSidecar(kind: 'text' | 'binary' | 'none') {
    const d = tempDir('relup-sum-');
    dirs.push(d);
    const pkg = path.join(d, 'emqx-5.0.1.tar.gz');
    await makeTarGz(pkg, [...scriptEntries('5.0.1'), { name: 'lib/x', body: filler(3 << 20, 5) }]);
    if (kind !== 'none') {
      const line = execFileSync('sha256sum', [...(kind === 'binary' ? ['-b'] : []), 'emqx-5.0.1.tar.gz'], { cwd: d, encoding: 'utf8' });
      fs.writeFileSync(sidecarPath(pkg), line);
    }
    return { d, pkg };
  }

  test('streaming sha256 equals sha256sum', async () => {
    const { d, pkg } = await pkgWithSidecar('none');
    const want = execFileSync('sha256sum', [pkg], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(await sha256File(pkg), want);
    void d;
  });

  for (const kind of ['text', 'binary'] as const) {
    test(`sha256sum ${kind} mode sidecar verifies`, async () => {
      const { pkg } = await pkgWithSidecar(kind);
      const r = await verifySidecar(pkg, { required: true });
      assert.equal(r.status, 'verified');
    });
  }

  test('mismatch: CHECKSUM_MISMATCH (65)', async () => {
    const { pkg } = await pkgWithSidecar('text');
    const fd = fs.openSync(pkg, 'r+');
    fs.writeSync(fd, Buffer.from([0x00]), 0, 1, fs.statSync(pkg).size - 100);
    fs.closeSync(fd);
    const e = await rejectsWith(verifySidecar(pkg), 'CHECKSUM_MISMATCH', 65);
    assert.match(e.message, /does not match emqx-5\.0\.1\.tar\.gz\.sha256/);
    assert.match(e.hint!, /fetch it again/);
  });

  test('absent sidecar: reported when optional, NOT_FOUND (66) when required', async () => {
    const { pkg } = await pkgWithSidecar('none');
    assert.deepEqual(await verifySidecar(pkg), { status: 'absent', sidecar: sidecarPath(pkg) });
    const e = await rejectsWith(verifySidecar(pkg, { required: true }), 'NOT_FOUND', 66);
    assert.match(e.message, /--require-checksum/);
  });

  test('malformed or oversized sidecar: BAD_PACKAGE (65)', async () => {
    const { pkg } = await pkgWithSidecar('none');
    fs.writeFileSync(sidecarPath(pkg), 'not a hash\n');
    await rejectsWith(verifySidecar(pkg), 'BAD_PACKAGE', 65);
    fs.writeFileSync(sidecarPath(pkg), `${H}  emqx-5.0.1.tar.gz\n`.repeat(200));
    await rejectsWith(verifySidecar(pkg), 'BAD_PACKAGE', 65);
    fs.rmSync(sidecarPath(pkg));
    fs.mkdirSync(sidecarPath(pkg));
    await rejectsWith(verifySidecar(pkg), 'BAD_PACKAGE', 65);
  });

  test('abort while hashing rejects with the reason', async () => {
    const { pkg } = await pkgWithSidecar('text');
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await assert.rejects(verifySidecar(pkg, { signal: ac.signal }), /stop now/);
  });
});
