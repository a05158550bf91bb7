// The "runner environment": what EMQX 5's own bin/emqx exports before it runs bin/nodetool or
// install_upgrade.escript. Its nodetool refuses to run without RUNNER_ROOT_DIR and REL_VSN
// (`no match of right hand side value false`), the escript reads IS_ENTERPRISE, and a node
// started with ekka is reachable only through ekka's distribution. Built here, once, for every child.
import { EKKA_ERL_FLAGS } from './ekka.js';
import type { Edition } from '../version/index.js';

export interface RunnerFacts {
  root: string;
  /** The installed version (REL_VSN of releases/emqx_vars), never the target. */
  relVsn: string;
  edition: Edition;
  hasEkka: boolean;
}

/** The variables a child of the wrapper gets on top of the inherited environment. */
export function runnerVars(f: RunnerFacts): Record<string, string> {
  const vars: Record<string, string> = {
    RUNNER_ROOT_DIR: f.root,
    REL_VSN: f.relVsn,
    IS_ENTERPRISE: f.edition === 'enterprise' ? 'yes' : 'no',
  };
  if (f.hasEkka) vars.ERL_FLAGS = EKKA_ERL_FLAGS;
  return vars;
}

/** `base` plus `vars`; an operator's ERL_FLAGS is kept (before ekka's), not replaced. */
export function withRunnerEnv(base: NodeJS.ProcessEnv, vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...vars };
  if (vars.ERL_FLAGS && base.ERL_FLAGS) env.ERL_FLAGS = `${base.ERL_FLAGS} ${vars.ERL_FLAGS}`;
  return env;
}
