// TEMPORARY stand-in for dist/emqx.cjs while the real wrapper is being written on main: just the
// contract subset rollout uses (--status --json, --dry-run --json, upgrade/downgrade hand-over).
import * as fs from 'node:fs';
import * as path from 'node:path';

const SOURCE = String.raw`#!/usr/bin/env node
'use strict';
const fs = require('fs'), path = require('path'), cp = require('child_process');
const a = process.argv.slice(2);
const o = { root: null, dryRun: false, json: false, status: false, pkg: null };
while (a.length && a[0].startsWith('--')) {
  const f = a.shift();
  if (f === '--root') o.root = a.shift(); else if (f === '--package') o.pkg = a.shift();
  else if (f === '--dry-run') o.dryRun = true; else if (f === '--json') o.json = true;
  else if (f === '--status') o.status = true; else if (f === '--require-checksum') {}
  else { fail('USAGE', 'unknown option ' + f, 64); }
}
function fail(code, message, exitCode) { process.stderr.write(JSON.stringify({ error: { code, message, exitCode } }) + '\n'); process.exit(exitCode); }
const R = o.root;
if (!fs.existsSync(R + '/releases/emqx_vars')) fail('NOT_FOUND', R + ' is not a release root', 66);
const vars = {};
for (const l of fs.readFileSync(R + '/releases/emqx_vars', 'utf8').split('\n')) { const m = /^(\w+)=("?)(.*)\2$/.exec(l.trim()); if (m) vars[m[1]] = m[3]; }
const vm = fs.readFileSync(R + '/releases/' + fs.readdirSync(R + '/releases').find((d) => fs.existsSync(R + '/releases/' + d + '/vm.args')) + '/vm.args', 'utf8');
const name = /-name\s+(\S+)/.exec(vm)[1], cookie = /-setcookie\s+(\S+)/.exec(vm)[1];
const escript = R + '/erts-' + vars.ERTS_VSN + '/bin/escript';
const ping = () => cp.spawnSync(escript, [R + '/bin/nodetool', '-name', name, '-setcookie', cookie, 'ping'], { encoding: 'utf8' }).stdout.trim() === 'pong';
const releases = [];
try { for (const m of fs.readFileSync(R + '/releases/RELEASES', 'utf8').matchAll(/\{release,"[^"]*","([^"]+)","[^"]*",\[[^\]]*\],(\w+)\}/g)) releases.push({ version: m[1], status: m[2] }); } catch {}
let lock = null; try { lock = Number(fs.readFileSync(R + '/.emqx-relup.lock', 'utf8')); } catch {}
if (o.status) {
  console.log(JSON.stringify({ root: R, relName: vars.REL_NAME, edition: vars.IS_ENTERPRISE === 'yes' ? 'enterprise' : 'community', currentVersion: vars.REL_VSN, ertsVersion: vars.ERTS_VSN, node: { name, nameType: 'name' }, nodeAlive: ping(), lockHolder: lock, releases, versionedScripts: [], packages: fs.readdirSync(R + '/releases').filter((f) => f.endsWith('.tar.gz')) }));
  process.exit(0);
}
const [cmd, target, ...rest] = a;
const cmpv = (x, y) => { const p = (s) => s.split(/[.-]/).map(Number); const [a1, b1] = [p(x), p(y)]; for (let i = 0; i < 3; i++) if (a1[i] !== b1[i]) return a1[i] - b1[i]; return 0; };
const current = vars.REL_VSN, newest = cmpv(target, current) > 0 ? target : current;
if (o.dryRun) { console.log(JSON.stringify({ command: cmd, root: R, currentVersion: current, targetVersion: target, newestVersion: newest, package: o.pkg, action: newest === current ? 'run-escript' : 'exec-newer', warnings: [] })); process.exit(0); }
if (!ping()) fail('NODE_DOWN', 'node is not running', 69);
if (newest !== current) {
  if (!fs.existsSync(R + '/bin/emqx-' + newest)) cp.execFileSync('tar', ['-xzf', o.pkg, '-C', R, 'bin/emqx-' + newest, 'bin/install_upgrade.escript-' + newest]);
  const r = cp.spawnSync(R + '/bin/emqx-' + newest, [cmd, target, ...rest], { stdio: 'inherit', env: { ...process.env, EMQX_ROOT: R } });
  process.exit(r.status ?? 70);
}
const r = cp.spawnSync(escript, [R + '/bin/install_upgrade.escript-' + current, cmd, "{'emqx', \"-name\", '" + name + "', '" + cookie + "'}", target, ...rest], { stdio: 'inherit', cwd: R });
process.exit(r.status ?? 70);
`;

export function writeStandInWrapper(dir: string): string {
  const file = path.join(dir, 'emqx-stand-in.cjs');
  fs.writeFileSync(file, SOURCE, { mode: 0o755 });
  return file;
}
