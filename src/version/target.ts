// The target an operator types: 5.0.1, v5.0.1, emqx-5.0.1, emqx-enterprise-5.0.1, or a package
// file name or path. Checked before any file is touched.
import { RelupError } from '../errors.js';
import { isVersion } from './order.js';
import { splitEditionPrefix, type Edition } from './edition.js';
import { parsePackageName, type PackageName } from './package-name.js';

export interface Target {
  raw: string;
  version: string;
  /** Edition named by the target itself; null for a bare version. */
  edition: Edition | null;
  /** Set when the target is a package file name or path. */
  package: PackageName | null;
  /** Set when the target names a path (contains '/'); a bare file name is looked up in releases/. */
  packagePath: string | null;
}

const FORBIDDEN = /[\s\x00-\x1f\x7f*?[\]{}\\'"`$;&|<>!~]/;

function bad(raw: string, why: string): RelupError {
  return new RelupError('BAD_TARGET', `invalid target ${JSON.stringify(raw)}: ${why}`, {
    hint: 'give a version such as 5.0.1, emqx-5.0.1, emqx-enterprise-5.0.1 or a package file name',
  });
}

export function parseTarget(raw: string): Target {
  if (raw.length === 0) throw bad(raw, 'empty');
  if (raw.length > 4096) throw bad(raw.slice(0, 40) + '...', 'too long');
  if (FORBIDDEN.test(raw)) throw bad(raw, 'contains whitespace, control, glob or shell characters');
  if (raw.includes('..')) throw bad(raw, "contains '..'");
  if (raw.endsWith('.tar.gz')) {
    const slash = raw.lastIndexOf('/');
    const file = raw.slice(slash + 1);
    if (raw.includes('//')) throw bad(raw, "contains '//'");
    const pkg = parsePackageName(file);
    if (!pkg) throw bad(raw, 'not a package name of the form emqx[-enterprise]-<version>[-<platform>].tar.gz');
    return { raw, version: pkg.version, edition: pkg.edition, package: pkg, packagePath: slash === -1 ? null : raw };
  }
  if (raw.includes('/')) throw bad(raw, "contains '/' but is not a package path");
  const split = splitEditionPrefix(raw);
  const edition: Edition | null = split?.edition ?? null;
  const version = split ? split.rest : /^v\d/.test(raw) ? raw.slice(1) : raw;
  if (!isVersion(version)) throw bad(raw, `${JSON.stringify(version)} is not a SemVer version`);
  return { raw, version, edition, package: null, packagePath: null };
}
