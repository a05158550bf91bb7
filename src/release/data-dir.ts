// The node's data directory, as EMQX finds it: EMQX_NODE__DATA_DIR, else node.data_dir of
// etc/emqx.conf, else `data`; a relative one is under the root (EMQX's runner prefixes
// RUNNER_ROOT_DIR). EMQX's vm.args puts <data_dir>/patches first on the code path (-pa), so a
// .beam there is loaded instead of the module of the same name in any release: hot patches.
import { basename, isAbsolute, join } from 'node:path';
import { fromFsError, RelupError } from '../errors.js';
import { errnoCode, type Env, type FsLike, readdirOrEmpty, realFs } from './fs.js';

export const DATA_DIR_VAR = 'EMQX_NODE__DATA_DIR';
export const EMQX_CONF = join('etc', 'emqx.conf');

export interface DataDir {
  dir: string;
  /** Where it came from, for messages: the variable, the file, or `default`. */
  source: string;
  /** Said when emqx.conf sets it in a way this reader cannot follow (a substitution). */
  warning: string | null;
}

type Tok = { k: 'str' | 'word'; v: string } | { k: '{' | '}' | '[' | ']' | '=' | ':' | ',' | 'nl' };

function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      out.push({ k: 'nl' });
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ('{}[]=:,'.includes(c)) {
      out.push({ k: c as '{' });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        v += text[i++];
      }
      i++;
      out.push({ k: 'str', v });
    } else {
      let v = '';
      while (i < text.length && !' \t\r\n{}[]=:,#"'.includes(text[i]!) && !(text[i] === '/' && text[i + 1] === '/')) {
        // A substitution ${…} is one word, so the caller can tell it from a path.
        if (text[i] === '$' && text[i + 1] === '{') {
          const end = text.indexOf('}', i);
          v += text.slice(i, end < 0 ? text.length : end + 1);
          i = end < 0 ? text.length : end + 1;
        } else v += text[i++];
      }
      out.push({ k: 'word', v });
    }
  }
  return out;
}

/**
 * node.data_dir as a HOCON file sets it (`node.data_dir = …` or inside `node { … }`), the last
 * setting winning; null when it does not. Only what EMQX's shipped emqx.conf uses is understood.
 */
export function confDataDir(text: string): string | null {
  const t = tokens(text);
  const path: string[] = [];
  let found: string | null = null;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok.k === '}') path.pop();
    if (tok.k === '[') {
      for (let depth = 1; depth > 0 && i + 1 < t.length; ) {
        const n = t[++i]!.k;
        depth += n === '[' ? 1 : n === ']' ? -1 : 0;
      }
    }
    if (tok.k !== 'word' && tok.k !== 'str') continue;
    let j = i + 1;
    if (t[j]?.k === '=' || t[j]?.k === ':') j++;
    const next = t[j];
    if (next?.k === '{') {
      path.push(tok.v);
      i = j;
    } else if (next && (next.k === 'str' || next.k === 'word')) {
      if ([...path, tok.v].join('.') === 'node.data_dir') found = next.v;
      i = j;
    }
  }
  return found;
}

/** Pure: the data dir from the environment, the text of etc/emqx.conf (null: none), or the default. */
export function dataDirOf(root: string, env: Env, conf: string | null): DataDir {
  const under = (d: string) => (isAbsolute(d) ? d : join(root, d));
  const fromEnv = env[DATA_DIR_VAR];
  if (fromEnv) return { dir: under(fromEnv), source: `environment ${DATA_DIR_VAR}`, warning: null };
  const set = conf === null ? null : confDataDir(conf);
  const file = join(root, EMQX_CONF);
  if (set?.includes('${')) {
    return { dir: join(root, 'data'), source: 'default', warning: `${file} sets node.data_dir through a substitution (${set}); looking for hot patches under ${join(root, 'data')}` };
  }
  if (set !== null && set !== '') return { dir: under(set), source: file, warning: null };
  return { dir: join(root, 'data'), source: 'default', warning: null };
}

export function readDataDir(root: string, env: Env, fs: FsLike = realFs): DataDir {
  const file = join(root, EMQX_CONF);
  let conf: string | null = null;
  try {
    conf = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fromFsError(e, file, 'reading node.data_dir');
  }
  return dataDirOf(root, env, conf);
}

export interface HotPatches {
  /** <data_dir>/patches. */
  dir: string;
  /** Modules of the .beam files there, sorted. */
  modules: string[];
  warning: string | null;
}

/** The hot patches the node loads first. Errors: PERMISSION 77 and the like, naming the path. */
export function readHotPatches(root: string, env: Env, fs: FsLike = realFs): HotPatches {
  const data = readDataDir(root, env, fs);
  const dir = join(data.dir, 'patches');
  let names: string[];
  try {
    names = readdirOrEmpty(fs, dir);
  } catch (e) {
    throw fromFsError(e, dir, 'looking for hot patches');
  }
  const modules = names.filter((n) => n.endsWith('.beam') && n.length > 5).map((n) => basename(n, '.beam')).sort();
  return { dir, modules, warning: data.warning };
}

/** The one-line refusal, the same for the wrapper and the rollout's preflight (with its host prefix). */
export function hotPatchesError(dir: string, modules: readonly string[], hint: string, prefix = ''): RelupError {
  const shown = modules.length > 8 ? `${modules.slice(0, 8).join(', ')} and ${modules.length - 8} more` : modules.join(', ');
  return new RelupError('HOT_PATCHES', `${prefix}${dir} holds hot patches (${shown}), loaded before the release's own modules; nothing was changed`, {
    hint,
    details: { dir, modules: [...modules] },
  });
}
