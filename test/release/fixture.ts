// Helpers for the release-reading tests: release trees on disk (temp dirs: helpers/support.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { readableModule, unprivilegedNode } from '../helpers/nobody.js';

/** Writes `files` (relative path -> text) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
}

/** emqx_vars as a real EMQX 5 package ships it (values filled in), plus optional appended lines. */
export function emqxVars(opts: { relVsn?: string; ertsVsn?: string; enterprise?: boolean; append?: string } = {}): string {
  return `## EMQX Runtime Environment Variables
######################################################################
## NOTE: Do NOT change the variables below unless you know what you are doing!
######################################################################

[ "\${DEBUG:-0}" -eq 1 ] && set -x

RUNNER_ROOT_DIR="$(cd "$(dirname "$(readlink "$0" || echo "$0")")"/..; pwd -P)"
RUNNER_ETC_DIR="$RUNNER_ROOT_DIR/etc"
RUNNER_USER=''
EMQX_DESCRIPTION='EMQX Open Source'

## Default cookie, used when none is configured
EMQX_DEFAULT_ERLANG_COOKIE="emqxsecretcookie"

REL_NAME="emqx"
REL_VSN="${opts.relVsn ?? '5.0.1'}"
ERTS_VSN="${opts.ertsVsn ?? '13.1.5'}"
IS_ENTERPRISE="${opts.enterprise ? 'yes' : 'no'}"
RUNNER_BIN_DIR="$RUNNER_ROOT_DIR/bin"
IS_ELIXIR="\${IS_ELIXIR:-no}"
export ERTS_DIR="$RUNNER_ROOT_DIR/erts-$ERTS_VSN"
${opts.append ?? ''}`;
}

/** The RelupError `fn` throws (fails the test if it throws nothing or something else). */
export function relupError(fn: () => unknown): RelupError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RelupError, `expected a RelupError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

export type NobodyResult = { ok: unknown } | { code: string; exit: number; line: string };

/**
 * Runs `expr` (a JS expression using `m`, the compiled src/release/index.js) in a child Node
 * dropped to user nobody, so permission checks hold although the tests run as root.
 */
export function asNobody(expr: string): NobodyResult {
  const mod = readableModule('release/index.js');
  const code = `import(${JSON.stringify(mod)}).then((m) => {
    try { console.log(JSON.stringify({ ok: ${expr} })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, exit: e.exitCode, line: e.line ?? String(e) })); }
  })`;
  const [cmd, ...args] = unprivilegedNode();
  const r = spawnSync(cmd!, [...args, '-e', code], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as NobodyResult;
}
