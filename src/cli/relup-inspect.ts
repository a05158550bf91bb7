// Placeholder until the inspect subcommand lands; fails loudly rather than pretending.
import { RelupError } from '../errors.js';

export async function run(_argv: string[]): Promise<number> {
  throw new RelupError('INTERNAL', 'emqx-relup inspect is not implemented in this build', { hint: 'use a newer emqx-relup' });
}
