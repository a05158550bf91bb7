// Reads `releases/<v>/relup` out of a package, through the same streaming scan as extraction,
// stopping as soon as it is read. `pack` puts it right after the two scripts, so for our packages
// this costs the head of the file; a package that keeps releases/ near its end (systools, EMQX's
// own) is inflated up to it, and one without a relup is read to its end.
import { RelupError } from '../errors.js';
import { parseRelup, relupMember, type RelupFact } from '../release/relup.js';
import { readMemberText } from './read-member.js';
import type { ScanOptions } from './scan.js';

export interface PackageRelup {
  fact: RelupFact;
  /** 1-based position of the member in the archive; null when absent. */
  member: number | null;
  /** Compressed bytes read to find it (or to learn it is not there). */
  bytesRead: number;
}

/** The relup of `version` in the package at `pkgPath`. Rejects with BAD_PACKAGE for a damaged archive or relup. */
export async function readPackageRelup(pkgPath: string, version: string, opts: Pick<ScanOptions, 'signal'> = {}): Promise<PackageRelup> {
  const name = relupMember(version);
  const what = `${name} in ${pkgPath}`;
  const { text, member, bytesRead } = await readMemberText(pkgPath, name, opts);
  if (text === null) return { fact: { kind: 'absent', file: what }, member: null, bytesRead };
  const relup = parseRelup(text, what, 'BAD_PACKAGE', 'the package is damaged or was built wrong: rebuild or fetch it again');
  if (relup.version !== version) {
    throw new RelupError('BAD_PACKAGE', `${what} leads to ${relup.version}, not ${version}, so release_handler refuses it`, {
      hint: 'the package is damaged or not a genuine release package: fetch it again',
      details: { package: pkgPath, member: name },
    });
  }
  return { fact: { kind: 'found', relup, file: what }, member, bytesRead };
}
