// `-F FILE` is read by every ssh and scp the rollout runs: a missing or unreadable one would make
// every host look unreachable, so it is checked once, locally, before any host is contacted.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { RelupError, fromFsError } from '../errors.js';

export async function checkSshConfig(file: string): Promise<void> {
  try {
    if (!(await stat(file)).isFile()) {
      throw new RelupError('NOT_FOUND', `ssh config ${file} (given with -F) is not a file`, { hint: 'give -F the path of an ssh_config file; no host was contacted' });
    }
    await access(file, constants.R_OK);
  } catch (e) {
    const err = fromFsError(e, file, 'reading the ssh config given with -F');
    if (err.code === 'NOT_FOUND' && !(e instanceof RelupError)) {
      throw new RelupError('NOT_FOUND', `ssh config ${file} (given with -F) does not exist`, { hint: 'fix the path given to -F, or drop -F to use ~/.ssh/config; no host was contacted', cause: e });
    }
    throw err;
  }
}
