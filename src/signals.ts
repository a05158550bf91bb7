// The operator's signals and what they mean for an exit status: the one home for both.
import { constants } from 'node:os';

/** Signals an operator sends to stop us (Ctrl-C, kill, a closed terminal). */
export const OPERATOR_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Shell convention: 128 + the signal number, so a parent sees how we (or a child) ended. */
export function signalExit(sig: NodeJS.Signals): number {
  return 128 + (constants.signals[sig] ?? 1);
}

/** Calls `handler` on each operator signal until the returned function is called. */
export function onOperatorSignals(handler: (sig: NodeJS.Signals) => void): () => void {
  for (const s of OPERATOR_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of OPERATOR_SIGNALS) process.off(s, handler);
  };
}
