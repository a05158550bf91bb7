// `emqx --status`: what an operator (or the rollout tool) needs to know before touching a node.
// Reads only; the one thing it runs is the nodetool ping.
import { versionFromRunnerFile, versionedScriptFiles } from '../release/script-names.js';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { chooseRoot, findRoot, readReleaseFacts, readReleasesFile, selfPath, describeSource } from '../release/index.js';
import { parsePackageName, compareVersions } from '../version/index.js';
import { lockHolder } from '../process/lock.js';
import { readPeers } from './peers.js';
import { nodeEnv, pingNode } from './ping.js';
import type { StatusJson } from './status-json.js';

export type Status = StatusJson;

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
    const verdict = await pingNode(facts.escript, facts.nodetool, node, root, nodeEnv(facts, opts.env));
    if (verdict.kind === 'failed') {
      nodetoolError = verdict.line;
      // In warnings too, so a reader of only nodeAlive/warnings (the rollout) sees why.
      warnings.push(`nodetool failed, node state unknown: ${verdict.line}`);
    } else nodeAlive = verdict.kind === 'alive';
    if (nodeAlive) {
      const p = await readPeers(facts.escript, facts.nodetool, node, root, nodeEnv(facts, opts.env));
      if (p.kind === 'ok') peers = p.peers;
      else warnings.push(`cluster peers not read (nodetool eval nodes() failed): ${p.line}`);
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
  ].join('\n');
}
