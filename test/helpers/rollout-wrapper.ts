// Which remote emqx the rollout tests use: the wrapper shipped with the tool (dist/emqx.cjs),
// or the temporary stand-in while the real one is not built yet.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStandInWrapper } from './stand-in-emqx.js';

const shipped = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../emqx.cjs');

export function remoteWrapperArgs(dir: string): string[] {
  if (fs.existsSync(shipped)) return [];
  return ['--remote-emqx', `node ${writeStandInWrapper(dir)}`];
}
