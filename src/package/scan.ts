
import { createGunzip } from 'node:zlib';
import type { Header } from 'tar-stream';
import { openRegular } from './open.js';
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
}

export interface ScanStats {
  /** Compressed bytes read from the file. */
  bytesRead: number;
  entriesSeen: number;
  /** True when the visitor stopped the scan; false when the archive ended first. */
  stoppedEarly: boolean;
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
  const fh = await openRegular(file, 'reading the package');
  const rs = fh.createReadStream({ highWaterMark: opts.highWaterMark ?? MiB, autoClose: true });
  const gz = createGunzip({ chunkSize: opts.chunkSize ?? MiB });
  // Old v7 archives have no magic; every header still has to pass its checksum.
  const ex = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
  let entriesSeen = 0;
  let inflated = 0;
  let active: Promise<void> | null = null;

  return new Promise<ScanStats>((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, stoppedEarly: boolean) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      rs.unpipe(gz);
      gz.unpipe(ex as unknown as NodeJS.WritableStream);
      rs.destroy();
      gz.destroy();
      // With an error, so that a consumer iterating the current entry body stops at once.
      ex.destroy(new Error('scan ended'));
      const stats: ScanStats = { bytesRead: rs.bytesRead, entriesSeen, stoppedEarly };
      const pending = active ?? Promise.resolve();
      // A consumer interrupted by the destroy rejects; its error is superseded by `err`.
      pending.catch(() => {}).then(() => (err === null ? resolve(stats) : reject(err)));
    };
    const fail = (e: unknown) => settle(e, false);
    const onAbort = () => fail(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    rs.on('error', (e) => fail(fromFsError(e, file, 'reading the package')));
    gz.on('error', (e) => fail(archiveError(file, e, inflated)));
    ex.on('error', (e) => fail(archiveError(file, e, inflated)));
    gz.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
    });
    ex.on('finish', () => {
      // The archive ended; a consumer may still be flushing its last entry.
      const pending = active ?? Promise.resolve();
      pending.then(() => settle(null, false), () => {});
    });
    ex.on('entry', (header, body, next) => {
      if (settled) return;
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
          if (visitor.done()) settle(null, true);
          else next();
        },
        (e: unknown) => {
          active = null;
          fail(e);
        },
      );
    });
    rs.pipe(gz);
    gz.pipe(ex as unknown as NodeJS.WritableStream);
  });
}
