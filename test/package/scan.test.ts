// scanTarGz(), the one streaming pass, on real tarballs: every entry seen once in order, the
// visitor's early stop, the sha256 from the same reads (reading on to the end, inflation stopped),
// a hash alone inflating nothing, and a damaged archive as BAD_PACKAGE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { scanTarGz } from '../../src/package/scan.js';
import { RelupError } from '../../src/errors.js';
import { makeTarGz } from './fixtures.js';
import { fileSha256, tempDir } from '../helpers/support.js';

test('scanTarGz: sees every entry when not stopped, and reads the whole file', async (t) => {
  const pkg = path.join(tempDir(t), 'emqx-5.0.1.tar.gz');
  await makeTarGz(pkg, [{ name: 'a', size: 10 }, { name: 'b/', type: 'directory' }, { name: 'c', size: 70_000 }]);
  const seen: string[] = [];
  const s = await scanTarGz(pkg, {
    entry: (h) => {
      seen.push(`${h.type}:${h.name}`);
      return null;
    },
    done: () => false,
  });
  assert.deepEqual(seen, ['file:a', 'directory:b/', 'file:c']);
  assert.equal(s.entriesSeen, 3);
  assert.equal(s.stoppedEarly, false);
  assert.equal(s.bytesRead, fs.statSync(pkg).size);
  assert.equal(s.sha256, null, 'no hash unless asked');
  const st = fs.statSync(pkg);
  assert.deepEqual(s.identity, { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
});

/** A package whose first member is wanted and whose rest is 8 MiB of incompressible bytes. */
async function headThenNoise(t: { after(fn: () => void): void }): Promise<string> {
  const pkg = path.join(tempDir(t), 'emqx-5.0.1.tar.gz');
  await makeTarGz(pkg, [{ name: 'want', body: 'x' }, { name: 'noise', body: randomBytes(8 << 20) }, { name: 'tail', size: 10 }]);
  return pkg;
}

const wantFirst = () => {
  let got = false;
  return {
    entry: (h: { name: string }) =>
      h.name === 'want'
        ? async (body: AsyncIterable<Buffer>) => {
            for await (const _ of body);
            got = true;
          }
        : null,
    done: () => got,
  };
};

test('scanTarGz: stops once the visitor is done; with a hash it reads on to the end, inflating nothing more', async (t) => {
  const pkg = await headThenNoise(t);
  const size = fs.statSync(pkg).size;
  const early = await scanTarGz(pkg, wantFirst());
  assert.equal(early.stoppedEarly, true);
  assert.ok(early.bytesRead < size / 4, `read ${early.bytesRead} of ${size}`);
  const hashed = await scanTarGz(pkg, wantFirst(), { hash: true });
  assert.equal(hashed.stoppedEarly, true);
  assert.equal(hashed.entriesSeen, 1, 'no entry after the stop is walked');
  assert.equal(hashed.bytesRead, size);
  assert.equal(hashed.sha256, fileSha256(pkg));
});

test('scanTarGz: a visitor that wants nothing and a hash: the digest, no entry inflated', async (t) => {
  const pkg = await headThenNoise(t);
  const s = await scanTarGz(pkg, { entry: () => null, done: () => true }, { hash: true });
  assert.equal(s.entriesSeen, 0);
  assert.equal(s.sha256, fileSha256(pkg));
});

test('scanTarGz: not gzip, and truncated, are BAD_PACKAGE (65) naming the file; abort rejects with the reason', async (t) => {
  const dir = tempDir(t);
  const notGz = path.join(dir, 'a.tar.gz');
  fs.writeFileSync(notGz, 'plain text, not a package\n');
  const cut = path.join(dir, 'b.tar.gz');
  const whole = await headThenNoise(t);
  fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 100_000));
  for (const [file, says] of [
    [notGz, /is not a gzip file/],
    [cut, /is truncated/],
  ] as const) {
    await assert.rejects(scanTarGz(file, { entry: () => null, done: () => false }, { hash: true }), (e: unknown) => e instanceof RelupError && e.code === 'BAD_PACKAGE' && e.exitCode === 65 && says.test(e.message) && e.message.includes(file));
  }
  const ac = new AbortController();
  const reason = new Error('stop');
  const p = scanTarGz(whole, { entry: () => null, done: () => false }, { signal: ac.signal, hash: true });
  ac.abort(reason);
  await assert.rejects(p, (e: unknown) => e === reason);
});
