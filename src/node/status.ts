// `emqx --status`: what an operator (or the rollout tool) needs to know before touching a node.
// Reads only; the one thing it runs is nodetool (an eval of nodes(), a ping when that fails).
import { versionFromRunnerFile, versionedScriptFiles } from '../release/script-names.js';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { chooseRoot, findRoot, readInstalledRelup, readReleaseFacts, readReleasesFile, runningRelease, selfPath, describeSource, type RelupFact } from '../release/index.js';
import { parsePackageName, compareVersions } from '../version/index.js';
import { lockHolder } from '../process/lock.js';
import { readHotPatches } from '../release/data-dir.js';
import { readPeers } from './peers.js';
import { nodeEnv, pingNode } from './ping.js';
import type { StatusJson, Stuck } from './status-json.js';

export type Status = StatusJson;


/**
 * What RELEASES shows left over: a release `unpacked` but never installed (stuck for good when no
 * relup leads to it from the running one: release_handler will not install it), and one `current`
 * but not permanent (the node returns to the permanent one on its next restart). Pure.
 */
export function stuckReleases(releases: readonly { version: string; status: string }[], running: string, relupOf: (version: string) => RelupFact): Stuck[] {
  const out: Stuck[] = [];
  const permanent = releases.find((r) => r.status === 'permanent')?.version ?? null;
  for (const r of releases) {
    if (r.status === 'current' && permanent !== null && permanent !== r.version) {
      out.push({
        version: r.version,
        status: r.status,
        problem: `runs but is not permanent: a restart of the node goes back to ${permanent}`,
        clear: `emqx install ${r.version} (makes it permanent), or emqx downgrade ${permanent}`,
      });
    }
    if (r.status !== 'unpacked') continue;
    const up = compareVersions(r.version, running) > 0;
    const fact = relupOf(up ? r.version : running);
    const reach = fact.kind === 'found' && (up ? fact.relup.upFrom.includes(running) : fact.relup.downTo.includes(r.version));
    out.push({
      version: r.version,
      status: r.status,
      problem: reach
        ? 'unpacked, not installed'
        : `unpacked, and release_handler cannot install it: no relup leads from the running ${running} to it (${fact.kind === 'found' ? `${fact.file} ${up ? `upgrades only from ${fact.relup.upFrom.join(', ') || 'no version'}` : `downgrades only to ${fact.relup.downTo.join(', ') || 'no version'}`}` : fact.kind === 'absent' ? `${fact.file} is missing` : fact.error.message})`,
      clear: reach ? `emqx install ${r.version}, or emqx uninstall ${r.version}` : `emqx uninstall ${r.version}`,
    });
  }
  return out;
}

async function listDir(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => [] as string[]);
}

