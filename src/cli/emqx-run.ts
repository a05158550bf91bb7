// The wrapper's start, shared by its one-file build (emqx-bundle.ts) and the single executable.
import { main } from './emqx.js';
import { titleWithoutRoot } from './proc-title.js';

export async function runWrapper(argv: string[], invoked: string): Promise<number> {
  const title = titleWithoutRoot(argv);
  if (title !== null) process.title = title;
  return main(argv, invoked);
}
