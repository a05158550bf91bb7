// Extraction of the two versioned scripts from real tarballs (GNU tar, erl_tar, bsdtar, tar-stream),
// a hostile corpus that must fail with a typed error and leave bin/ byte-for-byte unchanged, and
// kill -9 in the middle of extraction.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { extractScripts, cleanStaleTemps, memberNames } from '../../src/package/extract.js';
import { scanTarGz } from '../../src/package/scan.js';
import { MAX_MEMBER_BYTES } from '../../src/package/read.js';
import { readableModule, unprivilegedNode } from '../helpers/nobody.js';
import {
  tempDir,
  makeTarGz,
  makeTruncatedTarGz,
  makeRoot,
  scriptEntries,
  snapshot,
  rejectsWith,
  filler,
  SCRIPT,
  ESCRIPT,
  type Entry,
} from './fixtures.js';

const V = '5.0.1';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function root() {
  const r = makeRoot();
  dirs.push(r.root);
  return r;
}

function tmp() {
  const d = tempDir();
  dirs.push(d);
  return d;
}

/** Both scripts are in bin/ with the expected bytes and mode 0755, and no temporaries remain. */
function assertExtracted(bin: string, v = V) {
  assert.equal(fs.readFileSync(path.join(bin, `emqx-${v}`), 'utf8'), SCRIPT(v));
  assert.equal(fs.readFileSync(path.join(bin, `install_upgrade.escript-${v}`), 'utf8'), ESCRIPT(v));
  for (const n of [`emqx-${v}`, `install_upgrade.escript-${v}`]) {
    const st = fs.lstatSync(path.join(bin, n));
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o7777, 0o755);
  }
  assert.deepEqual(fs.readdirSync(bin).filter((n) => n.includes('.relup-')), []);
}

/** Writes a source tree with the scripts, long names and filler, for the external tar tools. */
function sourceTree(v = V, longNames = true): string {
  const src = tmp();
  const long = path.join(src, 'lib', 'emqx_' + 'x'.repeat(60) + '-5.0.1', 'ebin', 'a_module_with_a_rather_long_name_' + 'y'.repeat(40) + '.beam');
  fs.mkdirSync(path.dirname(long), { recursive: true });
  if (longNames) {
    assert.ok(path.relative(src, long).length > 100);
    fs.writeFileSync(long, filler(100_000, 1));
  } else fs.writeFileSync(path.join(src, 'lib', 'short.beam'), filler(100_000, 1));
  fs.mkdirSync(path.join(src, 'releases', v), { recursive: true });
  fs.writeFileSync(path.join(src, 'releases', v, 'emqx.rel'), '{release, {"emqx", "5.0.1"}, {erts, "13.0"}, []}.\n');
  fs.mkdirSync(path.join(src, 'bin'));
  fs.writeFileSync(path.join(src, 'bin', `emqx-${v}`), SCRIPT(v), { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'bin', `install_upgrade.escript-${v}`), ESCRIPT(v), { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'bin', 'emqx'), '#!/bin/sh\n', { mode: 0o755 });
  return src;
}

