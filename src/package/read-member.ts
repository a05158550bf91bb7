// One regular member of a package as text, through the same streaming scan as extraction, stopping
// as soon as it is read: the relup (read-relup.ts) and releases/emqx_vars (read-vars.ts).
import { RelupError } from '../errors.js';
import { DEFAULT_MAX_ENTRY_BYTES } from './extract.js';
import { scanTarGz, type ScanOptions } from './scan.js';

export interface MemberText {
  /** Null when the package has no such member. */
  text: string | null;
  /** 1-based position of the member in the archive; null when absent. */
  member: number | null;
  /** Compressed bytes read to find it (or to learn it is not there). */
  bytesRead: number;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

/** `name` (or `./name`) in the package at `pkgPath`. Rejects with BAD_PACKAGE for a damaged archive or member. */
export async function readMemberText(pkgPath: string, name: string, opts: Pick<ScanOptions, 'signal'> = {}): Promise<MemberText> {
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
  return { text, member, bytesRead: stats.bytesRead };
}
