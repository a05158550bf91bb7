// What a release says about itself, parsed from the small metadata files it carries. Pure: the
// callers hand in file contents they collected while streaming.
import { EMQX_VARS, parseEmqxVars } from '../release/vars.js';

/** `{release, {"Name", "Vsn"}, {erts, "E"}, ...}.` from a `.rel` file. */
export interface RelFile {
  /** Member name inside the release, e.g. `releases/5.0.1/emqx.rel`. */
  path: string;
  name: string;
  version: string;
  erts: string | null;
}

const REL_HEAD = /\{\s*release\s*,\s*\{\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\}\s*,\s*\{\s*erts\s*,\s*"((?:[^"\\]|\\.)*)"/;

export function parseRelFile(path: string, text: string): RelFile | null {
  const withoutComments = text.replace(/%[^\n]*/g, '');
  const m = REL_HEAD.exec(withoutComments);
  if (!m) return null;
  return { path, name: m[1]!, version: m[2]!, erts: m[3] ?? null };
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
