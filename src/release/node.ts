// Node name and cookie of the running release, found as the reference `bin/emqx` finds them:
// environment, else the vm.args the node booted with (newest data/configs/vm.*.args, whose name
// carries a timestamp), else releases/<REL_VSN>/vm.args, else etc/vm.args, else `emqx` and
// EMQX_DEFAULT_ERLANG_COOKIE from emqx_vars.
// Name and cookie are looked up independently, each taking the first source that defines it:
// EMQX_NODE__NAME may rename the node while its cookie still sits in vm.args, and a recent EMQX
// no longer writes the cookie into the generated vm.*.args at all.
import { join } from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { type Env, type FsLike, errnoCode, readdirOrEmpty, realFs } from './fs.js';

/** The erl flag the name goes with (same spelling as plan.ts's NodeIdentity). */
export type NameType = '-name' | '-sname';

export type NodeSource =
  | { kind: 'env'; variable: string }
  | { kind: 'file'; file: string }
  | { kind: 'default' };

export interface NodeInfo {
  name: string;
  nameType: NameType;
  nameSource: NodeSource;
  /** Null when no source defines one (not even emqx_vars); see requireCookie. */
  cookie: string | null;
  cookieSource: NodeSource;
  /**
   * When the cookie comes from the environment: the first vm.args that sets one, and its cookie
   * (EMQX's runner from v5.0.18 dies when the two differ). Absent otherwise, or when none sets one.
   */
  fileCookie?: { cookie: string; file: string };
  /** For the operator, never printed here (and never containing the cookie). */
  warnings: string[];
}

export interface VmArgs {
  name?: { value: string; type: NameType };
  cookie?: string;
}

export const DEFAULT_NODE_NAME = 'emqx';
const NAME_VARS = ['EMQX_NODE__NAME', 'EMQX_NODE_NAME'] as const;
const COOKIE_VARS = ['EMQX_NODE__COOKIE', 'EMQX_NODE_COOKIE'] as const;

/**
 * Parses an Erlang args file: blank-separated words, `"…"`/`'…'` quoting, backslash escapes,
 * `#` comments. Later flags override earlier ones, as for erl. Unexpanded template values
 * (`${X}`, `{{ x }}`) are ignored, since they are not what the node runs with.
 */
