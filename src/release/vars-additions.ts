// The variables a newer runner expects from releases/emqx_vars that the installed file lacks.
// EIP-0022 runs the newer bin/emqx-<v> inside the older installation, and it sources the INSTALLED
// emqx_vars; a permanent install then copies it over bin/emqx and only appends REL_VSN/ERTS_VSN.
// So a variable only the newer emqx_vars defines (EMQX_LOG_DIR from EMQX v5.0.25, used under
// `set -u`) would stop every later bin/emqx command. The package's own definition lines are
// appended verbatim (the value is the package's). Pure: tables and text in, lines out.
import { RelupError } from '../errors.js';
import type { Env } from './fs.js';
import { parseShellAssignments, type VarTable } from './shell-assignments.js';

export interface AddedLine {
  /** The variables the line assigns (usually one). */
  names: string[];
  /** 1-based line in the package's emqx_vars. */
  line: number;
  /** The line as the package has it. */
  text: string;
}

export interface VarsAddition {
  /** The installed emqx_vars the lines are appended to. */
  file: string;
  /** The package's emqx_vars they come from. */
  from: string;
  /** The version whose runner expects them. */
  runner: string;
  lines: AddedLine[];
  /** For the operator: why these lines are added. */
  why: string;
}

export interface VarsDecision {
  addition: VarsAddition | null;
  /** Variables the package defines that are not added, with why (for warnings). */
  skipped: Array<{ name: string; why: string }>;
}

function assigned(text: string): string[] | null {
  try {
    return [...parseShellAssignments(text, {}, 'line').keys()];
  } catch {
    return null;
  }
}

/**
 * The package's definition lines for every variable its emqx_vars assigns that the installed one
 * does not and the operator has not exported. A line that also assigns a variable that stays, or
 * that is not a whole assignment by itself (a value over several lines), is skipped with why.
 */
export function varsToAdd(installed: { file: string; table: VarTable }, pkg: { file: string; text: string }, env: Env, runner: string): VarsDecision {
  let table: VarTable;
  try {
    table = parseShellAssignments(pkg.text, {}, pkg.file);
  } catch (e) {
    const why = e instanceof RelupError ? e.message : String(e);
    throw new RelupError('BAD_PACKAGE', `${pkg.file} cannot be read as shell assignments: ${why}`, { hint: 'the package is damaged or was built wrong: fetch or rebuild it', details: { file: pkg.file } });
  }
  const src = pkg.text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').split('\n');
  const skipped: VarsDecision['skipped'] = [];
  const missing = new Set<string>();
  for (const name of table.keys()) {
    if (installed.table.has(name)) continue;
    if (env[name] !== undefined) skipped.push({ name, why: `the operator exported ${name}, so it is left as it is and not added to ${installed.file}` });
    else missing.add(name);
  }
  const byLine = new Map<number, string[]>();
  for (const name of missing) {
    const at = table.get(name)!.line;
    byLine.set(at, [...(byLine.get(at) ?? []), name]);
  }
  const lines: AddedLine[] = [];
  for (const [line, names] of [...byLine].sort((a, b) => a[0] - b[0])) {
    const text = src[line - 1] ?? '';
    const sets = assigned(text);
    const keeps = sets?.filter((n) => !missing.has(n)) ?? [];
    if (sets === null || names.some((n) => !sets.includes(n)) || keeps.length > 0) {
      const why = keeps.length > 0 ? `it also sets ${keeps.join(', ')}, which stays as it is` : 'it is not a whole assignment on one line';
      for (const name of names) skipped.push({ name, why: `line ${line} of ${pkg.file} defines ${name} but is not copied (${why}): add ${name} to ${installed.file} by hand` });
      continue;
    }
    lines.push({ names: sets, line, text });
  }
  if (lines.length === 0) return { addition: null, skipped };
  const names = lines.flatMap((l) => l.names).join(', ');
  const why = `the ${runner} scripts source ${installed.file}, which does not define ${names}; ${pkg.file} does`;
  return { addition: { file: installed.file, from: pkg.file, runner, lines, why }, skipped };
}

/** `current` with the addition's lines appended after a comment saying where they come from. */
export function withAddedLines(current: string, a: Pick<VarsAddition, 'from' | 'runner'>, lines: readonly AddedLine[]): string {
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  // The source path is the operator's; keep the comment on its one line whatever it holds.
  const from = [...a.from].map((c) => (c < ' ' || c === '\u007f' ? '?' : c)).join('');
  return `${current}${sep}## added by emqx-relup for the ${a.runner} runner, from ${from}\n${lines.map((l) => l.text).join('\n')}\n`;
}
