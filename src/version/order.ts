// SemVer order of release versions. Build metadata breaks ties (semver.compareBuild), so that
// 5.6.1+patch.A is newer than 5.6.1, and a release is newer than its own pre-releases
// (which `sort -V` in the reference shell gets wrong: it puts 5.0.14-rc.1 after 5.0.14).
import semverCompareBuild from 'semver/functions/compare-build.js';
import semverParse from 'semver/functions/parse.js';

/** Longest version string we accept; real ones are under 40 characters. */
export const MAX_VERSION_LENGTH = 64;

// semver's strict parse still drops a leading 'v'; we keep versions exactly as written, so refuse it.
const VERSION_CHARS = /^\d[0-9A-Za-z.+-]*$/;

/** True for a strict SemVer string that we would keep as written (no `v`, no spaces, no leading zeros). */
export function isVersion(s: string): boolean {
  if (s.length === 0 || s.length > MAX_VERSION_LENGTH || !VERSION_CHARS.test(s)) return false;
  // parse() keeps build metadata out of .version, so compare against the strict parse succeeding.
  return semverParse(s, { loose: false }) !== null;
}

export function compareVersions(a: string, b: string): number {
  return semverCompareBuild(a, b);
}

/** The newer of two versions; on equal precedence and build, the first. */
export function newestOf(current: string, target: string): string {
  return compareVersions(target, current) > 0 ? target : current;
}
