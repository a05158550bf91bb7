// Real Erlang sandboxes for the e2e tests and the demo: a private epmd on a free loopback port, a
// fixture release installed into a temp root, its node started under a unique long name, calls
// into it with erl_call, and teardown of every process by pid.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { FIXTURE_REPLIES, findOtp, type Otp } from '../../scripts/fixtures/build.js';
import { parsePackageName } from '../../src/version/index.js';
import { wrapperBin } from './fake-root.js';
import { fileSha256 } from './support.js';

const run = promisify(execFile);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and never throws on a non-zero exit. */
export async function runCmd(file: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  try {
    const r = await run(file, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True while `pid` runs. A zombie counts as gone: a detached emulator is reaped by whatever
 * process adopts it, which may take seconds in a container. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Sends SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function killPid(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < until) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface Epmd {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** A private epmd on a free loopback port (retried if another process grabs the port first). */
export async function startEpmd(otp: Otp = findOtp()): Promise<Epmd> {
  const bin = path.join(otp.root, `erts-${otp.ertsVersion}`, 'bin', 'epmd');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(bin, ['-port', String(port), '-address', '127.0.0.1'], { stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`cannot start ${bin}`);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const stop = async (): Promise<void> => {
      if (!exited) await killPid(pid);
    };
    for (let i = 0; i < 100 && !exited; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (up) return { port, pid, stop };
      await sleep(30);
    }
    await stop();
  }
  throw new Error('cannot start a private epmd');
}

export interface Info {
  reply: string;
  state: string;
  osPid: number;
  raw: string;
}

/** Parses the one line `relup_probe_server:info()` answers with. */
export function parseInfo(raw: string): Info {
  const m = /reply=(.*) state=(.*) os_pid=(\d+)/.exec(raw);
  if (!m) throw new Error(`unexpected answer from the node: ${raw}`);
  return { reply: m[1]!, state: m[2]!, osPid: Number(m[3]), raw };
}

let counter = 0;

export interface SandboxOptions {
  /** Package to install first (copied; the original is left alone). */
  package: string;
  /** Packages copied into releases/ after the install (what an operator drops there). */
  extraPackages?: readonly string[];
  /** Share an epmd between sandboxes; default: a private one owned by the sandbox. */
  epmd?: Epmd;
  /** A cookie shared with other sandboxes (to join them in one cluster); default a random one. */
  cookie?: string;
  /** ERL_FLAGS for the node's emulator (erlexec reads it), e.g. kernel settings of a test cluster. */
  erlFlags?: string;
  otp?: Otp;
}

/**
 * One installed release root plus its node. Every process it starts is stopped by pid in
 * `cleanup()`, which is idempotent and also removes the root.
 */
export class Sandbox {
  readonly otp: Otp;
  readonly root: string;
  readonly node: string;
  readonly cookie: string;
  epmd!: Epmd;
  private ownEpmd = false;
  private erlFlags: string | undefined;
  private nodePids = new Set<number>();

  private constructor(otp: Otp, root: string, cookie?: string) {
    this.otp = otp;
    this.root = root;
    this.node = `relup_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 6)}@127.0.0.1`;
    this.cookie = cookie ?? `cookie_${Math.random().toString(36).slice(2, 10)}`;
  }

  static async create(opts: SandboxOptions): Promise<Sandbox> {
    const otp = opts.otp ?? findOtp();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-e2e-'));
    const sb = new Sandbox(otp, root, opts.cookie);
    sb.erlFlags = opts.erlFlags;
    try {
      if (opts.epmd) sb.epmd = opts.epmd;
      else {
        sb.epmd = await startEpmd(otp);
        sb.ownEpmd = true;
      }
      await sb.install(opts.package);
      for (const p of opts.extraPackages ?? []) sb.addPackage(p);
    } catch (e) {
      await sb.cleanup();
      throw e;
    }
    return sb;
  }

  /** Environment for every command aimed at this sandbox: the private epmd, nothing else. */
  get env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ERL_EPMD_PORT: String(this.epmd.port) };
    for (const k of ['EMQX_ROOT', 'RUNNER_ROOT_DIR', 'EMQX_NODE__NAME', 'EMQX_NODE_NAME', 'EMQX_NODE__COOKIE', 'EMQX_NODE_COOKIE', 'ERL_FLAGS']) {
      delete env[k];
    }
    return env;
  }

  get ertsBin(): string {
    return path.join(this.root, `erts-${this.otp.ertsVersion}`, 'bin');
  }

  /** Untar, start_erl.data and releases/RELEASES, as an installer of the first version does. */
  private async install(pkg: string): Promise<void> {
    const version = parsePackageName(path.basename(pkg))?.version;
    if (!version) throw new Error(`cannot tell the version of ${pkg}`);
    const tar = await runCmd('tar', ['-xzf', pkg, '-C', this.root]);
    if (tar.code !== 0) throw new Error(`tar failed on ${pkg}: ${tar.stderr}`);
    const rel = path.join(this.root, 'releases', version, 'emqx.rel');
    if (!fs.existsSync(rel)) throw new Error(`${pkg} holds no releases/${version}/emqx.rel`);
    fs.writeFileSync(path.join(this.root, 'releases', 'start_erl.data'), `${this.otp.ertsVersion} ${version}\n`);
    const expr = `ok = release_handler:create_RELEASES(${q(this.root)}, ${q(path.join(this.root, 'releases'))}, ${q(rel)}, []), halt().`;
    const r = await runCmd(path.join(this.otp.bin, 'erl'), ['-noshell', '-boot', 'no_dot_erlang', '-eval', expr]);
    if (r.code !== 0) throw new Error(`create_RELEASES failed: ${r.stdout}${r.stderr}`);
  }

  /** Copies a package into releases/ as an operator would, optionally with its `.sha256`. */
  addPackage(pkg: string, name = path.basename(pkg), opts: { sha256?: boolean } = {}): string {
    const dest = path.join(this.root, 'releases', name);
    fs.copyFileSync(pkg, dest);
    if (opts.sha256) {
      const hex = fileSha256(dest);
      fs.writeFileSync(`${dest}.sha256`, `${hex}  ${name}\n`);
    }
    return dest;
  }

  /** Starts the node through the release's own runner (legacy shell `bin/emqx start`). */
  async start(): Promise<number> {
    const env = { ...this.env, ...this.startEnv };
    const r = await runCmd(path.join(this.root, 'bin', 'emqx'), ['start'], { env, timeoutMs: 60_000 });
    // Record the pid even after a failed start, so cleanup can still reach the emulator.
    const pid = await this.osPid().catch(() => null);
    if (pid !== null) this.nodePids.add(pid);
    if (r.code !== 0 || pid === null) throw new Error(`node did not start: ${r.stdout}${r.stderr}`);
    return pid;
  }

  /** Records the pid of a node started some other way (e.g. through the wrapper), for cleanup. */
  async adopt(): Promise<number> {
    const pid = await this.osPid();
    this.nodePids.add(pid);
    return pid;
  }

  /** What the release runner needs in its environment to start this sandbox's node. */
  get startEnv(): NodeJS.ProcessEnv {
    return { EMQX_NODE__NAME: this.node, EMQX_NODE__COOKIE: this.cookie, ...(this.erlFlags ? { ERL_FLAGS: this.erlFlags } : {}) };
  }

  /**
   * erl_call into the node: `erl_call -a 'Mod Fun [Args]'`, returns what it prints. A connect that
   * fails is tried twice more, a second apart: on a loaded two-core machine a node busy with a
   * code change can miss erl_call's short connect window (seen in CI); a node that is down still
   * fails all three.
   */
  async erlCall(apply: string): Promise<Run> {
    let r: Run | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) await sleep(1000);
      r = await runCmd(path.join(this.otp.bin, 'erl_call'), ['-name', this.node, '-c', this.cookie, '-a', apply], { env: this.env, timeoutMs: 30_000 });
      if (r.code === 0 || !/failed to connect/.test(r.stdout + r.stderr)) return r;
    }
    return r!;
  }

  async osPid(): Promise<number> {
    const r = await this.erlCall('os getpid');
    const m = /^"(\d+)"/.exec(r.stdout.trim());
    if (r.code !== 0 || !m) throw new Error(`cannot get the node's OS pid: ${r.stdout}${r.stderr}`);
    return Number(m[1]);
  }

  /** The fixture server's answer (every call also bumps its counter). */
  async info(): Promise<Info> {
    const r = await this.erlCall('relup_probe_server info');
    if (r.code !== 0) throw new Error(`node did not answer: ${r.stdout}${r.stderr}`);
    return parseInfo(r.stdout.trim());
  }

  /** release_handler:which_releases() as version -> status. */
  async releases(): Promise<Record<string, string>> {
    const r = await this.erlCall('release_handler which_releases');
    if (r.code !== 0) throw new Error(`which_releases failed: ${r.stdout}${r.stderr}`);
    const out: Record<string, string> = {};
    for (const m of r.stdout.matchAll(/\{"[^"]*",\s*"([^"]+)",\s*\[[^\]]*\],\s*(\w+)\}/g)) out[m[1]!] = m[2]!;
    return out;
  }

  /** The version emqx_vars names now (the last REL_VSN assignment). */
  relVsn(): string {
    const vars = fs.readFileSync(path.join(this.root, 'releases', 'emqx_vars'), 'utf8');
    const all = [...vars.matchAll(/^REL_VSN="?([^"\n]+)"?$/gm)];
    return all[all.length - 1]![1]!;
  }

  /** The escript term for this node, as EMQX's runner passes it. */
  get nodeTerm(): string {
    return `{'emqx', "-name", '${this.node}', '${this.cookie}'}`;
  }

  /** Stops the node (init:stop, then signals) and waits until its emulator is gone. */
  async stopNode(): Promise<void> {
    const pid = await this.osPid().catch(() => null);
    if (pid !== null) this.nodePids.add(pid);
    if (pid !== null) await this.erlCall('init stop').catch(() => undefined);
    for (const p of this.nodePids) {
      const until = Date.now() + 10_000;
      while (isAlive(p) && Date.now() < until) await sleep(50);
      await killPid(p);
    }
    this.nodePids.clear();
  }

  async cleanup(): Promise<void> {
    for (const p of this.nodePids) await killPid(p, 1000);
    this.nodePids.clear();
    if (this.ownEpmd && this.epmd) await this.epmd.stop();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function q(s: string): string {
  return JSON.stringify(s);
}

export interface Entry {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  content?: string;
}

/** Names, types, modes and bytes (sha-free: contents are small scripts) of a directory tree. */
export function snapshot(dir: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isDirectory()) {
        out[rel] = { type: 'dir', mode: st.mode & 0o7777 };
        walk(p);
      } else if (st.isSymbolicLink()) out[rel] = { type: 'link', mode: 0, content: fs.readlinkSync(p) };
      else if (st.isFile()) out[rel] = { type: 'file', mode: st.mode & 0o7777, content: fs.readFileSync(p).toString('base64') };
      else out[rel] = { type: 'other', mode: st.mode & 0o7777 };
    }
  };
  walk(dir);
  return out;
}

/** `bin/emqx --root <sandbox> ...args` from the checkout, with the sandbox's epmd. */
export function runInSandbox(sb: Sandbox, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCmd(process.execPath, [wrapperBin, '--root', sb.root, ...args], { env: { ...sb.env, ...env }, cwd: sb.root });
}

/**
 * The node runs 5.0.1's code in the same emulator, its state carried over by code_change
 * (`count` one up), and release_handler and emqx_vars say 5.0.1 is permanent.
 */
export async function assertHotUpgradedTo501(sb: Sandbox, before: { count: number; osPid: number }): Promise<void> {
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.state, `#{count => ${before.count + 1},upgraded_from => '1.0.0'}`);
  assert.equal(info.osPid, before.osPid, 'same emulator: a hot upgrade, not a restart');
  assert.deepEqual(await sb.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(sb.relVsn(), '5.0.1');
}
