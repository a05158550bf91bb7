// EMQX's runner finds its node in `ps -ef` by `-root <root>` (docs/real-emqx-versions.md). Up
// to v5.0.17 it reads only the data dir and TLS options from that line and falls back to hocon on
// etc/emqx.conf when none or several lines match; from v5.0.18 it takes the node's name and
// cookie from the one line too, and several matches (with no EMQX_NODE__NAME) are a hard stop,
// "More than one EMQX node found running". While we wait for a runner, escript or newer wrapper,
// our own `--root DIR` would be such a second match, so the command line ps shows is rewritten
// without it (libuv rewrites argv in place on Linux).

/** The title for `argv` without its `--root DIR` / `--root=DIR` words, or null when it has none. */
export function titleWithoutRoot(argv: readonly string[]): string | null {
  const out: string[] = ['emqx'];
  let dropped = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--root') {
      i++;
      dropped = true;
    } else if (a.startsWith('--root=')) dropped = true;
    else out.push(a);
  }
  return dropped ? out.join(' ') : null;
}
