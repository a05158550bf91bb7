// The one way the tests make a temporary directory and take a sha256, so that every test cleans
// up the same way and no test writes its own hashing line.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir, removed with everything in it when `t` ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'relup-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Hex sha256 of bytes or text. */
export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex sha256 of a file's bytes, as sha256sum prints it. */
export function fileSha256(file: string): string {
  return sha256Of(readFileSync(file));
}
