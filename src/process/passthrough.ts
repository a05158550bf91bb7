// Every command that is not a hot-upgrade command goes, unchanged, to the release's own runner
// <root>/bin/emqx. That runner must not be this wrapper, or we would call ourselves forever.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RelupError } from '../errors.js';
import { chooseRoot, findRoot, selfPath } from '../release/root.js';
import { runInherited } from './handover.js';
import { ENV_PASSTHROUGH, headHasMarker } from '../release/wrapper-marker.js';

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

export async function resolveRunner(req: PassthroughRequest): Promise<{ root: string; runner: string }> {
  const self = selfPath(req.invoked, req.cwd);
  const { root } = findRoot(chooseRoot({ flag: req.rootFlag, env: req.env, self, cwd: req.cwd }));
  const runner = join(root, 'bin', 'emqx');
  const real = await fsp.realpath(runner).catch(() => null);
  if (real === null) {
    throw new RelupError('NOT_FOUND', `${runner} does not exist, so '${req.command}' has nowhere to go`, {
      hint: 'check --root, or reinstall the release',
    });
  }
  // The marker names the runner we were started as: seeing it again means we are that runner.
  if (real === self.real || req.env[ENV_PASSTHROUGH] === real || (await headHasMarker(real))) throw isWrapper(runner);
  return { root, runner };
}

/** What a pass-through runs; `env` holds only what is added to the inherited environment. */
export async function passthroughExec(req: PassthroughRequest): Promise<{ root: string; exec: { file: string; args: string[]; cwd: string; env: Record<string, string> } }> {
  const { root, runner } = await resolveRunner(req);
  const real = await fsp.realpath(runner);
  return { root, exec: { file: runner, args: [req.command, ...req.rest], cwd: req.cwd, env: { [ENV_PASSTHROUGH]: real } } };
}

export async function passthrough(req: PassthroughRequest): Promise<number> {
  const { exec } = await passthroughExec(req);
  return runInherited({ ...exec, env: { ...req.env, ...exec.env } });
}
