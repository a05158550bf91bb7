// Every command that is not a hot-upgrade command goes, unchanged, to the release's own runner
// <root>/bin/emqx. That runner must not be this wrapper, or we would call ourselves forever.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RelupError } from '../errors.js';
import { chooseRoot, findRoot, selfPath } from '../release/root.js';
import { runInherited } from './handover.js';
import { ENV_PASSTHROUGH, WRAPPER_MARKER } from './marker.js';

export interface PassthroughRequest {
  rootFlag: string | null;
  command: string;
  rest: string[];
  invoked: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function isWrapper(runner: string): RelupError {
  return new RelupError('RUNNER_IS_WRAPPER', `${runner} is this emqx-relup wrapper, not the release's own runner script`, {
    hint: "reinstall the release's bin/emqx and put the wrapper elsewhere (e.g. /usr/local/bin/emqx with --root or EMQX_ROOT)",
    details: { runner },
  });
}

async function headHasMarker(file: string): Promise<boolean> {
  const fh = await fsp.open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).includes(WRAPPER_MARKER);
  } finally {
    await fh.close();
  }
}

export async function resolveRunner(req: PassthroughRequest): Promise<{ root: string; runner: string }> {
  const self = selfPath(req.invoked, req.cwd);
  const { root } = findRoot(chooseRoot({ flag: req.rootFlag, env: req.env, self, cwd: req.cwd }));
  const runner = join(root, 'bin', 'emqx');
  if (req.env[ENV_PASSTHROUGH]) throw isWrapper(runner);
  const real = await fsp.realpath(runner).catch(() => null);
  if (real === null) {
    throw new RelupError('NOT_FOUND', `${runner} does not exist, so '${req.command}' has nowhere to go`, {
      hint: 'check --root, or reinstall the release',
    });
  }
  if (real === self.real || (await headHasMarker(real))) throw isWrapper(runner);
  return { root, runner };
}

export async function passthrough(req: PassthroughRequest): Promise<number> {
  const { runner } = await resolveRunner(req);
  return runInherited({ file: runner, args: [req.command, ...req.rest], cwd: req.cwd, env: { ...req.env, [ENV_PASSTHROUGH]: '1' } });
}
