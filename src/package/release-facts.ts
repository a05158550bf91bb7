// What a release says about itself, parsed from the small metadata files it carries. Pure: the
// callers hand in file contents they collected while streaming.

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
 * Literal assignments of `releases/emqx_vars` (`NAME="v"`, `NAME='v'`, bare, `export`), the last
 * one winning as the file is append-only. Values that refer to other variables are left out: pack
 * only needs the literal REL_VSN, REL_NAME and IS_ENTERPRISE.
 */
export function parseVarsLiterals(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!.trim();
    if (value.startsWith('"')) {
      const end = value.indexOf('"', 1);
      if (end === -1) continue;
      value = value.slice(1, end);
      if (value.includes('$')) continue;
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      if (end === -1) continue;
      value = value.slice(1, end);
    } else {
      value = value.replace(/\s+#.*$/, '');
      if (/[\s$`"'\\]/.test(value)) continue;
    }
    vars.set(m[1]!, value);
  }
  return vars;
}

/** `releases/start_erl.data`: "ERTS_VSN REL_VSN". */
export function parseStartErlData(text: string): { erts: string; version: string } | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 2) return null;
  return { erts: parts[0]!, version: parts[1]! };
}
