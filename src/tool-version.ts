// The tool's version (emqx-relup's own, not a release's), whose one source is package.json; one
// home for every command and the rollout. The one-file build dist/emqx.cjs carries
// it inlined (scripts/build.mjs defines __EMQX_RELUP_VERSION__ from package.json), since it runs
// far from any package.json; the tsc build reads the checkout's package.json.
import { readFileSync } from 'node:fs';

declare const __EMQX_RELUP_VERSION__: string | undefined;

export function toolVersion(): string {
  if (typeof __EMQX_RELUP_VERSION__ === 'string') return __EMQX_RELUP_VERSION__;
  // dist/src/tool-version.js -> package.json at the top of the checkout or installed package.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
