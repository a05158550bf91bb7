// `releases/emqx_vars`: what the wrapper needs from it (REL_NAME, REL_VSN, ERTS_VSN, IS_ENTERPRISE,
// the default cookie) and the checks on those values. The file itself is read by
// shell-assignments.ts, as sh would see it.
import { join } from 'node:path';
import { RelupError } from '../errors.js';
import { type Edition, editionFromIsEnterprise, isVersion } from '../version/index.js';
import { type Env, type FsLike, readTextFile, realFs } from './fs.js';
import { parseShellAssignments, type VarTable } from './shell-assignments.js';

export type { VarTable, VarValue } from './shell-assignments.js';
/** emqx_vars as sh sees it: every assignment, the last one winning. */
export const parseEmqxVars = parseShellAssignments;

/** What the wrapper needs from emqx_vars. */
export interface ReleaseVars {
  /** Absolute path of the emqx_vars file read. */
  file: string;
  relName: string;
  relVsn: string;
  ertsVsn: string;
  /** Raw IS_ENTERPRISE value; `edition` is what it means. */
  isEnterprise: string;
  edition: Edition;
  /** EMQX_DEFAULT_ERLANG_COOKIE, the last-resort cookie; null when absent or empty. */
  defaultCookie: string | null;
  /** Every variable the file assigns (last assignment), for diagnostics. */
  table: VarTable;
}

export const EMQX_VARS = 'releases/emqx_vars';

const REQUIRED = ['REL_NAME', 'REL_VSN', 'ERTS_VSN', 'IS_ENTERPRISE'] as const;
/** REL_NAME and ERTS_VSN end up in paths and Erlang atoms: keep them to safe characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Reads and checks `<root>/releases/emqx_vars`. Errors: NOT_FOUND 66, PERMISSION 77, CONFIG 78. */
export function readReleaseVars(root: string, env: Env = {}, fs: FsLike = realFs): ReleaseVars {
  const file = join(root, EMQX_VARS);
  const text = readTextFile(fs, file, 'reading the release variables');
  return releaseVarsFrom(parseEmqxVars(text, env, file), file);
}

/** The checks of readReleaseVars on an already parsed table (pure). */
export function releaseVarsFrom(table: VarTable, file: string): ReleaseVars {
  const hint = 'the installation looks incomplete or edited by hand; fix the file or pass --root with the right EMQX directory';
  const need = (name: (typeof REQUIRED)[number]): string => {
    const v = table.get(name);
    if (!v || v.value.trim() === '') {
      throw new RelupError('CONFIG', `${file} does not set ${name}`, { hint, details: { file, variable: name } });
    }
    if (v.dynamic) {
      throw new RelupError('CONFIG', `${file} sets ${name} (line ${v.line}) through a command, which cannot be read without running it`, {
        hint: `set ${name} to a plain value in that file`,
        details: { file, variable: name, line: v.line },
      });
    }
    return v.value.trim();
  };
  const relName = need('REL_NAME');
  const relVsn = need('REL_VSN');
  const ertsVsn = need('ERTS_VSN');
  const isEnterprise = need('IS_ENTERPRISE');
  if (!isVersion(relVsn)) {
    throw new RelupError('CONFIG', `${file}: REL_VSN "${relVsn}" is not a release version`, { hint, details: { file, variable: 'REL_VSN', value: relVsn } });
  }
  for (const [name, value] of [['REL_NAME', relName], ['ERTS_VSN', ertsVsn]] as const) {
    if (!SAFE_NAME.test(value) || value.includes('..')) {
      throw new RelupError('CONFIG', `${file}: ${name} "${value}" is not a plain name`, { hint, details: { file, variable: name, value } });
    }
  }
  const cookie = table.get('EMQX_DEFAULT_ERLANG_COOKIE');
  return {
    file,
    relName,
    relVsn,
    ertsVsn,
    isEnterprise,
    edition: editionFromIsEnterprise(isEnterprise),
    defaultCookie: cookie && !cookie.dynamic && cookie.value !== '' ? cookie.value : null,
    table,
  };
}
