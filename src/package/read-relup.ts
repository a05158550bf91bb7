// Reads `releases/<v>/relup` out of a package, through the same streaming scan as extraction,
// stopping as soon as it is read. `pack` puts it right after the two scripts, so for our packages
// this costs the head of the file; a package that keeps releases/ near its end (systools, EMQX's
// own) is inflated up to it, and one without a relup is read to its end.
import { RelupError } from '../errors.js';
import { parseRelup, relupMember, type RelupFact } from '../release/relup.js';
import { DEFAULT_MAX_ENTRY_BYTES } from './extract.js';
import { scanTarGz, type ScanOptions } from './scan.js';

export interface PackageRelup {
  fact: RelupFact;
  /** 1-based position of the member in the archive; null when absent. */
  member: number | null;
  /** Compressed bytes read to find it (or to learn it is not there). */
  bytesRead: number;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

/** The relup of `version` in the package at `pkgPath`. Rejects with BAD_PACKAGE for a damaged archive or relup. */
export async function readPackageRelup(pkgPath: string, version: string, opts: Pick<ScanOptions, 'signal'> = {}): Promise<PackageRelup> {
  const name = relupMember(version);
  const what = `${name} in ${pkgPath}`;
  const bad = (why: string) =>
    new RelupError('BAD_PACKAGE', `${what} ${why}`, { hint: 'the package is damaged or not a genuine release package: fetch it again', details: { package: pkgPath, member: name } });
  let text: string | null = null;
  let member: number | null = null;
  let seen = 0;
  const stats = await scanTarGz(
    pkgPath,
    {
      entry(header) {
        seen++;
        if (header.name !== name && header.name !== `./${name}`) return null;
        if (!FILE_TYPES.has(header.type ?? '')) throw bad(`is a ${header.type ?? 'entry of unknown type'}, not a regular file`);
        if ((header.size ?? 0) > DEFAULT_MAX_ENTRY_BYTES) throw bad(`is ${header.size} bytes, over the ${DEFAULT_MAX_ENTRY_BYTES}-byte limit`);
        member = seen;
        return async (body) => {
          const parts: Buffer[] = [];
          let n = 0;
          for await (const chunk of body) {
            n += chunk.length;
            if (n > DEFAULT_MAX_ENTRY_BYTES) throw bad(`is larger than ${DEFAULT_MAX_ENTRY_BYTES} bytes`);
            parts.push(chunk);
          }
          if (n !== header.size) throw bad(`is truncated (${n} of ${header.size} bytes)`);
          text = Buffer.concat(parts, n).toString('utf8');
        };
      },
      done: () => text !== null,
    },
    opts,
  );
  if (text === null) return { fact: { kind: 'absent', file: what }, member: null, bytesRead: stats.bytesRead };
  const relup = parseRelup(text, what, 'BAD_PACKAGE', 'the package is damaged or was built wrong: rebuild or fetch it again');
  if (relup.version !== version) throw bad(`leads to ${relup.version}, not ${version}, so release_handler refuses it`);
  return { fact: { kind: 'found', relup, file: what }, member, bytesRead: stats.bytesRead };
}
