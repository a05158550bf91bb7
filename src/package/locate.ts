// Finding the package of one version in <root>/releases/, or checking the one the operator named.
// Selection is a pure function of the directory listing; the effects (readdir, open) are apart.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { identityOf, type FileIdentity } from './open.js';
import { parsePackageName, packageFileName, type Edition, type PackageName } from '../version/index.js';

export type Selection =
  | { kind: 'found'; pkg: PackageName }
  /** No package of this version at all. */
  | { kind: 'none'; expected: string[]; found: string[] }
  /** Several packages of this version (and of the wanted edition): the operator must choose. */
  | { kind: 'ambiguous'; expected: string[]; matches: PackageName[] }
  /** Packages of this version exist, but only of the other edition. */
  | { kind: 'other-edition'; expected: string[]; wanted: Edition; matches: PackageName[] };

const EDITIONS: Edition[] = ['community', 'enterprise'];

/** The names looked for, as shown to the operator. */
export function expectedNames(version: string, edition?: Edition | null): string[] {
  const editions = edition ? [edition] : EDITIONS;
  return editions.flatMap((e) => [packageFileName(e, version), packageFileName(e, version, '<platform>')]);
}

/**
 * Picks the package of exactly `version` among directory entry names. The version must be the
 * exact string of the name (per parsePackageName), so 5.0.1 never matches 5.0.10, 5.0.1-rc.1 or
 * 5.0.1-g1a2b3c4d. With `edition`, only that edition counts; when only the other edition has a
 * package, the result says so, so the caller can report an edition mismatch naming both.
 */
export function selectPackage(fileNames: readonly string[], version: string, edition?: Edition | null): Selection {
  const expected = expectedNames(version, edition);
  const ofVersion = fileNames
    .map((f) => parsePackageName(f))
    .filter((p): p is PackageName => p !== null && p.version === version)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const matches = edition ? ofVersion.filter((p) => p.edition === edition) : ofVersion;
  if (matches.length === 1) return { kind: 'found', pkg: matches[0]! };
  if (matches.length > 1) return { kind: 'ambiguous', expected, matches };
  if (edition && ofVersion.length > 0) return { kind: 'other-edition', expected, wanted: edition, matches: ofVersion };
  return { kind: 'none', expected, found: fileNames.filter((f) => f.endsWith('.tar.gz')).sort() };
}

const LIST_MAX = 8;

function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, LIST_MAX).join(', ');
  return names.length > LIST_MAX ? `${shown} and ${names.length - LIST_MAX} more` : shown;
}

/** Turns a failed selection into the operator-facing error; `dir` is the directory that was searched. */
export function selectionError(sel: Exclude<Selection, { kind: 'found' }>, version: string, dir: string): RelupError {
  const looked = sel.expected.join(' or ');
  switch (sel.kind) {
    case 'none':
      return new RelupError(
        'NOT_FOUND',
        `no package of version ${version} in ${dir}: looked for ${looked}; packages there: ${list(sel.found)}`,
        { hint: 'copy the package into releases/ or name it with --package FILE', details: { dir, version, expected: sel.expected, found: sel.found } },
      );
    case 'ambiguous': {
      const names = sel.matches.map((p) => p.file);
      return new RelupError('AMBIGUOUS_PACKAGE', `${names.length} packages of version ${version} in ${dir}: ${list(names)}`, {
        hint: 'choose one with --package FILE',
        details: { dir, version, candidates: names },
      });
    }
    case 'other-edition': {
      const names = sel.matches.map((p) => p.file);
      const other = sel.matches[0]!.edition;
      return new RelupError(
        'EDITION_MISMATCH',
        `the ${sel.wanted} edition is needed but ${dir} holds only ${other} package(s) of ${version}: ${list(names)}`,
        {
          hint: `put the ${sel.wanted} package (${looked}) in releases/`,
          details: { dir, version, wanted: sel.wanted, found: other, candidates: names },
        },
      );
    }
  }
}

