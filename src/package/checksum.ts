// Package integrity from a `<package>.sha256` sidecar: reading it (an effect) apart from checking
// a sha256 against it (pure, so decide.ts makes the check on what read.ts hashed).
import { createHash } from 'node:crypto';
import { openRegular } from './open.js';
import * as path from 'node:path';
import { RelupError, fromFsError } from '../errors.js';

const READ_CHUNK = 1 << 20;
/** A sidecar holds one line; anything bigger is not one. */
const SIDECAR_MAX = 4096;

/** Streaming sha256 (lowercase hex) of a file; memory stays flat whatever its size. */
export async function sha256File(file: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const hash = createHash('sha256');
  const fh = await openRegular(file, 'computing its sha256');
  const stream = fh.createReadStream({ highWaterMark: READ_CHUNK, signal: opts.signal, autoClose: true });
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (e) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw fromFsError(e, file, 'computing its sha256');
  }
  return hash.digest('hex');
}

export function sidecarPath(pkg: string): string {
  return `${pkg}.sha256`;
}

/**
 * Parses sidecar text in sha256sum format (`<64 hex>  <name>` or `<64 hex> *<name>`) or a bare
 * hash: exactly one entry, optional final newline (CRLF tolerated). A named file must be the
 * package itself (compared by base name, since sha256sum may have been run elsewhere).
 * Returns the lowercase hash, or a reason the text is malformed.
 */
export function parseSidecar(text: string, pkgFile: string): { hash: string } | { error: string } {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length !== 1 || lines[0] === '') return { error: lines[0] === '' ? 'it is empty' : 'it holds more than one line' };
  const m = /^([0-9a-fA-F]{64})(?:( \*|  )(.+))?$/.exec(lines[0]!);
  if (!m) return { error: 'expected "<64 hex digits>  <file name>" as written by sha256sum' };
  const named = m[3];
  if (named !== undefined && path.basename(named) !== path.basename(pkgFile)) {
    return { error: `it names ${JSON.stringify(named)}, not ${path.basename(pkgFile)}` };
  }
  return { hash: m[1]!.toLowerCase() };
}

export type SidecarResult =
  | { status: 'verified'; sidecar: string; sha256: string }
  | { status: 'absent'; sidecar: string };

/** A sidecar as read: its text, none there, or why it could not be read. */
export type SidecarFact = { kind: 'found'; text: string } | { kind: 'absent' } | { kind: 'error'; error: RelupError };

/** Reads `<pkg>.sha256` (one small read; never rejects with a RelupError: problems are the fact). */
export async function readSidecar(pkg: string): Promise<SidecarFact> {
  const sidecar = sidecarPath(pkg);
  try {
    const fh = await openRegular(sidecar, 'reading the checksum file');
    try {
      const buf = Buffer.alloc(SIDECAR_MAX + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead > SIDECAR_MAX) {
        return { kind: 'error', error: new RelupError('BAD_PACKAGE', `checksum file ${sidecar} is malformed: larger than ${SIDECAR_MAX} bytes`, { hint: 'regenerate it with sha256sum' }) };
      }
      return { kind: 'found', text: buf.subarray(0, bytesRead).toString('utf8') };
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = e instanceof RelupError ? e.code : (e as NodeJS.ErrnoException).code;
    if (code === 'NOT_FOUND' && (e as RelupError).cause && ((e as RelupError).cause as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    if (code === 'BAD_PACKAGE') {
      return { kind: 'error', error: new RelupError('BAD_PACKAGE', `checksum file ${sidecar} is not a regular file`, { hint: 'replace it with the published .sha256 file' }) };
    }
    return { kind: 'error', error: fromFsError(e, sidecar, 'reading the checksum file') };
  }
}

/**
 * Pure: `pkg`, whose sha256 is `actual`, against its sidecar as read. Mismatch -> CHECKSUM_MISMATCH
 * (65); malformed sidecar -> BAD_PACKAGE (65); missing while `required` (--require-checksum) ->
 * NOT_FOUND (66: a file is missing); an absent optional sidecar is reported so the caller can warn.
 */
export function checkSidecar(pkg: string, fact: SidecarFact, actual: () => string, required: boolean): SidecarResult {
  const sidecar = sidecarPath(pkg);
  if (fact.kind === 'error') throw fact.error;
  if (fact.kind === 'absent') {
    if (!required) return { status: 'absent', sidecar };
    throw new RelupError('NOT_FOUND', `checksum file ${sidecar} is missing and --require-checksum is set`, {
      hint: 'put the .sha256 file published with the package next to it, or drop --require-checksum',
      details: { sidecar },
    });
  }
  const parsed = parseSidecar(fact.text, pkg);
  if ('error' in parsed) {
    throw new RelupError('BAD_PACKAGE', `checksum file ${sidecar} is malformed: ${parsed.error}`, {
      hint: 'regenerate it with sha256sum or fetch it again',
      details: { sidecar },
    });
  }
  const sha256 = actual();
  if (sha256 !== parsed.hash) {
    throw new RelupError('CHECKSUM_MISMATCH', `package ${pkg} does not match ${path.basename(sidecar)}: sha256 is ${sha256}, expected ${parsed.hash}`, {
      hint: 'the package is damaged or not the published one: fetch it again',
      details: { package: pkg, sidecar, expected: parsed.hash, actual: sha256 },
    });
  }
  return { status: 'verified', sidecar, sha256 };
}

export interface VerifyOptions {
  /** `--require-checksum`: a missing sidecar is an error. */
  required?: boolean;
  signal?: AbortSignal;
  /** The package's sha256 when the caller has just computed it (the file is not read again). */
  sha256?: string;
}

/** Verifies `pkg` against `<pkg>.sha256` when that exists (checkSidecar), hashing it unless told its sha256. */
export async function verifySidecar(pkg: string, opts: VerifyOptions = {}): Promise<SidecarResult> {
  const fact = await readSidecar(pkg);
  const sha256 = fact.kind === 'found' ? (opts.sha256 ?? (await sha256File(pkg, opts.signal ? { signal: opts.signal } : {}))) : '';
  return checkSidecar(pkg, fact, () => sha256, opts.required ?? false);
}
