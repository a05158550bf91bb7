// The one streaming pass over a .tar.gz: the file's bytes go to the sha256 (when asked) and to the
// inflater from the same reads, tar entries are walked once, and the inflation stops as soon as
// the visitor has what it needs. Every reader of packages goes through here, so a damaged archive
// fails the same way everywhere.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { Header } from 'tar-stream';
import { openRegularStat, type FileIdentity } from './open.js';
import { RelupError, fromFsError } from '../errors.js';

/** Type may also be null (unknown typeflag) at run time, whatever the typings say. */
export type TarHeader = Header;
/** Consumes one entry body to its end (or throws). */
export type EntryConsumer = (body: AsyncIterable<Buffer>) => Promise<void>;

export interface TarVisitor {
  /** Called per entry: a consumer to take its body, or null to skip it. May throw to stop the scan. */
  entry(header: TarHeader): EntryConsumer | null;
  /** Checked after each consumed entry: true stops reading at once. */
  done(): boolean;
}

export interface ScanOptions {
  signal?: AbortSignal;
  /** Read size of the compressed file; 1 MiB keeps syscalls few. */
  highWaterMark?: number;
  /** zlib output chunk size; large chunks mean few events per inflated megabyte. */
  chunkSize?: number;
  /**
   * sha256 of every byte of the file, from the same reads that feed the inflater. Once the visitor
   * is done the inflation stops and the rest of the file is only hashed (several times cheaper).
   */
  hash?: boolean;
}

export interface ScanStats {
  /** Compressed bytes read from the file. */
  bytesRead: number;
  entriesSeen: number;
  /** True when the visitor stopped the scan; false when the archive ended first. */
  stoppedEarly: boolean;
  /** With `hash`: the file's sha256 (lowercase hex); else null. */
  sha256: string | null;
  /** What was opened, as fstat saw it before the first read. */
  identity: FileIdentity;
}

const MiB = 1 << 20;

function badPackage(file: string, what: string, cause?: unknown): RelupError {
  return new RelupError('BAD_PACKAGE', `package ${file} is ${what}`, {
    hint: 'the package is damaged or not a release .tar.gz: fetch it again',
    cause,
    details: { package: file },
  });
}

/** Maps a zlib or tar-stream failure to what it means for the operator. */
function archiveError(file: string, e: unknown, inflated: number): RelupError {
  if (e instanceof RelupError) return e;
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  if (err?.code === 'Z_BUF_ERROR' || /unexpected end of (file|data)/i.test(msg)) return badPackage(file, 'truncated', e);
  if (err?.code === 'Z_DATA_ERROR' && inflated === 0 && /header/i.test(msg)) return badPackage(file, 'not a gzip file', e);
  if (err?.code?.startsWith('Z_')) return badPackage(file, `corrupt (gzip: ${msg})`, e);
  if (/tar header/i.test(msg)) return badPackage(file, `corrupt (tar: ${msg})`, e);
  return badPackage(file, `unreadable as .tar.gz (${msg})`, e);
}

/**
 * Scans `file` once. Resolves when the visitor is done or the archive ends; rejects with a
 * BAD_PACKAGE error for a non-gzip, corrupt or truncated file, with the visitor's own error, or
 * with `signal.reason` on abort. It settles only after any running consumer has finished, so a
 * caller's cleanup never races a consumer still creating files.
 */
export async function scanTarGz(file: string, visitor: TarVisitor, opts: ScanOptions = {}): Promise<ScanStats> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const { extract } = await import('tar-stream');
  const { fh, identity } = await openRegularStat(file, 'reading the package');
  const rs = fh.createReadStream({ highWaterMark: opts.highWaterMark ?? MiB, autoClose: true });
  const gz = createGunzip({ chunkSize: opts.chunkSize ?? MiB });
  // Old v7 archives have no magic; every header still has to pass its checksum.
  const ex = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
  const hash = opts.hash ? createHash('sha256') : null;
  let entriesSeen = 0;
  let inflated = 0;
  let inflating = true;
  let active: Promise<void> | null = null;

  return new Promise<ScanStats>((resolve, reject) => {
    let settled = false;
    // Inflation is over (visitor done or archive ended): only the hash may still be reading.
    const stopInflating = () => {
      inflating = false;
      gz.unpipe(ex as unknown as NodeJS.WritableStream);
      gz.destroy();
      // With an error, so that a consumer iterating the current entry body stops at once.
      ex.destroy(new Error('scan ended'));
    };
    const settle = (err: unknown, stoppedEarly: boolean) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (inflating) stopInflating();
      rs.destroy();
      const stats: ScanStats = { bytesRead: rs.bytesRead, entriesSeen, stoppedEarly, sha256: hash ? hash.digest('hex') : null, identity };
      const pending = active ?? Promise.resolve();
      // A consumer interrupted by the destroy rejects; its error is superseded by `err`.
      pending.catch(() => {}).then(() => (err === null ? resolve(stats) : reject(err)));
    };
    const fail = (e: unknown) => settle(e, false);
    /** The facts are all in: without a hash, stop reading; with one, read on to the end for it. */
    const finish = (stoppedEarly: boolean) => {
      if (!hash || rs.readableEnded) return settle(null, stoppedEarly);
      stopInflating();
      rs.once('end', () => settle(null, stoppedEarly));
      rs.resume();
    };
    const onAbort = () => fail(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the module loaded or the file opened: the listener came too late to hear it.
    if (signal?.aborted) onAbort();

    rs.on('error', (e) => fail(fromFsError(e, file, 'reading the package')));
    // Once inflation is over, the destroy's own errors say nothing about the archive.
    gz.on('error', (e) => inflating && fail(archiveError(file, e, inflated)));
    ex.on('error', (e) => inflating && fail(archiveError(file, e, inflated)));
    gz.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
    });
    // By hand rather than pipe(): the same chunks feed the hash, and the inflater can be dropped
    // half-way while the hash reads on.
    rs.on('data', (data) => {
      const chunk = data as Buffer;
      hash?.update(chunk);
      if (!inflating || gz.write(chunk)) return;
      rs.pause();
      gz.once('drain', () => {
        if (inflating) rs.resume();
      });
    });
    rs.on('end', () => {
      if (inflating) gz.end();
    });
    ex.on('finish', () => {
      // The archive ended; a consumer may still be flushing its last entry.
      const pending = active ?? Promise.resolve();
      pending.then(() => finish(false), () => {});
    });
    ex.on('entry', (header, body, next) => {
      if (settled || !inflating) return;
      entriesSeen++;
      // Destroying the extractor on stop or failure errors the current body; nobody else listens.
      body.on('error', () => {});
      let consume: EntryConsumer | null;
      try {
        consume = visitor.entry(header);
      } catch (e) {
        fail(e);
        return;
      }
      if (consume === null) {
        body.on('end', next);
        body.resume();
        return;
      }
      active = consume(body as unknown as AsyncIterable<Buffer>).then(
        () => {
          active = null;
          if (visitor.done()) finish(true);
          else next();
        },
        (e: unknown) => {
          active = null;
          fail(e);
        },
      );
    });
    gz.pipe(ex as unknown as NodeJS.WritableStream);
    // Nothing wanted from the archive (a hash alone): nothing is inflated.
    if (visitor.done()) finish(true);
  });
}
