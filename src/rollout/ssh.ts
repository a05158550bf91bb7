// The only code that talks to hosts: the system OpenSSH `ssh` and `scp` run through execa, so the
// operator's ssh_config, agent, ProxyJump and known_hosts apply. BatchMode: never a prompt.
// Children get their own process group, so a Ctrl-C at the terminal reaches only us, never an
// ssh carrying an upgrade (we decide when to stop).
import { RelupError } from '../errors.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The last line a remote command printed (stderr first, where failures go); '' when it printed nothing. */
export function lastOutputLine(r: ExecResult): string {
  return (r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? '';
}

export interface ExecOptions {
  /** Local file fed to the remote command's stdin. */
  inputFile?: string;
  timeoutMs?: number;
  /**
   * Keep the remote command's stdin open (a pipe never written) while we wait: a follower on the
   * host stops when it closes, so a rollout that dies, even by SIGKILL, leaves no ssh behind.
   */
  holdStdin?: boolean;
}

export interface Transport {
  /** Runs one already-quoted command line on `dest`. Never throws for a remote failure. */
  exec(dest: string, command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Copies local files (absolute paths) into an existing remote directory. */
  copy(dest: string, localFiles: string[], remoteDir: string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Closes shared connections and removes their sockets. */
  close(): Promise<void>;
}

/** Where a host is when its inventory says (Ansible's ansible_host, ansible_port, ansible_user). */
export interface SshEndpoint {
  address: string;
  port?: number;
  user?: string;
}

export interface SshOptions {
  configFile?: string;
  /** Host name -> how to reach it; a host not in it is passed to ssh as written. */
  endpoints?: ReadonlyMap<string, SshEndpoint>;
  connectTimeoutSec: number;
  ssh?: string;
  scp?: string;
  /** Share one connection per host (OpenSSH ControlMaster) across the many short commands. */
  multiplex?: boolean;
}

/** ssh exits 255 for its own failures (connect, auth, host key); everything else is the remote command's. */
export const SSH_FAILURE = 255;

// ssh's words for a connection that was never made (so the remote command never ran). A dead
// ControlMaster's "Control socket connect(...)" line is not one: ssh then connects on its own.
const NEVER_CONNECTED =
  /ssh: connect to host|Could not resolve hostname|Name or service not known|No route to host|Network is unreachable|Permission denied \(|Host key verification failed|kex_exchange_identification|banner exchange/;

/**
 * True when ssh failed before the remote command could start. Any other 255 (a connection
 * dropped mid-way, a killed client) says nothing about what the command did on the host.
 */
export function neverConnected(r: ExecResult): boolean {
  if (r.exitCode !== SSH_FAILURE || r.timedOut) return false;
  return r.stderr.split('\n').some((l) => !l.includes('Control socket') && NEVER_CONNECTED.test(l));
}

/**
 * How long an idle ControlMaster outlives its last command. Short, so a rollout killed by
 * SIGKILL (which cannot close its masters) leaves none behind for long; one that expired
 * between commands is started again (see master()).
 */
export const CONTROL_PERSIST_SEC = 15;

function commonOptions(o: SshOptions): string[] {
  return [
    ...(o.configFile ? ['-F', o.configFile] : []),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${o.connectTimeoutSec}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=4',
  ];
}

/** scp reads `host:path`; an IPv6 literal needs brackets there. */
export function scpTarget(dest: string, dir: string): string {
  const at = dest.lastIndexOf('@');
  const user = at === -1 ? '' : dest.slice(0, at + 1);
  const host = dest.slice(at + 1);
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${user}${h}:${dir}/`;
}

/** ssh's words for a host: its endpoint's -p/-l and address, else the destination as written. */
export function sshTarget(dest: string, e: SshEndpoint | undefined): string[] {
  if (!e) return ['--', dest];
  return [...(e.port ? ['-p', String(e.port)] : []), ...(e.user ? ['-l', e.user] : []), '--', e.address];
}

/** scp's port option and `[user@]host` for a host (scp has no -l). */
function scpDest(dest: string, e: SshEndpoint | undefined): { options: string[]; dest: string } {
  if (!e) return { options: [], dest };
  return { options: e.port ? ['-P', String(e.port)] : [], dest: e.user ? `${e.user}@${e.address}` : e.address };
}

export function makeSshTransport(o: SshOptions): Transport {
  const ssh = o.ssh ?? 'ssh';
  const target = (dest: string) => sshTarget(dest, o.endpoints?.get(dest));
  let controlDir: string | null = null;
  let controlDirReady: Promise<string> | null = null;
  const masters = new Map<string, Promise<void>>();
  // One private socket directory per rollout, made once even when hosts start in parallel.
  const makeControlDir = async (): Promise<string> => {
    const [{ mkdtemp }, { tmpdir }, { join }] = await Promise.all([import('node:fs/promises'), import('node:os'), import('node:path')]);
    controlDir = await mkdtemp(join(tmpdir(), 'relup-ssh-'));
    return controlDir;
  };
  // One socket per destination, named by us so that its absence (an expired master) is seen.
  const sockets = new Map<string, string>();
  const socketOf = (dir: string, dest: string): string => {
    const known = sockets.get(dest);
    if (known) return known;
    const s = `${dir}/m${sockets.size}`;
    sockets.set(dest, s);
    return s;
  };
  const mux = (dest: string): string[] => (controlDir ? ['-o', `ControlPath=${socketOf(controlDir, dest)}`, '-o', 'ControlMaster=no'] : []);
  // The master is started on its own with every stdio closed: a master forked by a command whose
  // stderr we read would hold that pipe open until it exits. If it cannot start, commands simply
  // connect on their own (ControlMaster=no falls back) and report the real error.
  const started = new Set<string>();
  const master = async (dest: string): Promise<void> => {
    if (!o.multiplex) return;
    let p = masters.get(dest);
    if (p && started.has(dest) && controlDir) {
      // Expired (idle past ControlPersist) or killed: its socket is gone, start another.
      const { existsSync } = await import('node:fs');
      if (!existsSync(socketOf(controlDir, dest))) {
        masters.delete(dest);
        started.delete(dest);
        p = undefined;
      }
    }
    if (!p) {
      p = (async () => {
        const { execa } = await import('execa');
        controlDirReady ??= makeControlDir();
        const dir = await controlDirReady;
        const sock = socketOf(dir, dest);
        // A killed master leaves its socket: ControlMaster=yes would refuse to bind it.
        const { rm } = await import('node:fs/promises');
        await rm(sock, { force: true });
        const r = await execa(ssh, [...commonOptions(o), '-o', `ControlPath=${sock}`, '-o', 'ControlMaster=yes', '-o', `ControlPersist=${CONTROL_PERSIST_SEC}`, '-f', '-N', ...target(dest)], {
          reject: false,
          stdio: 'ignore',
          detached: true,
          timeout: (o.connectTimeoutSec + 5) * 1000,
        });
        if (r.exitCode === 0) started.add(dest);
      })();
      masters.set(dest, p);
    }
    return p;
  };
  const run = async (file: string, args: string[], opts: ExecOptions): Promise<ExecResult> => {
    const { execa } = await import('execa');
    const r = await execa(file, args, {
      reject: false,
      detached: true,
      stripFinalNewline: false,
      ...(opts.inputFile ? { inputFile: opts.inputFile } : { stdin: opts.holdStdin ? ('pipe' as const) : ('ignore' as const) }),
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGTERM' as const } : {}),
      maxBuffer: 64 * 1024 * 1024,
    });
    const spawnError = (r as { code?: string }).code;
    if (spawnError === 'ENOENT') {
      throw new RelupError('NOT_FOUND', `${file} is not installed on this machine`, { hint: 'install the OpenSSH client (openssh-client)' });
    }
    return {
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : SSH_FAILURE,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? '') + (r.timedOut ? `\n(timed out after ${opts.timeoutMs} ms)` : ''),
      timedOut: Boolean(r.timedOut),
    };
  };
  return {
    async exec(dest, command, opts = {}) {
      await master(dest);
      return run(ssh, [...commonOptions(o), ...mux(dest), '-T', ...target(dest), command], opts);
    },
    async copy(dest, localFiles, remoteDir, opts = {}) {
      await master(dest);
      const to = scpDest(dest, o.endpoints?.get(dest));
      return run(o.scp ?? 'scp', [...commonOptions(o), ...mux(dest), ...to.options, '-q', '-p', '--', ...localFiles, scpTarget(to.dest, remoteDir)], opts);
    },
    async close() {
      await Promise.allSettled(masters.values());
      if (!controlDir) return;
      const { execa } = await import('execa');
      const dir = controlDir;
      await Promise.all(
        [...masters.keys()].map((dest) =>
          execa(ssh, [...commonOptions(o), '-o', `ControlPath=${socketOf(dir, dest)}`, '-O', 'exit', ...target(dest)], { reject: false, stdio: 'ignore', timeout: 10000 }),
        ),
      );
      const { rm } = await import('node:fs/promises');
      await rm(dir, { recursive: true, force: true });
      controlDir = null;
      controlDirReady = null;
      masters.clear();
      started.clear();
      sockets.clear();
    },
  };
}
