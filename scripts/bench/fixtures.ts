// Temporary EMQX installation roots for the wrapper measurements: a current version, stand-ins for
// the release runner and the escript that record how they were called, and the package in
// releases/. No nodetool, so the wrapper skips the node-alive check (with a warning).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scriptNames } from './layout.js';
import { standInScript } from './generate.js';

export interface RootSpec {
  currentVersion: string;
  ertsVersion: string;
  /** Package to place in releases/ (hard link, else symlink). */
  packagePath?: string;
  /** Version whose two versioned scripts are already in bin/. */
  scriptsFor?: string;
}

function writeExec(file: string, body: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
}

export function makeRoot(root: string, spec: RootSpec): void {
  const v = spec.currentVersion;
  fs.mkdirSync(path.join(root, 'releases', v), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'releases', 'emqx_vars'),
    `REL_NAME="emqx"\nREL_VSN="${v}"\nERTS_VSN="${spec.ertsVersion}"\nIS_ENTERPRISE="no"\n`,
  );
  fs.writeFileSync(path.join(root, 'releases', v, 'vm.args'), '-name emqx@127.0.0.1\n-setcookie benchcookie\n');
  writeExec(path.join(root, 'bin', 'emqx'), standInScript('bin/emqx', 0));
  for (const s of scriptNames(v)) writeExec(path.join(root, s), standInScript(s, 0));
  writeExec(path.join(root, `erts-${spec.ertsVersion}`, 'bin', 'escript'), standInScript('escript', 0));
  if (spec.scriptsFor) for (const s of scriptNames(spec.scriptsFor)) writeExec(path.join(root, s), standInScript(s, 0));
  if (spec.packagePath) {
    const dest = path.join(root, 'releases', path.basename(spec.packagePath));
    try {
      fs.linkSync(spec.packagePath, dest);
    } catch {
      fs.symlinkSync(spec.packagePath, dest);
    }
  }
}

/** Puts a root back as it was before an upgrade run: no extracted scripts, no record, no lock. */
export function resetRoot(root: string, version: string, record: string): void {
  for (const s of scriptNames(version)) fs.rmSync(path.join(root, s), { force: true });
  fs.rmSync(path.join(root, '.emqx-relup.lock'), { force: true });
  fs.rmSync(record, { force: true });
}

/** Environment for wrapper runs: node name and cookie given, the record file named. */
export function wrapperEnv(record: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_RECORD: record };
  for (const k of ['EMQX_ROOT', 'RUNNER_ROOT_DIR', 'EMQX_NODE_NAME', 'EMQX_NODE_COOKIE']) delete env[k];
  env.EMQX_NODE__NAME = 'emqx@127.0.0.1';
  env.EMQX_NODE__COOKIE = 'benchcookie';
  return env;
}
