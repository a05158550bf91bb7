// Which compiled test files a run takes; pure, so test/scripts/run-tests.test.ts can prove it.
// Paths are relative to dist/test, with either separator.

/**
 * Not unit: files that start live Erlang nodes (test/e2e, package/read-relup's systools-made
 * packages) or sshd (test/rollout/rollout and otp-*, cli/relup-status), and test/install, which
 * packs and installs the npm package (npm, registry or cache), and test/faults, which inject
 * faults into rollouts over sshd.
 */
export const NOT_UNIT = [/^e2e\//, /^install\//, /^faults\//, /^rollout\/(rollout|otp-[a-z-]+)\.test\.js$/, /^cli\/relup-status\.test\.js$/, /^package\/read-relup\.test\.js$/];

const posix = (rel) => rel.replace(/\\/g, '/');

export function isUnit(rel) {
  const p = posix(rel);
  return !NOT_UNIT.some((re) => re.test(p));
}

/** `filter`: none = every file, `unit` = the unit files, else a substring of the path. */
export function selectTests(rels, filter) {
  if (!filter) return [...rels];
  if (filter === 'unit') return rels.filter(isUnit);
  return rels.filter((rel) => posix(rel).includes(posix(filter)));
}
