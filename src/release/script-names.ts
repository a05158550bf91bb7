// The names of a release's scripts, plain and versioned (EIP-0022): bin/emqx-<v> and
// bin/install_upgrade.escript-<v> beside bin/emqx and bin/install_upgrade.escript, and the
// companions EMQX's escript copies on a permanent install. The one place these names are spelled.
import { basename } from 'node:path';
import { isVersion } from '../version/index.js';

export const RUNNER = 'bin/emqx';
export const ESCRIPT = 'bin/install_upgrade.escript';

/** The two scripts of `version`, relative to the root (and as members of a package). */
export function versionedScripts(version: string): { runner: string; escript: string } {
  return { runner: `${RUNNER}-${version}`, escript: `${ESCRIPT}-${version}` };
}

/** `releases/<version>/relup`, as a member name and relative to the root. */
export const relupMember = (version: string): string => `releases/${version}/relup`;

/** Their file names in bin/. */
export function versionedScriptFiles(version: string): [runner: string, escript: string] {
  const s = versionedScripts(version);
  return [basename(s.runner), basename(s.escript)];
}

/** The version in a runner's file name (emqx-<v>), else null. */
export function versionFromRunnerFile(file: string): string | null {
  const prefix = `${basename(RUNNER)}-`;
  const name = basename(file);
  if (!name.startsWith(prefix)) return null;
  const v = name.slice(prefix.length);
  return isVersion(v) ? v : null;
}

/**
 * Files EMQX's install_upgrade.escript copies over their plain names after make_permanent
 * besides the two scripts (bin/<rel>_ctl-<v>, bin/nodetool-<v>): the plain names.
 */
export function companionNames(relName: string): string[] {
  return [`bin/${relName}_ctl`, 'bin/nodetool'];
}