/** The fs call probePackage needs, so that tests can hand in memfs. */
export interface LocateFs {
  open(p: string, flags: number): Promise<{ stat(): Promise<{ isFile(): boolean; size: number; dev: number; ino: number; mtimeMs: number }>; close(): Promise<void> }>;
}

const defaultFs: LocateFs = nodeFs.promises as unknown as LocateFs;

export interface LocatedPackage {
  /** Absolute path. */
  path: string;
  name: PackageName;
  size: number;
}

/** What opening a package found: its size and identity, or the error a real open raises, as data. */
export type PackageProbe = { size: number; identity: FileIdentity } | { error: RelupError };

/**
 * Opens the package for reading (non-blocking, so a FIFO cannot hang us) and checks it is a regular
 * file: EACCES -> PERMISSION, missing -> NOT_FOUND, anything but a file -> BAD_PACKAGE.
 */
export async function probePackage(file: string, fs: LocateFs = defaultFs): Promise<PackageProbe> {
  let fh;
  try {
    fh = await fs.open(file, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
  } catch (e) {
    return { error: fromFsError(e, file, 'opening the package') };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { error: new RelupError('BAD_PACKAGE', `${file} is not a regular file`, { hint: 'point to the .tar.gz package itself' }) };
    return { size: st.size, identity: identityOf(st) };
  } finally {
    await fh.close();
  }
}

/**
 * A package the operator named (`--package FILE` or a package target): its file name must pass
 * the package grammar and match the version (when given) and the edition.
 */
export function checkNamedPackage(arg: string, want: { edition: Edition; version: string | null }): PackageName {
  const base = path.basename(arg);
  const name = parsePackageName(base);
  if (!name || arg.endsWith('/')) {
    throw new RelupError('BAD_TARGET', `${JSON.stringify(arg)} is not a package name of the form emqx[-enterprise]-<version>[-<platform>].tar.gz`, {
      hint: 'name the release package file as shipped',
    });
  }
  if (want.version && name.version !== want.version) {
    throw new RelupError('USAGE', `package ${base} holds version ${name.version} but version ${want.version} is needed`, {
      hint: `give the package of ${want.version}`,
      details: { package: base, packageVersion: name.version, version: want.version },
    });
  }
  if (name.edition !== want.edition) {
    throw new RelupError('EDITION_MISMATCH', `package ${base} is the ${name.edition} edition but the ${want.edition} edition is needed`, {
      hint: `give the ${want.edition} package (${packageFileName(want.edition, name.version, name.platform)})`,
      details: { package: base, found: name.edition, wanted: want.edition },
    });
  }
  return name;
}

/**
 * The files EMQX's install_upgrade.escript would take for `version`: it globs
 * `releases/<base>-<version>*.tar.gz` (base by IS_ENTERPRISE) and stops with 47 on more than one,
 * whatever --package named, so `emqx-5.0.1*` also takes 5.0.10 and 5.0.1-rc.1 packages.
 */
export function escriptGlobMatches(fileNames: readonly string[], version: string, edition: Edition): string[] {
  const prefix = `${packageFileName(edition, version).slice(0, -'.tar.gz'.length)}`;
  return fileNames.filter((f) => f.startsWith(prefix) && f.endsWith('.tar.gz') && f.length >= prefix.length + '.tar.gz'.length).sort();
}

/** Several files answer the escript's glob: refused before anything is extracted or run. */
export function escriptGlobError(matches: readonly string[], version: string, edition: Edition, dir: string, keep: string | null): RelupError {
  const pattern = `${packageFileName(edition, version).slice(0, -'.tar.gz'.length)}*.tar.gz`;
  const others = matches.filter((m) => m !== keep);
  return new RelupError(
    'AMBIGUOUS_PACKAGE',
    `${matches.length} files in ${dir} match ${pattern}, which install_upgrade.escript globs for the package of ${version} (it stops with 47 on more than one): ${list(matches)}`,
    {
      hint: `move ${keep ? 'the others' : 'all but the one to unpack'} out of releases/ (e.g. mv ${path.join(dir, others[0] ?? matches[0]!)} /var/tmp/), then run the command again`,
      details: { dir, version, pattern, matches: [...matches] },
    },
  );
}
