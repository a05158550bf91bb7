// EMQX's runner finds its node with `ps -ef | grep -- "-[r]oot <root>"` and takes the node's data
// dir from that one line. While we wait for a runner, escript or newer wrapper, our own
// `--root DIR` would be a second match and send the runner to its slower hocon fallback, so
// the command line ps shows is rewritten without it (libuv rewrites argv in place on Linux).

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
