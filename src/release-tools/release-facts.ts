// What a release says about itself, parsed from the small metadata files it carries. Pure: the
// callers hand in file contents they collected while streaming.
import { EMQX_VARS, parseEmqxVars } from '../release/vars.js';
import { parseErlangTerm, stringOf, type Term } from '../release/erlang-term.js';
import { isVersion } from '../version/index.js';

/** `{release, {"Name", "Vsn"}, {erts, "E"}, ...}.` from a `.rel` file. */
export interface RelFile {
  /** Member name inside the release, e.g. `releases/5.0.1/emqx.rel`. */
  path: string;
  name: string;
  version: string;
  erts: string | null;
}

/** The head of a .rel term; null when the text is not `{release, {Name, Vsn}, {erts, E}, Apps}.` */
export function parseRelFile(path: string, text: string): RelFile | null {
  let t: Term;
  try {
    t = parseErlangTerm(text);
  } catch {
    return null;
  }
  if (t.t !== 'tuple' || t.items.length !== 4) return null;
  const [tag, nameVsn, erts] = t.items;
  if (tag?.t !== 'atom' || tag.v !== 'release' || nameVsn?.t !== 'tuple' || nameVsn.items.length !== 2) return null;
  const name = stringOf(nameVsn.items[0]);
  const version = stringOf(nameVsn.items[1]);
  if (name === null || version === null) return null;
  const ertsVsn = erts?.t === 'tuple' && erts.items.length === 2 && erts.items[0]?.t === 'atom' && erts.items[0].v === 'erts' ? stringOf(erts.items[1]) : null;
  if (ertsVsn === null) return null;
  return { path, name, version, erts: ertsVsn };
}

/**
 * The values of `releases/emqx_vars` that are known without running anything (the last assignment
 * winning), through the wrapper's own parser; pack and inspect need REL_VSN, REL_NAME and
 * IS_ENTERPRISE. Throws CONFIG on a file sh could not read either.
 */
export function varsLiterals(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, v] of parseEmqxVars(text, {}, EMQX_VARS)) if (!v.dynamic) out.set(name, v.value);
  return out;
}

/** `releases/start_erl.data`: "ERTS_VSN REL_VSN". */
export function parseStartErlData(text: string): { erts: string; version: string } | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return null;
  return { erts: parts[0]!, version: parts[1]! };
}

export type VersionVerdict = { kind: 'found'; version: string } | { kind: 'none' } | { kind: 'several'; versions: string[] };

/**
 * The release's own idea of its version, the one rule pack and inspect share: REL_VSN of
 * emqx_vars, else start_erl.data, else the version of the .rel files that sit in their own
 * releases/<version>/ (several of those is for the caller to settle).
 */
export function releaseVersionOf(f: { varsVersion: string | undefined; startErlVersion: string | undefined; rels: readonly RelFile[] }): VersionVerdict {
  if (f.varsVersion !== undefined && isVersion(f.varsVersion)) return { kind: 'found', version: f.varsVersion };
  if (f.startErlVersion !== undefined && isVersion(f.startErlVersion)) return { kind: 'found', version: f.startErlVersion };
  const versions = [...new Set(f.rels.filter((r) => r.path.startsWith(`releases/${r.version}/`)).map((r) => r.version))].filter(isVersion);
  if (versions.length === 1) return { kind: 'found', version: versions[0]! };
  return versions.length === 0 ? { kind: 'none' } : { kind: 'several', versions };
}
