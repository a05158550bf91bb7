// Real OpenSSH servers on loopback for the rollout tests: one `sshd -f CONF` per host, each on
// its own 127.0.0.x address and a free port, with its own host key, an authorized key made for
// the test, and an ssh_config of Host aliases to pass with -F. Stopped by the pid in each PidFile.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const SSHD = '/usr/sbin/sshd';

export interface SshHost {
  alias: string;
  address: string;
  port: number;
  pidFile: string;
}

export interface SshCluster {
  dir: string;
  /** ssh_config with one Host alias per server (plus any extra aliases added). */
  configFile: string;
  hosts: SshHost[];
  /** Adds an alias that points at a loopback port where nothing listens. */
  addDeadAlias(alias: string): Promise<void>;
  stopHost(alias: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(address: string, port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: address, port }, () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} did not start`);
    await sleep(25);
  }
}

function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Pids of every live descendant of `root` (the per-connection sshd children outlive the listener). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

async function killAndWait(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(10);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The listener by the pid in its PidFile, and the sessions it forked (they would outlive it). */
async function stopSshd(h: SshHost): Promise<void> {
  const pid = readPid(h.pidFile);
  if (pid === null) return;
  const children = descendants(pid);
  await killAndWait(pid);
  await Promise.all(children.map(killAndWait));
}

let nextOctet = 10 + (process.pid % 200);

export interface ClusterOptions {
  /** Environment a Host alias sends (ssh_config SetEnv; the sshd accepts ERL_* and EMQX_*). */
  env?: Record<string, Record<string, string>>;
  /** Aliases whose sshd has no `Subsystem sftp` (OpenSSH 9's scp copies over SFTP, so it fails there). */
  noSftp?: string[];
}

/** Starts one sshd per alias, each on its own 127.0.0.x address and a free port. */
export async function startSshCluster(aliases: string[], opts: ClusterOptions = {}): Promise<SshCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-sshd-'));
  try {
    fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation dir (root only)
  } catch {
    /* not root: an existing /run/sshd is enough */
  }
  const key = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'relup-test', '-f', key]);
  fs.copyFileSync(`${key}.pub`, path.join(dir, 'authorized_keys'));
  const configFile = path.join(dir, 'ssh_config');
  const hosts: SshHost[] = [];
  const stopAll = async () => {
    for (const h of hosts) await stopSshd(h);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const clientBlock = (alias: string, address: string, port: number) =>
    [
      `Host ${alias}`,
      `  HostName ${address}`,
      `  Port ${port}`,
      `  User ${os.userInfo().username}`,
      `  IdentityFile ${key}`,
      `  IdentitiesOnly yes`,
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      `  StrictHostKeyChecking accept-new`,
      `  BatchMode yes`,
      `  LogLevel ERROR`,
      // One SetEnv line: ssh_config keeps only the first value of a keyword.
      ...(opts.env?.[alias] ? [`  SetEnv ${Object.entries(opts.env[alias]).map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
      '',
    ].join('\n');
  try {
    for (const alias of aliases) {
      nextOctet = (nextOctet % 240) + 1;
      const address = `127.0.0.${nextOctet + 10}`;
      const port = await freePort(address);
      const hostKey = path.join(dir, `host_${alias}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      const pidFile = path.join(dir, `${alias}.pid`);
      const conf = path.join(dir, `sshd_${alias}.conf`);
      fs.writeFileSync(
        conf,
        [
          `ListenAddress ${address}:${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${pidFile}`,
          `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'LogLevel ERROR',
          ...(opts.noSftp?.includes(alias) ? [] : ['Subsystem sftp internal-sftp']),
          'AcceptEnv ERL_* EMQX_*',
          '',
        ].join('\n'),
      );
      execFileSync(SSHD, ['-f', conf, '-E', path.join(dir, `sshd_${alias}.log`)]);
      hosts.push({ alias, address, port, pidFile });
      fs.appendFileSync(configFile, clientBlock(alias, address, port));
    }
    await Promise.all(hosts.map((h) => waitListening(h.address, h.port)));
    for (const h of hosts) {
      for (let i = 0; readPid(h.pidFile) === null; i++) {
        if (i > 200) throw new Error(`sshd for ${h.alias} wrote no pid file`);
        await sleep(10);
      }
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    dir,
    configFile,
    hosts,
    async addDeadAlias(alias) {
      nextOctet = (nextOctet % 240) + 1;
      const address = `127.0.0.${nextOctet + 10}`;
      fs.appendFileSync(configFile, clientBlock(alias, address, await freePort(address)));
    },
    async stopHost(alias) {
      const h = hosts.find((x) => x.alias === alias);
      if (h) await stopSshd(h);
    },
    stop: stopAll,
  };
}
