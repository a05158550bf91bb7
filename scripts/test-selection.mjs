// Which compiled test files a run takes; pure, so test/scripts/run-tests.test.ts can prove it.
// Paths are relative to dist/test, with either separator.

/**
 * Not unit: files that start live Erlang nodes (test/e2e, package/read's systools-made
 * packages, node/peers' distributed node and its peers, cli/exe-bundle, which also builds the
 * executable again) or sshd (test/rollout/rollout, runtime and otp-*, cli/relup-status),
 * test/install, which packs and installs the npm package (npm, registry or cache), and
 * test/faults, which inject faults into rollouts over sshd.
 */
export const NOT_UNIT = [/^e2e\//, /^install\//, /^faults\//, /^rollout\/(rollout|runtime|otp-[a-z-]+)\.test\.js$/, /^cli\/(relup-status|exe-bundle)\.test\.js$/, /^package\/read\.test\.js$/, /^node\/peers\.test\.js$/];

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