describe('real tarballs', () => {
  for (const format of ['gnu', 'pax', 'ustar', 'v7'] as const) {
    for (const dotSlash of [false, true]) {
      // v7 cannot store names over 99 characters.
      test(`GNU tar --format=${format}${dotSlash ? ' with ./ prefix' : ''}${format === 'v7' ? '' : ', long names before the scripts'}`, async () => {
        const src = sourceTree(V, format !== 'v7');
        const { bin } = root();
        const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
        const members = dotSlash ? ['.'] : ['lib', 'releases', 'bin'];
        // ustar cannot hold the >100-char name without a prefix split; it still manages (155+100).
        execFileSync('tar', [`--format=${format}`, '-C', src, '-czf', pkg, ...members]);
        const listing = execFileSync('tar', ['-tzf', pkg], { encoding: 'utf8' });
        assert.ok(listing.includes(`${dotSlash ? './' : ''}bin/emqx-${V}\n`));
        const r = await extractScripts(pkg, V, bin);
        assertExtracted(bin);
        assert.deepEqual(r.written, [path.join(bin, `emqx-${V}`), path.join(bin, `install_upgrade.escript-${V}`)]);
        assert.ok(r.entriesSeen >= 3);
      });
    }
  }

  test('erl_tar:create with compressed', async () => {
    const src = sourceTree();
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    const files = ['lib', 'releases', `bin/emqx-${V}`, `bin/install_upgrade.escript-${V}`];
    const term = `[${files.map((f) => `{"${f}", "${path.join(src, f)}"}`).join(', ')}]`;
    execFileSync('erl', ['-noshell', '-eval', `ok = erl_tar:create("${pkg}", ${term}, [compressed]), halt().`]);
    const r = await extractScripts(pkg, V, bin);
    assertExtracted(bin);
    assert.ok(r.entriesSeen >= 4);
  });

  test('bsdtar (libarchive) with ./ prefix', async () => {
    const src = sourceTree();
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    execFileSync('bsdtar', ['-C', src, '-czf', pkg, '.']);
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
  });

  test('tar-stream, pre-release and build-metadata versions kept exactly as written', async () => {
    for (const v of ['5.0.14-rc.1', '5.6.1+patch.A', '5.0.13-g1a2b3c4d']) {
      const { bin } = root();
      const pkg = path.join(tmp(), `emqx-${v}.tar.gz`);
      // Neighbours that must not be taken for v.
      await makeTarGz(pkg, [
        { name: 'bin/emqx-5.0.1', body: 'wrong' },
        { name: `bin/emqx-${v}0`, body: 'wrong' },
        ...scriptEntries(v),
      ]);
      await extractScripts(pkg, v, bin);
      assertExtracted(bin, v);
      assert.ok(!fs.existsSync(path.join(bin, 'emqx-5.0.1')));
    }
  });

  test('multi-member gzip (concatenated) is read through', async () => {
    const d = tmp();
    const { bin } = root();
    const a = path.join(d, 'a.tar');
    const pkg = path.join(d, `emqx-${V}.tar.gz`);
    const src = sourceTree();
    execFileSync('tar', ['-C', src, '-cf', a, 'lib', 'releases', 'bin']);
    const raw = fs.readFileSync(a);
    const cut = 512 * 50;
    fs.writeFileSync(pkg, Buffer.concat([gzipSync(raw.subarray(0, cut)), gzipSync(raw.subarray(cut))]));
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
  });

  test("old-style '\\0' typeflag and contiguous-file entries count as regular files", async () => {
    const d = tmp();
    const { bin } = root();
    const tarFile = path.join(d, 'p.tar');
    const pkg = path.join(d, `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, [{ name: 'lib/a', size: 3000 }, { ...scriptEntries(V)[0]!, type: 'contiguous-file' }, scriptEntries(V)[1]!]);
    // Rewrite the escript's typeflag from '0' to NUL (pre-POSIX tar) and fix the header checksum.
    const raw = Buffer.from(gunzipSync(fs.readFileSync(pkg)));
    let patched = 0;
    for (let off = 0; off + 512 <= raw.length; off += 512) {
      const name = raw.toString('latin1', off, off + 100).replace(/\0.*$/s, '');
      if (name !== `bin/install_upgrade.escript-${V}`) continue;
      assert.equal(raw[off + 156], 0x30);
      raw[off + 156] = 0;
      raw.fill(0x20, off + 148, off + 156);
      let sum = 0;
      for (let i = off; i < off + 512; i++) sum += raw[i]!;
      raw.write(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 'latin1');
      patched++;
    }
    assert.equal(patched, 1);
    fs.writeFileSync(tarFile, raw);
    assert.match(execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' }), /install_upgrade/);
    fs.writeFileSync(pkg, gzipSync(raw));
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
  });

  test('memberNames are the canonical bin/ names', () => {
    assert.deepEqual(memberNames('5.0.1'), ['bin/emqx-5.0.1', 'bin/install_upgrade.escript-5.0.1']);
  });
});

describe('destinations', () => {
  test('a symlink at a destination pointing outside is replaced, its target untouched', async () => {
    const { bin } = root();
    const outside = tmp();
    const victim = path.join(outside, 'victim');
    fs.writeFileSync(victim, 'do not touch\n', { mode: 0o644 });
    fs.symlinkSync(victim, path.join(bin, `emqx-${V}`));
    fs.symlinkSync(path.join(outside, 'dangling'), path.join(bin, `install_upgrade.escript-${V}`));
    const before = snapshot(outside);
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, scriptEntries(V));
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
    assert.deepEqual(snapshot(outside), before);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'do not touch\n');
  });

  test('an existing zero-byte script is replaced by the complete one', async () => {
    const { bin } = root();
    fs.writeFileSync(path.join(bin, `emqx-${V}`), '');
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, scriptEntries(V));
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
  });

  test('a directory at a destination is refused before reading, bin/ unchanged', async () => {
    const { bin } = root();
    fs.mkdirSync(path.join(bin, `install_upgrade.escript-${V}`));
    const before = snapshot(bin);
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, scriptEntries(V));
    const e = await rejectsWith(extractScripts(pkg, V, bin), 'CANNOT_WRITE', 73);
    assert.match(e.message, /is a directory/);
    assert.deepEqual(snapshot(bin), before);
  });

  test('a destination turned into a directory during the scan: refused before any rename', async () => {
    const { bin } = root();
    fs.writeFileSync(path.join(bin, `emqx-${V}`), 'old runner\n', { mode: 0o755 });
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, [scriptEntries(V)[0]!, { name: 'lib/mid', size: 20 << 20 }, scriptEntries(V)[1]!]);
    const blocker = path.join(bin, `install_upgrade.escript-${V}`);
    const p = extractScripts(pkg, V, bin);
    // Once the first temporary exists the destinations were checked; now spoil the second one.
    while (!fs.readdirSync(bin).some((n) => n.endsWith('.tmp'))) await new Promise((r) => setTimeout(r, 1));
    fs.mkdirSync(blocker);
    fs.writeFileSync(path.join(blocker, 'x'), 'x');
    const before = snapshot(bin).filter((e) => !e.path.endsWith('.tmp'));
    const e = await rejectsWith(p, 'CANNOT_WRITE', 73);
    assert.match(e.message, /is a directory/);
    assert.deepEqual(snapshot(bin), before);
    assert.equal(fs.readFileSync(path.join(bin, `emqx-${V}`), 'utf8'), 'old runner\n');
  });
});

describe('hostile corpus: typed error and bin/ byte-for-byte unchanged', () => {
  const scripts = scriptEntries(V);
  const cases: { name: string; entries?: Entry[]; bytes?: () => Promise<Buffer> | Buffer; code: string; exit: number; match: RegExp; opts?: { maxMemberBytes?: number } }[] = [
    {
      name: 'path traversal and absolute names are never matched',
      entries: [
        { name: `/bin/emqx-${V}`, body: 'evil' },
        { name: `../bin/emqx-${V}`, body: 'evil' },
        { name: `bin/../bin/install_upgrade.escript-${V}`, body: 'evil' },
        { name: `/bin/install_upgrade.escript-${V}`, body: 'evil' },
        { name: `x/../../bin/emqx-${V}`, body: 'evil' },
      ],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /has no bin\/emqx-5\.0\.1 and bin\/install_upgrade\.escript-5\.0\.1/,
    },
    {
      name: 'symlink entry under a wanted name',
      entries: [{ name: `bin/emqx-${V}`, type: 'symlink', linkname: '/etc/passwd' }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /member bin\/emqx-5\.0\.1 is a symlink, not a regular file/,
    },
    {
      name: 'hardlink entry under a wanted name',
      entries: [scripts[0]!, { name: `./bin/install_upgrade.escript-${V}`, type: 'link', linkname: 'bin/emqx-5.0.1' }],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /member \.\/bin\/install_upgrade\.escript-5\.0\.1 is a link, not a regular file/,
    },
    {
      name: 'directory under a wanted name',
      entries: [{ name: `bin/emqx-${V}`, type: 'directory' }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /member bin\/emqx-5\.0\.1\/? is a directory/,
    },
    {
      name: 'character device under a wanted name',
      entries: [{ name: `bin/emqx-${V}`, type: 'character-device' }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is a character-device, not a regular file/,
    },
    {
      name: 'fifo under a wanted name',
      entries: [scripts[0]!, { name: `bin/install_upgrade.escript-${V}`, type: 'fifo' }],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is a fifo/,
    },
    {
      name: 'entry over the 16 MiB default limit',
      entries: [{ name: `bin/emqx-${V}`, body: Buffer.alloc(MAX_MEMBER_BYTES + 1, 0x61) }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /over the 16777216-byte limit/,
    },
    {
      name: 'entry over a configured limit',
      entries: [scripts[0]!, { name: `bin/install_upgrade.escript-${V}`, body: Buffer.alloc(2048, 0x62) }],
      opts: { maxMemberBytes: 1024 },
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /install_upgrade\.escript-5\.0\.1 is 2048 bytes, over the 1024-byte limit/,
    },
    {
      name: 'one member missing',
      entries: [{ name: 'lib/a.beam', size: 1000 }, scripts[0]!, { name: `bin/install_upgrade.escript-5.0.10`, body: 'near miss' }],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /has no bin\/install_upgrade\.escript-5\.0\.1$/,
    },
    {
      name: 'zero-byte versioned script',
      entries: [{ name: `bin/emqx-${V}`, body: '' }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /member bin\/emqx-5\.0\.1 is empty/,
    },
    {
      name: 'duplicate member (bin/ and ./bin/)',
      entries: [scripts[0]!, { name: `./bin/emqx-${V}`, body: 'second copy' }, scripts[1]!],
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /member \.\/bin\/emqx-5\.0\.1 appears twice \(also as bin\/emqx-5\.0\.1\)/,
    },
    {
      name: 'not gzip at all',
      bytes: () => Buffer.from('PK\x03\x04 this is a zip file, not a tarball\n'.repeat(50)),
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is not a gzip file/,
    },
    {
      name: 'plain (uncompressed) tar',
      bytes: () => {
        const src = sourceTree();
        return execFileSync('tar', ['-C', src, '-cf', '-', 'bin']);
      },
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is not a gzip file/,
    },
    {
      name: 'empty file',
      bytes: () => Buffer.alloc(0),
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is truncated/,
    },
    {
      name: 'gzip of something that is not a tar',
      bytes: () => gzipSync(filler(10_000, 3)),
      code: 'BAD_PACKAGE',
      exit: 65,
      match: /is corrupt \(tar: /,
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const { bin } = root();
      // A lived-in bin/, including a symlink at a destination that must survive the failure.
      const outside = tmp();
      fs.writeFileSync(path.join(outside, 'victim'), 'untouched');
      fs.symlinkSync(path.join(outside, 'victim'), path.join(bin, `emqx-${V}`));
      const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
      if (c.entries) await makeTarGz(pkg, c.entries);
      else fs.writeFileSync(pkg, await c.bytes!());
      const before = snapshot(bin);
      const outsideBefore = snapshot(outside);
      const e = await rejectsWith(extractScripts(pkg, V, bin, c.opts ?? {}), c.code, c.exit);
      assert.match(e.message, c.match);
      assert.ok(e.message.includes(pkg), 'the error names the package');
      assert.ok(e.hint, 'the error says what to do');
      assert.deepEqual(snapshot(bin), before);
      assert.deepEqual(snapshot(outside), outsideBefore);
    });
  }

  // Damage to the compressed stream, at a place the scan must read (before the scripts).
  async function damaged(mutate: (gz: Buffer) => Buffer, scriptsFirst: boolean): Promise<Buffer> {
    const d = tmp();
    const pkg = path.join(d, 'p.tar.gz');
    // Incompressible filler, so that a damaged tail lies well beyond what an early stop reads.
    const noise = randomBytes(scriptsFirst ? 6 << 20 : 600_000);
    const filler: Entry = { name: 'lib/big.beam', body: noise };
    await makeTarGz(pkg, scriptsFirst ? [...scriptEntries(V), filler] : [filler, ...scriptEntries(V)]);
    return mutate(fs.readFileSync(pkg));
  }

  for (const [name, mutate, match] of [
    ['truncated gzip (cut inside the filler)', (b: Buffer) => b.subarray(0, Math.floor(b.length / 3)), /is truncated/],
    ['truncated gzip (cut after the scripts, before the trailer)', (b: Buffer) => b.subarray(0, b.length - 4), null],
    ['corrupt gzip (bytes flipped inside the deflate stream)', (b: Buffer) => {
      const c = Buffer.from(b);
      for (let i = 200; i < 400; i++) c[i] = c[i]! ^ 0xa5;
      return c;
    }, /is corrupt|is truncated/],
    ['corrupt gzip header', (b: Buffer) => {
      const c = Buffer.from(b);
      c[3] = 0xff; // reserved FLG bits set
      return c;
    }, /is not a gzip file|is corrupt/],
  ] as const) {
    test(name, async () => {
      const { bin } = root();
      const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
      fs.writeFileSync(pkg, await damaged(mutate, match === null));
      const before = snapshot(bin);
      if (match === null) {
        // Early stop: damage after both scripts is not seen (the .sha256 sidecar covers it).
        await extractScripts(pkg, V, bin);
        assertExtracted(bin);
        return;
      }
      const e = await rejectsWith(extractScripts(pkg, V, bin), 'BAD_PACKAGE', 65);
      assert.match(e.message, match);
      assert.deepEqual(snapshot(bin), before);
    });
  }

  // The tar itself is short (its gzip stream is whole): the last member ends before its header's size.
  for (const [name, entries, cut, match] of [
    ['last member (the escript) cut inside its body', [{ name: 'lib/a.beam', size: 3000 }, ...scripts], 20, /^package .*emqx-5\.0\.1\.tar\.gz is truncated$/],
    ['last member (the escript) cut right after its header', [{ name: 'lib/a.beam', size: 3000 }, ...scripts], 0, /is truncated/],
    ['last member (the runner) cut inside its body, escript before it', [scripts[1]!, { name: 'lib/a.beam', size: 3000 }, scripts[0]!], 7, /is truncated/],
  ] as const) {
    test(`truncated tar: ${name}`, async () => {
      const { bin } = root();
      const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
      await makeTruncatedTarGz(pkg, [...entries], cut);
      gunzipSync(fs.readFileSync(pkg)); // the gzip layer is intact
      const before = snapshot(bin);
      const e = await rejectsWith(extractScripts(pkg, V, bin), 'BAD_PACKAGE', 65);
      assert.match(e.message, match);
      assert.ok(e.message.includes(pkg), e.message);
      assert.deepEqual(snapshot(bin), before);
      assert.deepEqual(fs.readdirSync(bin).filter((n) => n.includes('.relup-')), [], 'no temporary left');
    });
  }

  test('truncated tar after both scripts: the early stop never reads it, the scripts are extracted', async () => {
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTruncatedTarGz(pkg, [...scripts, { name: 'lib/a.beam', size: 3000 }], 100);
    await extractScripts(pkg, V, bin);
    assertExtracted(bin);
    // A full scan does reach the cut and says so.
    const e = await rejectsWith(scanTarGz(pkg, { entry: () => null, done: () => false }), 'BAD_PACKAGE', 65);
    assert.match(e.message, /is truncated/);
  });

  test('missing package file: NOT_FOUND, bin/ unchanged', async () => {
    const { bin } = root();
    const before = snapshot(bin);
    await rejectsWith(extractScripts(path.join(tmp(), `emqx-${V}.tar.gz`), V, bin), 'NOT_FOUND', 66);
    assert.deepEqual(snapshot(bin), before);
  });

  test('abort signal: rejects with the reason, no temporaries left', async () => {
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, [{ name: 'bin/emqx-5.0.1', body: SCRIPT(V) }, { name: 'lib/big', size: 8_000_000 }, scripts[1]!]);
    const before = snapshot(bin);
    const ac = new AbortController();
    const p = extractScripts(pkg, V, bin, { signal: ac.signal });
    setImmediate(() => ac.abort(new Error('operator pressed ^C')));
    await assert.rejects(p, /operator pressed \^C/);
    assert.deepEqual(snapshot(bin), before);
    const pre = new AbortController();
    pre.abort(new Error('already'));
    await assert.rejects(extractScripts(pkg, V, bin, { signal: pre.signal }), /already/);
    assert.deepEqual(snapshot(bin), before);
  });
});

describe('early stop', () => {
  test('scripts first in a large package: bytesRead far below the file size', async () => {
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    // Random-ish bytes compress poorly, so the file is large and the early stop is visible.
    const noise = Buffer.alloc(24 << 20);
    for (let i = 0; i < noise.length; i += 65536) randomFillSync(noise, i, Math.min(65536, noise.length - i));
    await makeTarGz(pkg, [...scriptEntries(V), { name: 'lib/huge.beam', body: noise }, { name: 'lib/after', size: 1000 }]);
    const size = fs.statSync(pkg).size;
    const r = await extractScripts(pkg, V, bin);
    assertExtracted(bin);
    assert.ok(r.bytesRead < size / 4, `read ${r.bytesRead} of ${size}`);
    assert.equal(r.entriesSeen, 2);
  });
});

describe('unreadable package', () => {
  test('chmod 000 package: PERMISSION (77) from an unprivileged process, bin/ unchanged', async () => {
    const { root: r, bin } = root();
    fs.chmodSync(r, 0o755);
    const pkg = path.join(r, 'releases', `emqx-${V}.tar.gz`);
    await makeTarGz(pkg, scriptEntries(V));
    fs.chmodSync(pkg, 0o000);
    const before = snapshot(bin);
    const mod = readableModule('package/extract.js');
    const code = `import(${JSON.stringify(mod)}).then((m) => m.extractScripts(${JSON.stringify(pkg)}, '${V}', ${JSON.stringify(bin)}))
      .then(() => console.log('{"ok":true}'), (e) => console.log(JSON.stringify({ code: e.code, exitCode: e.exitCode, uid: process.getuid() })))`;
    const cmd = unprivilegedNode();
    const out = execFileSync(cmd[0]!, [...cmd.slice(1), '--input-type=module', '-e', code], { encoding: 'utf8' });
    const res = JSON.parse(out);
    assert.deepEqual(res, { code: 'PERMISSION', exitCode: 77, uid: process.getuid!() === 0 ? 65534 : process.getuid!() });
    assert.deepEqual(snapshot(bin), before);
  });
});

describe('kill -9 in the middle of extraction', () => {
  test('bin/ never holds a partial script; cleanStaleTemps and the next run succeed', async (t) => {
    const { bin } = root();
    const pkg = path.join(tmp(), `emqx-${V}.tar.gz`);
    // Big scripts with filler between them: the first temporary lives for most of the run.
    const big1 = Buffer.concat([Buffer.from(SCRIPT(V)), filler(6 << 20, 7)]);
    const big2 = Buffer.concat([Buffer.from(ESCRIPT(V)), filler(6 << 20, 9)]);
    await makeTarGz(pkg, [
      { name: 'lib/pre.beam', size: 4 << 20 },
      { name: `bin/emqx-${V}`, body: big1 },
      { name: 'lib/mid.beam', size: 20 << 20 },
      { name: `bin/install_upgrade.escript-${V}`, body: big2 },
      { name: 'lib/post.beam', size: 1 << 20 },
    ]);
    const want = new Map([
      [`emqx-${V}`, big1],
      [`install_upgrade.escript-${V}`, big2],
    ]);
    const mod = readableModule('package/extract.js');
    const code = `const m = await import(${JSON.stringify(mod)}); process.stdout.write('go\\n');
      const t = process.hrtime.bigint(); await m.extractScripts(process.argv[1], '${V}', process.argv[2]);
      process.stdout.write('done ' + (Number(process.hrtime.bigint() - t) / 1e6) + '\\n');`;
    const children = new Set<number>();
    after(() => {
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    });
    /**
     * Runs one child; kills it `delayMs` after it says go, or (`on-temp`) the moment inotify shows
     * its first temporary in bin/ (the package is read before anything is written, so the window
     * with temporaries is short), or never; resolves with its stdout.
     */
    const run = (delayMs: number | null | 'on-temp') =>
      new Promise<{ out: string; killed: boolean }>((resolve, reject) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', code, pkg, bin], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.add(c.pid!);
        const watcher =
          delayMs === 'on-temp'
            ? fs.watch(bin, (_ev, name) => {
                if (name?.endsWith('.tmp')) c.kill('SIGKILL');
              })
            : null;
        let out = '';
        c.stdout.on('data', (d: Buffer) => {
          out += d;
          if (typeof delayMs === 'number' && out.startsWith('go\n') && !out.includes('armed')) {
            out += 'armed';
            setTimeout(() => c.kill('SIGKILL'), delayMs);
          }
        });
        c.on('error', reject);
        c.on('exit', (status, sig) => {
          watcher?.close();
          children.delete(c.pid!);
          resolve({ out, killed: sig === 'SIGKILL' });
          void status;
        });
      });

    // Calibrate: how long a full extraction takes here (not asserted; it spreads the kills).
    const cal = await run(null);
    const ms = Number(/done ([\d.]+)/.exec(cal.out)?.[1]);
    assert.ok(ms > 0, cal.out);
    for (const n of want.keys()) fs.unlinkSync(path.join(bin, n));
    const base = snapshot(bin);

    let hitMidway = 0;
    const kills: (number | 'on-temp')[] = [0.05, 0.25, 0.45, 0.65, 0.85, 1.05, 'on-temp'];
    for (const when of kills) {
      const frac = when;
      const r = await run(when === 'on-temp' ? when : Math.round(ms * when));
      const names = fs.readdirSync(bin);
      for (const [n, bytes] of want) {
        // Under the final name: nothing, or the complete script.
        if (names.includes(n)) assert.ok(fs.readFileSync(path.join(bin, n)).equals(bytes), `partial ${n} after kill at ${frac}`);
      }
      // A kill between the journal's write and its removal also leaves the commit journal.
      const temps = names.filter((n) => /\.relup-\d+-[0-9a-f]+(\.old)?\.tmp$|^\.relup-commit-\d+-[0-9a-f]+\.journal$/.test(n));
      if (r.killed && temps.length > 0) hitMidway++;
      const removed = await cleanStaleTemps(bin);
      assert.deepEqual(removed.sort(), temps.sort());
      // The next run succeeds and leaves exactly the base plus the two scripts.
      const again = await extractScripts(pkg, V, bin);
      assert.equal(again.written.length, 2);
      for (const [n, bytes] of want) assert.ok(fs.readFileSync(path.join(bin, n)).equals(bytes));
      assert.deepEqual(fs.readdirSync(bin).sort(), [...base.map((e) => e.path), ...want.keys()].sort());
      for (const n of want.keys()) fs.unlinkSync(path.join(bin, n));
      assert.deepEqual(snapshot(bin), base);
    }
    t.diagnostic(`full run ${Math.round(ms)} ms; kills that left temporaries: ${hitMidway} of ${kills.length}`);
    assert.ok(hitMidway >= 1, 'at least one kill landed while a temporary file existed');
  });

  test('cleanStaleTemps keeps temporaries of live processes and files that only look similar', async () => {
    const { bin } = root();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    const mine = `.emqx-${V}.relup-${process.pid}-abcd.tmp`;
    const stale = `.emqx-${V}.relup-${dead.pid}-0123abcd.tmp`;
    const staleOld = `.install_upgrade.escript-${V}.relup-${dead.pid}-99.old.tmp`;
    const lookalike = `emqx-${V}.relup-${dead.pid}-00.tmp`; // no leading dot: not ours
    for (const n of [mine, stale, staleOld, lookalike]) fs.writeFileSync(path.join(bin, n), 'x');
    fs.mkdirSync(path.join(bin, `.dir.relup-${dead.pid}-01.tmp`));
    const removed = await cleanStaleTemps(bin);
    assert.deepEqual(removed.sort(), [stale, staleOld].sort());
    for (const n of [mine, lookalike, `.dir.relup-${dead.pid}-01.tmp`]) assert.ok(fs.existsSync(path.join(bin, n)));
  });
});
