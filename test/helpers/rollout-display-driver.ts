// A real `emqx-relup rollout` process minus ssh: the CLI's own wiring (runWith: progress display,
// signals, report, exit status) over the strict in-memory transport of rollout-fake.ts, for many
// hosts at once. test/rollout/display-terminal.test.ts runs it inside tmux, so the display meets
// a real terminal. Every remote call takes a few milliseconds, so the display redraws as it would.
//   node rollout-display-driver.js DIR HOSTS [--fail HOST] [--hold HOST] [--batch N]
// --fail: HOST's upgrade fails with a long remote error. --hold: HOST's upgrade waits for SIGINT
// (the test presses Ctrl-C while it is shown in progress). Writes DIR/exit when done.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runWith } from '../../src/cli/relup-rollout.js';
import { toolVersion } from '../../src/tool-version.js';
import { detachCommand } from '../../src/rollout/remote.js';
import type { Transport } from '../../src/rollout/ssh.js';
import { fakeHost, makeFake } from './rollout-fake.js';
import { makePackage } from './fake-root.js';
import { fileSha256 } from './support.js';

export const PKG = 'emqx-5.0.1.tar.gz';
/** A remote error far wider than any terminal, with a tab and an escape byte a redraw must not pass through. */
export const LONG_ERROR = `release_handler:install_release failed: {error,{bad_relup_file,"releases/5.0.1/relup"}}\t${'{load_module,emqx_broker_helper_with_a_long_name,brutal_purge,soft_purge,[]} '.repeat(3)}\x1b[31mend`;

export const hostName = (i: number) => `node${String(i).padStart(2, '0')}.emqx.test`;

async function main(argv: string[]): Promise<number> {
  const [dir, count, ...rest] = argv;
  const opt = (name: string) => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : rest[i + 1];
  };
  const n = Number(count);
  // A real package: the rollout reads its relup for the upgrade paths.
  const pkg = makePackage(dir!, { version: '5.0.1' });
  const wrapper = join(dir!, 'emqx.cjs');
  writeFileSync(wrapper, '#!/usr/bin/env node\n// @emqx-relup/wrapper stand-in\n');
  const emqx = { kind: 'shipped' as const, node: 'node', localFile: wrapper, sha256: fileSha256(wrapper), name: `emqx-${toolVersion()}.cjs` };
  const names = Array.from({ length: n }, (_, i) => hostName(i + 1));
  const root = (d: string) => `/opt/${d}/emqx`;
  const fake = makeFake(
    { emqx, packageFile: PKG, packageSha: fileSha256(pkg), target: '5.0.1' },
    Object.fromEntries(names.map((d) => [d, fakeHost({ root: root(d), ...(d === opt('--fail') ? { upgradeExit: 1, upgradeStderr: LONG_ERROR } : {}) })])),
  );
  const hold = opt('--hold');
  // Listening from the start: a ^C that lands while the held host shows "upgrading" but before
  // its upgrade command is sent (a loaded machine widens that gap) still releases the hold.
  const interrupted = new Promise((resolve) => process.once('SIGINT', resolve));
  // The upgrade starts detached under a fresh run id: its command line is this one with that id.
  const upgradeArgs = (d: string) => ['--json', '--package', `${root(d)}/releases/${PKG}`, '--require-checksum', 'upgrade', '5.0.1'];
  const isUpgrade = (d: string, command: string) => {
    const id = /--detach=([A-Za-z0-9._-]+)/.exec(command)?.[1];
    return id !== undefined && command === detachCommand(emqx, root(d), id, upgradeArgs(d));
  };
  const slow: Transport = {
    async exec(dest, command, o) {
      await sleep(4);
      if (dest === hold && isUpgrade(dest, command)) {
        // A signal listener does not keep node running; a real ssh child would.
        const alive = setInterval(() => {}, 60_000);
        await interrupted;
        clearInterval(alive);
      }
      return fake.exec(dest, command, o);
    },
    async copy(dest, files, remoteDir, o) {
      await sleep(4);
      return fake.copy(dest, files, remoteDir, o);
    },
    close: () => fake.close(),
  };
  const code = await runWith(
    {
      packagePath: pkg,
      hosts: names.map((dest) => ({ dest, root: root(dest) })),
      batch: Number(opt('--batch') ?? 1),
      stageParallel: 4,
      settleSec: 0,
      downgrade: false,
      permanent: true,
      statePath: join(dir!, 'state.json'),
      dryRun: false,
      remote: { kind: 'shipped', node: 'node', localFile: wrapper },
      commandTimeoutMs: 10_000,
      upgradeTimeoutMs: 10_000,
    },
    slow,
    false,
    // tmux gives the driver a terminal on stdin: no confirmation question in these runs.
    true,
  );
  if (fake.unexpected.length > 0) throw new Error(`unexpected remote calls: ${fake.unexpected.join('; ')}`);
  return code;
}

// Run as a script (tmux starts it); imported, it only lends its names to the test.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2]!;
  main(process.argv.slice(2)).then(
    (code) => {
      writeFileSync(join(dir, 'exit'), `${code}\n`);
      process.exitCode = code;
    },
    (e: unknown) => {
      writeFileSync(join(dir, 'exit'), `crash ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
