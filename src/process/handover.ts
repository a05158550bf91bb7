// Runs the next program in the chain (a newer emqx-<v>, or the escript) with inherited stdio,
// forwards the operator's signals to it, and reports its exit status unchanged.
import { spawn } from 'node:child_process';
import { RelupError } from '../errors.js';
import { OPERATOR_SIGNALS, signalExit } from '../signals.js';

export interface HandOver {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function runInherited(h: HandOver): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(h.file, h.args, { cwd: h.cwd, env: h.env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => () => {
      child.kill(sig);
    };
    const handlers = OPERATOR_SIGNALS.map((sig) => [sig, forward(sig)] as const);
    for (const [sig, fn] of handlers) process.on(sig, fn);
    const done = () => {
      for (const [sig, fn] of handlers) process.off(sig, fn);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      done();
      const code = e.code === 'EACCES' ? 'PERMISSION' : e.code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL';
      reject(
        new RelupError(code, `cannot run ${h.file}: ${e.code ?? e.message}`, {
          hint: code === 'PERMISSION' ? `make it executable: chmod 0755 ${h.file}` : 'check the installation',
          cause: e,
        }),
      );
    });
    child.once('exit', (status, signal) => {
      done();
      // Shell convention, so a parent script sees the child was killed by a signal.
      resolve(status ?? (signal ? signalExit(signal) : 129));
    });
  });
}
