// Member names of a release package: where the release's own files sit (no `./`, no top-level
// folder, as release_handler extracts straight into the root) and what each member is to pack and
// inspect. Pure string logic, shared by both.
import { RelupError } from '../errors.js';
import { isVersion } from '../version/index.js';
import { MAX_MEMBER_BYTES } from '../package/read.js';
import { ESCRIPT, RUNNER, versionedScripts } from '../release/script-names.js';

/** Top-level names a release root holds; a first component outside these is taken as a wrapping folder. */
const RELEASE_TOP = /^(bin|lib|releases|erts-[^/]+|etc|data|log|plugins|include|doc|docs|man|share|dynlibs|certs)$/;

export { ESCRIPT, RUNNER };
export const runnerName = (v: string): string => versionedScripts(v).runner;
export const escriptName = (v: string): string => versionedScripts(v).escript;

/** Largest versioned script accepted: what the bootstrapper's extraction takes. */
export const MAX_SCRIPT_BYTES = MAX_MEMBER_BYTES;

export type ScriptKind = 'runner' | 'escript';

export type Role =
  | { kind: 'source'; script: ScriptKind }
  | { kind: 'versioned'; script: ScriptKind; version: string }
  | { kind: 'vars' }
  | { kind: 'start-erl' }
  | { kind: 'rel'; dir: string | null }
  /** `releases/<dir>/relup`: the upgrade paths of release <dir>. */
  | { kind: 'relup'; dir: string }
  | { kind: 'other' };

/** What a (repaired) member name is to the release. */
export function classify(name: string): Role {
  if (name === RUNNER) return { kind: 'source', script: 'runner' };
  if (name === ESCRIPT) return { kind: 'source', script: 'escript' };
  if (name.startsWith(`${ESCRIPT}-`)) {
    const v = name.slice(ESCRIPT.length + 1);
    if (isVersion(v)) return { kind: 'versioned', script: 'escript', version: v };
  } else if (name.startsWith(`${RUNNER}-`)) {
    const v = name.slice(RUNNER.length + 1);
    if (isVersion(v)) return { kind: 'versioned', script: 'runner', version: v };
  }
  if (name === 'releases/emqx_vars') return { kind: 'vars' };
  if (name === 'releases/start_erl.data') return { kind: 'start-erl' };
  const relup = /^releases\/([^/]+)\/relup$/.exec(name);
  if (relup) return { kind: 'relup', dir: relup[1]! };
  const rel = /^releases\/(?:([^/]+)\/)?[^/]+\.rel$/.exec(name);
  if (rel) return { kind: 'rel', dir: rel[1] ?? null };
  return { kind: 'other' };
}

/** `releases/<dir>/...` (or the directory entry itself) -> `<dir>`. */
export function releaseDirOf(name: string): string | null {
  const m = /^releases\/([^/]+)\//.exec(name);
  return m ? m[1]! : null;
}

/** The prefix stripped from every member name: '', './', '<folder>/' or './<folder>/'. */
export interface Layout {
  strip: string;
}

function leadingDots(name: string): string {
  let s = '';
  while (name.startsWith('./', s.length)) s += './';
  if (name.slice(s.length) === '.') s += '.';
  return s;
}

/**
 * Decides the layout from the first member, as a stream gives nothing more before the first write:
 * `./` prefixes are stripped, and so is a wrapping folder when the first member is that folder's
 * own directory entry (`tar -czf x.tar.gz emqx/`) or an `emqx*` folder. Every later member must
 * then carry the same prefix (checked by repairName).
 */
export function detectLayout(firstName: string, firstIsDirectory: boolean): Layout {
  let strip = leadingDots(firstName);
  if (strip.endsWith('.')) return { strip: './' };
  const rest = firstName.slice(strip.length);
  const slash = rest.indexOf('/');
  const top = slash === -1 ? rest : rest.slice(0, slash);
  if (top !== '' && !RELEASE_TOP.test(top) && slash !== -1) {
    const isOwnDirEntry = firstIsDirectory && slash === rest.length - 1;
    if (isOwnDirEntry || /^emqx/i.test(top)) strip += `${top}/`;
  }
  return { strip };
}

function unsafe(name: string, why: string): RelupError {
  return new RelupError('BAD_PACKAGE', `member ${JSON.stringify(name)} ${why}`, {
    hint: 'rebuild the package from the release directory',
  });
}

/**
 * The member name with the layout's prefix removed; null for the directory entries of the prefix
 * itself (`./`, `emqx/`). Refuses what cannot be repaired: a member outside the prefix, an absolute
 * name, a `..` component, or a `./` left over in a layout without one.
 */
export function repairName(name: string, layout: Layout, isDirectory: boolean): string | null {
  if (isDirectory || name === '.') {
    const asDir = name === '.' ? './' : name.endsWith('/') ? name : `${name}/`;
    if (layout.strip.startsWith(asDir)) return null;
  }
  if (!name.startsWith(layout.strip)) {
    throw unsafe(name, `does not start with ${JSON.stringify(layout.strip || '(no prefix)')} like the first member, a mixed layout that pack cannot repair`);
  }
  const out = name.slice(layout.strip.length);
  checkSafeName(out, name);
  return out;
}

/** Refuses names release_handler would extract outside the root or that are not plain paths. */
export function checkSafeName(name: string, original = name): void {
  if (name === '') throw unsafe(original, 'has an empty name');
  if (name.startsWith('/')) throw unsafe(original, 'is an absolute path');
  if (name.startsWith('./') || name === '.') throw unsafe(original, "has a mixed './' prefix that pack cannot repair");
  const parts = name.split('/');
  if (parts.includes('..')) throw unsafe(original, "has a '..' component");
  if (name.includes('\0')) throw unsafe(original, 'contains a NUL character');
}