export function parseVmArgs(text: string): VmArgs {
  const words = vmArgsWords(text);
  const out: VmArgs = {};
  for (let i = 0; i < words.length - 1; i++) {
    const flag = words[i];
    const value = words[i + 1]!;
    if (flag !== '-name' && flag !== '-sname' && flag !== '-setcookie') continue;
    i++;
    if (value === '' || /\$\{|\{\{/.test(value)) continue;
    if (flag === '-setcookie') out.cookie = value;
    else out.name = { value, type: flag };
  }
  return out;
}

function vmArgsWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      // An unterminated quote runs to the end of its line, not over the rest of the file.
      let end = text.indexOf(c, i + 1);
      let eol = text.indexOf('\n', i + 1);
      if (eol < 0) eol = text.length;
      const closed = end >= 0 && end < eol;
      if (!closed) end = eol;
      word = (word ?? '') + text.slice(i + 1, end);
      i = closed ? end : end - 1;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

export interface VmArgsFile {
  file: string;
  args: VmArgs;
}

export interface ResolveNodeInput {
  env?: Env;
  /** Existing vm.args files, most authoritative first (see vmArgsCandidates). */
  files: VmArgsFile[];
  /** EMQX_DEFAULT_ERLANG_COOKIE from emqx_vars, if any. */
  defaultCookie: string | null;
}

/** Pure: picks name and cookie from the sources, each independently, first source wins. */
export function resolveNode({ env = {}, files, defaultCookie }: ResolveNodeInput): NodeInfo {
  const warnings: string[] = [];
  let name: string;
  let nameType: NameType;
  let nameSource: NodeSource;
  const nameVar = NAME_VARS.find((v) => env[v]);
  const nameFile = files.find((f) => f.args.name);
  if (nameVar) {
    name = env[nameVar]!;
    nameType = name.includes('@') ? '-name' : '-sname';
    nameSource = { kind: 'env', variable: nameVar };
  } else if (nameFile) {
    ({ value: name, type: nameType } = nameFile.args.name!);
    nameSource = { kind: 'file', file: nameFile.file };
  } else {
    name = DEFAULT_NODE_NAME;
    nameType = '-sname';
    nameSource = { kind: 'default' };
    warnings.push(`node name not found (no ${NAME_VARS.join('/')}, no -name/-sname in ${describeFiles(files)}); using "${name}"`);
  }

  let cookie: string | null;
  let cookieSource: NodeSource;
  const cookieVar = COOKIE_VARS.find((v) => env[v]);
  const cookieFile = files.find((f) => f.args.cookie !== undefined);
  if (cookieVar) {
    cookie = env[cookieVar]!;
    cookieSource = { kind: 'env', variable: cookieVar };
  } else if (cookieFile) {
    cookie = cookieFile.args.cookie!;
    cookieSource = { kind: 'file', file: cookieFile.file };
  } else {
    cookie = defaultCookie;
    cookieSource = { kind: 'default' };
    warnings.push(
      cookie === null
        ? `node cookie not found (no ${COOKIE_VARS.join('/')}, no -setcookie in ${describeFiles(files)}, no EMQX_DEFAULT_ERLANG_COOKIE in emqx_vars)`
        : `node cookie not found (no ${COOKIE_VARS.join('/')}, no -setcookie in ${describeFiles(files)}); using EMQX_DEFAULT_ERLANG_COOKIE from emqx_vars`,
    );
  }
  const fileCookie = cookieVar && cookieFile ? { fileCookie: { cookie: cookieFile.args.cookie!, file: cookieFile.file } } : {};
  return { name, nameType, nameSource, cookie, cookieSource, ...fileCookie, warnings };
}

function describeFiles(files: VmArgsFile[]): string {
  return files.length === 0 ? 'any vm.args' : files.map((f) => f.file).join(', ');
}

/** One-line text of a source, for --status and --dry-run (never the cookie itself). */
export function describeSource(s: NodeSource): string {
  return s.kind === 'env' ? `environment ${s.variable}` : s.kind === 'file' ? s.file : 'default';
}

/** The cookie, or CONFIG (78) when no source gave one. */
export function requireCookie(node: NodeInfo): string {
  if (node.cookie !== null) return node.cookie;
  throw new RelupError('CONFIG', 'the node cookie is unknown: no EMQX_NODE__COOKIE, no -setcookie in vm.args, no EMQX_DEFAULT_ERLANG_COOKIE in emqx_vars', {
    hint: 'set EMQX_NODE__COOKIE to the cookie of the running node',
  });
}

/**
 * Pure: the vm.args paths to try, most authoritative first, given the names in data/configs/:
 * the newest generated `vm.*.args` (last by name), releases/<REL_VSN>/vm.args, etc/vm.args.
 */
export function vmArgsCandidates(root: string, relVsn: string, generatedNames: string[]): string[] {
  const generated = generatedNames.filter((n) => n.startsWith('vm.') && n.endsWith('.args') && n.length >= 'vm..args'.length).sort();
  const newest = generated.at(-1);
  return [
    ...(newest ? [join(root, 'data', 'configs', newest)] : []),
    join(root, 'releases', relVsn, 'vm.args'),
    join(root, 'etc', 'vm.args'),
  ];
}

/**
 * Reads node name and cookie for the installation at `root`. A missing vm.args is skipped; an
 * unreadable one is an error (PERMISSION 77), since skipping it could pick a wrong cookie.
 */
export function readNodeInfo(root: string, relVsn: string, env: Env, defaultCookie: string | null, fs: FsLike = realFs): NodeInfo {
  const configs = join(root, 'data', 'configs');
  let needName = !NAME_VARS.some((v) => env[v]);
  let needCookie = !COOKIE_VARS.some((v) => env[v]);
  // A cookie from the environment is compared with the files' (decide.ts checkCookie): looked for
  // leniently, so a file the run does not need cannot fail it.
  let wantFileCookie = !needCookie;
  let names: string[] = [];
  try {
    names = readdirOrEmpty(fs, configs);
  } catch (e) {
    if (needName || needCookie) throw fromFsError(e, configs, "looking for the node's vm.args");
    wantFileCookie = false;
  }
  const files: VmArgsFile[] = [];
  for (const file of vmArgsCandidates(root, relVsn, names)) {
    // Stop once everything is known, so an unreadable file we do not need cannot fail the run.
    const lenient = !needName && !needCookie;
    if (lenient && !wantFileCookie) break;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') continue;
      if (lenient) break;
      throw fromFsError(e, file, 'reading the node name and cookie');
    }
    const args = parseVmArgs(text);
    files.push({ file, args });
    needName &&= !args.name;
    needCookie &&= args.cookie === undefined;
    wantFileCookie &&= args.cookie === undefined;
  }
  return resolveNode({ env, files, defaultCookie });
}