export async function collectStatus(opts: { rootFlag: string | null; invoked: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<Status> {
  const self = selfPath(opts.invoked, opts.cwd);
  const { root } = findRoot(chooseRoot({ flag: opts.rootFlag, env: opts.env, self, cwd: opts.cwd }));
  const facts = readReleaseFacts(root, opts.env);
  const warnings = [...facts.warnings];
  let releases: Status['releases'] = [];
  try {
    releases = readReleasesFile(root).map((r) => ({ version: r.version, status: r.status }));
  } catch (e) {
    warnings.push(`releases/RELEASES not read: ${(e as Error).message}`);
  }
  let nodeAlive: boolean | null = null;
  let nodetoolError: string | null = null;
  let peers: string[] | null = null;
  if (facts.nodetool && facts.node.cookie !== null) {
    const node = { name: facts.node.name, nameType: facts.node.nameType, cookie: facts.node.cookie };
    const env = nodeEnv(facts, opts.env);
    // nodetool starts a VM each time: one eval answers both "alive?" and "which peers?"; the
    // ping runs only when the eval fails, to tell a node that is down from a nodetool that failed.
    const p = await readPeers(facts.escript, facts.nodetool, node, root, env);
    if (p.kind === 'ok') {
      nodeAlive = true;
      peers = p.peers;
    } else {
      const verdict = await pingNode(facts.escript, facts.nodetool, node, root, env);
      if (verdict.kind === 'failed') {
        nodetoolError = verdict.line;
        // In warnings too, so a reader of only nodeAlive/warnings (the rollout) sees why.
        warnings.push(`nodetool failed, node state unknown: ${verdict.line}`);
      } else nodeAlive = verdict.kind === 'alive';
      if (nodeAlive) warnings.push(`cluster peers not read (nodetool eval nodes() failed): ${p.line}`);
    }
  } else {
    warnings.push(facts.nodetool ? 'no cookie known; node not pinged' : 'no bin/nodetool; node not pinged');
  }
  const bin = await listDir(join(root, 'bin'));
  const versionedScripts = bin
    .map((n) => versionFromRunnerFile(n))
    .filter((v): v is string => v !== null && bin.includes(versionedScriptFiles(v)[1]))
    .sort(compareVersions);
  const packages = (await listDir(join(root, 'releases'))).filter((n) => parsePackageName(n) !== null).sort();
  const running = runningRelease(releases) ?? facts.vars.relVsn;
  const relups = new Map<string, RelupFact>();
  const relupOf = (v: string): RelupFact => relups.get(v) ?? relups.set(v, readInstalledRelup(root, v)).get(v)!;
  let patches: Status['patches'] = null;
  try {
    const p = readHotPatches(root, opts.env);
    if (p.warning) warnings.push(p.warning);
    patches = { dir: p.dir, modules: p.modules };
  } catch (e) {
    warnings.push(`hot patches not looked for: ${(e as Error).message}`);
  }
  const own = relupOf(running);
  if (own.kind === 'error') warnings.push(`releases/${running}/relup not read: ${own.error.message}`);
  return {
    root,
    relName: facts.vars.relName,
    edition: facts.vars.edition,
    currentVersion: facts.vars.relVsn,
    ertsVersion: facts.vars.ertsVsn,
    node: {
      name: facts.node.name,
      nameType: facts.node.nameType,
      nameSource: describeSource(facts.node.nameSource),
      cookieSource: describeSource(facts.node.cookieSource),
    },
    nodeAlive,
    nodetoolError,
    peers,
    lockHolder: await lockHolder(root),
    releases,
    versionedScripts,
    packages,
    relup: own.kind === 'found' ? { version: running, upFrom: own.relup.upFrom, downTo: own.relup.downTo } : null,
    patches,
    stuck: stuckReleases(releases, running, relupOf),
    warnings,
  };
}

export function formatStatus(s: Status): string {
  const alive =
    s.nodeAlive !== null ? (s.nodeAlive ? 'running' : 'NOT running') : s.nodetoolError !== null ? `unknown (nodetool failed: ${s.nodetoolError})` : 'unknown';
  return [
    `root:      ${s.root} (${s.relName}, ${s.edition} edition)`,
    `version:   ${s.currentVersion} (ERTS ${s.ertsVersion})`,
    `node:      ${s.node.name} (${s.node.nameType}, name from ${s.node.nameSource}, cookie from ${s.node.cookieSource}): ${alive}`,
    `peers:     ${s.peers === null ? 'unknown' : s.peers.join(', ') || 'none (not clustered)'}`,
    `lock:      ${s.lockHolder === null ? 'free' : `held by pid ${s.lockHolder}`}`,
    `releases:  ${s.releases.map((r) => `${r.version} ${r.status}`).join(', ') || 'none listed'}`,
    `scripts:   ${s.versionedScripts.join(', ') || 'no versioned scripts in bin/'}`,
    `packages:  ${s.packages.join(', ') || 'none in releases/'}`,
    `relup:     ${s.relup ? `${s.relup.version} up from ${s.relup.upFrom.join(', ') || 'no version'}; down to ${s.relup.downTo.join(', ') || 'no version'}` : 'none for the running release (no hot downgrade)'}`,
    ...(s.patches?.modules.length ? [`patches:   ${s.patches.modules.join(', ')} in ${s.patches.dir} (hot patches: a hot upgrade is refused without --allow-patches)`] : []),
    ...s.stuck.map((x) => `stuck:     ${x.version} ${x.problem}; clear it: ${x.clear}`),
  ].join('\n');
}
