// FOLD INTO THE SINGLE PASS (src/package/read.ts): the package's own `releases/emqx_vars`, as text,
// for the variables a newer runner expects (release/vars-additions.ts). Read here, on its own scan,
// only until the one-pass package reader lands; gather.ts calls it next to readPackageRelup.
import { EMQX_VARS } from '../release/vars.js';
import { RelupError } from '../errors.js';
import { readMemberText } from './read-member.js';

/** The package's emqx_vars as gathered: its text, none in the package, or why it could not be read. */
export type PackageVarsFact = { kind: 'found'; file: string; text: string } | { kind: 'absent'; file: string } | { kind: 'error'; error: RelupError };

/** `releases/emqx_vars` of the package at `pkgPath`; read errors are kept as data for decide.ts. */
export async function readPackageVars(pkgPath: string): Promise<PackageVarsFact> {
  const file = `${EMQX_VARS} in ${pkgPath}`;
  try {
    const { text } = await readMemberText(pkgPath, EMQX_VARS);
    return text === null ? { kind: 'absent', file } : { kind: 'found', file, text };
  } catch (e) {
    if (e instanceof RelupError) return { kind: 'error', error: e };
    throw e;
  }
}
