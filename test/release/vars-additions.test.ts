// varsToAdd() / withAddedLines(): which of the package's emqx_vars lines the installed file gains,
// as a table over texts as EMQX renders them (v5.0.20: RUNNER_LOG_DIR only; v5.0.26: EMQX_LOG_DIR exported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShellAssignments } from '../../src/release/shell-assignments.js';
import { varsToAdd, withAddedLines } from '../../src/release/vars-additions.js';

const V20 = 'REL_VSN="5.0.20"\nRUNNER_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-/opt/emqx/log}}"\nREL_NAME="emqx"\n';
const LOG = 'export EMQX_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-/opt/emqx/log}}"';
const V26 = `REL_VSN="5.0.26"\n## Allow users to pre-set EMQX_LOG_DIR\n${LOG}\nREL_NAME="emqx"\n`;

interface Row {
  name: string;
  installed: string;
  pkg: string;
  env?: Record<string, string>;
  /** Lines added (null: none). */
  adds: string[] | null;
  skips?: RegExp;
}

const rows: Row[] = [
  { name: 'v5.0.20 installed, v5.0.26 package: EMQX_LOG_DIR', installed: V20, pkg: V26, adds: [LOG] },
  { name: 'a v5.0.26 installation has it: nothing', installed: V26, pkg: V26, adds: null },
  { name: 'going to v5.0.20 from older: nothing new', installed: V20, pkg: V20, adds: null },
  { name: 'the operator exported it: skipped, said why', installed: V20, pkg: V26, env: { EMQX_LOG_DIR: '/var/log/emqx' }, adds: null, skips: /the operator exported EMQX_LOG_DIR/ },
  { name: 'a variable of the environment the package does not define does not matter', installed: V20, pkg: V26, env: { OTHER: 'x' }, adds: [LOG] },
  { name: 'the last assignment is the one copied', installed: V20, pkg: 'A=1\nA=2\n', adds: ['A=2'] },
  { name: 'an assignment inside an if body, indentation and all', installed: V20, pkg: 'if [ -z "${X:-}" ]; then\n    X=default\nfi\n', adds: ['    X=default'] },
  { name: 'two on one line, both missing: one line', installed: V20, pkg: 'A=1 B=2\n', adds: ['A=1 B=2'] },
  { name: 'two on one line, one installed: not copied', installed: V20, pkg: 'REL_NAME=emqx B=2\n', adds: null, skips: /it also sets REL_NAME, which stays as it is/ },
  { name: 'a value over two lines: not copied', installed: V20, pkg: 'D="a\nb"\n', adds: null, skips: /not a whole assignment on one line/ },
  { name: 'CRLF package file: the line without its CR', installed: V20, pkg: 'A=1\r\n', adds: ['A=1'] },
  { name: 'a command substitution is the package\'s own: copied as it is', installed: V20, pkg: 'H="$(hostname)"\n', adds: ['H="$(hostname)"'] },
];

for (const r of rows) {
  test(`varsToAdd: ${r.name}`, () => {
    const d = varsToAdd({ file: '/opt/emqx/releases/emqx_vars', table: parseShellAssignments(r.installed) }, { file: 'releases/emqx_vars in p.tar.gz', text: r.pkg }, r.env ?? {}, '5.0.26');
    assert.deepEqual(d.addition?.lines.map((l) => l.text) ?? null, r.adds);
    if (r.skips) assert.ok(d.skipped.some((s) => r.skips!.test(s.why)), JSON.stringify(d.skipped));
    else assert.deepEqual(d.skipped, []);
  });
}

test('varsToAdd: the why names the runner, the files and the variables', () => {
  const d = varsToAdd({ file: '/opt/emqx/releases/emqx_vars', table: parseShellAssignments(V20) }, { file: 'releases/emqx_vars in p.tar.gz', text: V26 }, {}, '5.0.26');
  assert.equal(d.addition?.why, 'the 5.0.26 scripts source /opt/emqx/releases/emqx_vars, which does not define EMQX_LOG_DIR; releases/emqx_vars in p.tar.gz does');
  assert.deepEqual(d.addition?.lines, [{ names: ['EMQX_LOG_DIR'], line: 3, text: LOG }]);
});

test('withAddedLines: appended after a comment on its own line, sourced by sh as the package has it', () => {
  const a = { from: 'releases/emqx_vars in /tmp/x\ny.tar.gz', runner: '5.0.26' };
  const out = withAddedLines('A=1', a, [{ names: ['EMQX_LOG_DIR'], line: 3, text: LOG }]);
  assert.equal(out, `A=1\n## added by emqx-relup for the 5.0.26 runner, from releases/emqx_vars in /tmp/x?y.tar.gz\n${LOG}\n`);
  const t = parseShellAssignments(out, { RUNNER_LOG_DIR: '/r' });
  assert.equal(t.get('EMQX_LOG_DIR')?.value, '/r');
  assert.equal(withAddedLines('A=1\n', a, []).startsWith('A=1\n## added'), true);
});
