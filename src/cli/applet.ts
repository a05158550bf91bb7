// The single executable is the whole tool, busybox style: the name it is called by picks the
// command (a copy or symlink named emqx is the wrapper), else a first word `emqx`/`emqx-relup`
// does (the rollout runs the staged file, named by its sha256, that way).
import { basename } from 'node:path';

export type Applet = 'emqx' | 'emqx-relup';

export const APPLETS: readonly Applet[] = ['emqx', 'emqx-relup'];

/** `emqx`, or a versioned copy `emqx-<digit>...` as a release's bin/ carries: the wrapper. */
function wrapperName(name: string): boolean {
  return name === 'emqx' || /^emqx-\d/.test(name);
}

export function pickApplet(invokedAs: string, args: readonly string[]): { applet: Applet; args: string[] } {
  if (wrapperName(basename(invokedAs))) return { applet: 'emqx', args: [...args] };
  const first = args[0];
  if (first === 'emqx' || first === 'emqx-relup') return { applet: first, args: args.slice(1) };
  return { applet: 'emqx-relup', args: [...args] };
}
