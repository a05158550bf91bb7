// Facts about the machine a result was measured on, for the JSON and the line in docs/benchmark.md.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  os: string;
  kernel: string;
  node: string;
  /** 1-minute load average when the facts were taken: other work on the machine skews timings. */
  load1: number;
  tools: Record<string, string>;
}

function firstLineOf(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? 'not installed' : ((r.stdout || r.stderr).split('\n')[0] ?? '').trim();
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    load1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    tools: {
      tar: firstLineOf('tar', ['--version']),
      bsdtar: firstLineOf('bsdtar', ['--version']),
      gzip: firstLineOf('gzip', ['--version']),
    },
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB RAM, ${m.os} ${m.kernel}, Node ${m.node}, ${m.tools.tar}, ${m.tools.bsdtar}`;
}
