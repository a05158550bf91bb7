// "Did you mean": the known word nearest to a mistyped command or option, shared by the wrapper's
// parser and emqx-relup's (loaded on the wrapper's fast paths too, so no imports).

/** Levenshtein distance, for "did you mean" on a mistyped option. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known word nearest to a mistyped one (edit distance <= 2), for "did you mean". */
export function nearest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}
