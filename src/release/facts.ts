// Everything the wrapper needs to know about an installation, gathered once as plain data.
import { join } from 'node:path';
import { fromFsError } from '../errors.js';
import { type Env, type FsLike, readdirOrEmpty, realFs, statOrNull } from './fs.js';
import { type NodeInfo, readNodeInfo } from './node.js';
import { type ReleaseVars, readReleaseVars } from './vars.js';

export { EKKA_ERL_FLAGS } from './ekka.js';

export interface ReleaseFacts {
  root: string;
  vars: ReleaseVars;
  node: NodeInfo;
  /** `<root>/erts-<ERTS_VSN>/bin/escript`, or `escript` (found on PATH) when the release has none. */
  escript: string;
  escriptFromRelease: boolean;
  /** `<root>/bin/nodetool`, or null when the release has none (the alive check is then skipped). */
  nodetool: string | null;
  /** The release ships `lib/ekka-*`, so children need EKKA_ERL_FLAGS. */
  hasEkka: boolean;
  /** Things the operator should know (node defaults, escript from PATH); never the cookie. */
  warnings: string[];
}

export function readReleaseFacts(root: string, env: Env = {}, fs: FsLike = realFs): ReleaseFacts {
  const vars = readReleaseVars(root, env, fs);
  const node = readNodeInfo(root, vars.relVsn, env, vars.defaultCookie, fs);
  const fileAt = (path: string, doing: string): boolean => {
    try {
      return statOrNull(fs, path)?.isFile() ?? false;
    } catch (e) {
      throw fromFsError(e, path, doing);
    }
  };
  const bundled = join(root, `erts-${vars.ertsVsn}`, 'bin', 'escript');
  const escriptFromRelease = fileAt(bundled, 'looking for the release escript');
  const nodetool = join(root, 'bin', 'nodetool');
  const lib = join(root, 'lib');
  let libNames: string[];
  try {
    libNames = readdirOrEmpty(fs, lib);
  } catch (e) {
    throw fromFsError(e, lib, 'looking for ekka');
  }
  const warnings = [...node.warnings];
  if (!escriptFromRelease) warnings.push(`${bundled} not found; using escript from PATH`);
  return {
    root,
    vars,
    node,
    escript: escriptFromRelease ? bundled : 'escript',
    escriptFromRelease,
    nodetool: fileAt(nodetool, 'looking for nodetool') ? nodetool : null,
    hasEkka: libNames.some((n) => n.startsWith('ekka-')),
    warnings,
  };
}
