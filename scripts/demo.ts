// `npm run demo`: a real hot upgrade in a sandbox. Builds the fixture releases (cached), installs
// emqx 5.0.0 into a temp root, starts its node, hot-upgrades it through this checkout's
// `bin/emqx upgrade 5.0.1`, shows the new answer and the unchanged OS pid, then stops everything
// it started (also on error or Ctrl-C).
import * as path from 'node:path';
import { buildFixtures } from './fixtures/build.js';
import { Sandbox, runInSandbox, type Info } from '../test/helpers/otp.js';
import { wrapperBin } from '../test/helpers/fake-root.js';

const started = Date.now();
let step = 0;

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function stepLine(text: string): void {
  say(`\n${++step}. ${text}`);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `     | ${l}`)
    .join('\n');
}

function describe(info: Info): string {
  return `it answers "${info.reply}", holds state ${info.state}, runs as OS pid ${info.osPid}`;
}

let sandbox: Sandbox | null = null;
let stopping: Promise<void> | null = null;
let interrupted = false;

function stopAll(): Promise<void> {
  stopping ??= (async () => {
    if (!sandbox) return;
    say('\nStopping the node and epmd, removing the sandbox...');
    await sandbox.stopNode().catch(() => undefined);
    await sandbox.cleanup();
    say('Everything the demo started is stopped.');
  })();
  return stopping;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    interrupted = true;
    say(`\nInterrupted (${sig}).`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  say('emqx-relup demo: hot-upgrade a running Erlang/OTP node through the emqx wrapper (EIP-0022).');

  stepLine('Building the fixture releases emqx 5.0.0 and 5.0.1 with systools (cached after the first run)...');
  const t0 = Date.now();
  const fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  say(`   ${fx.cached ? 'Found them in the cache' : 'Built them'} in ${Date.now() - t0} ms: ${fx.dir}`);
  say(`   Each package bundles ERTS ${fx.otp.ertsVersion} and carries bin/emqx-<v> and bin/install_upgrade.escript-<v>.`);

  stepLine('Installing emqx 5.0.0 into a sandbox root and starting a private epmd...');
  sandbox = await Sandbox.create({ package: fx.packages['5.0.0']! });
  const sb = sandbox;
  say(`   Root: ${sb.root}`);
  say(`   epmd listens on 127.0.0.1:${sb.epmd.port} (pid ${sb.epmd.pid}).`);

  stepLine('Starting the node with the release\'s own runner (bin/emqx start)...');
  const pid = await sb.start();
  say(`   Node ${sb.node} is up, OS pid ${pid}.`);
  const before = await sb.info();
  say(`   Asked relup_probe_server: ${describe(before)}.`);

  stepLine('Dropping emqx-5.0.1.tar.gz and its .sha256 into releases/ (bin/ has no 5.0.1 scripts yet)...');
  sb.addPackage(fx.packages['5.0.1']!, undefined, { sha256: true });

  const cmd = `bin/emqx --root ${sb.root} --require-checksum upgrade 5.0.1`;
  stepLine(`Hot-upgrading: ${cmd}`);
  say(`   (${path.relative(process.cwd(), wrapperBin) || wrapperBin} checks the package, extracts the 5.0.1 scripts and hands over to them)`);
  const r = await runInSandbox(sb, ['--require-checksum', 'upgrade', '5.0.1']);
  const out = `${r.stdout}${r.stderr}`;
  if (out.trim()) say(indent(out));
  if (r.code !== 0) throw new Error(`the upgrade failed with exit status ${r.code}`);

  stepLine('Asking the node again...');
  const after = await sb.info();
  say(`   Now ${describe(after)}.`);
  const releases = await sb.releases();
  say(`   release_handler: ${Object.entries(releases).map(([v, s]) => `${v} ${s}`).join(', ')}.`);
  if (after.osPid !== pid) throw new Error(`the OS pid changed from ${pid} to ${after.osPid}: that was a restart, not a hot upgrade`);
  say(`   Same OS pid ${pid}: the new code took over in place, and the state was converted, not lost.`);

  await stopAll();
  say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch(async (e: unknown) => {
  if (interrupted) return; // the signal handler is cleaning up and exits
  process.stderr.write(`\ndemo failed: ${(e as Error)?.message ?? String(e)}\n`);
  await stopAll().catch(() => undefined);
  process.exitCode = 1;
});
