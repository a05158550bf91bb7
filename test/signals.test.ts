import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onOperatorSignals, OPERATOR_SIGNALS, signalExit } from '../src/signals.js';

test('signalExit: 128 + the signal number', () => {
  assert.deepEqual(['SIGHUP', 'SIGINT', 'SIGTERM'].map((s) => signalExit(s as NodeJS.Signals)), [129, 130, 143]);
});

test('onOperatorSignals: each operator signal reaches the handler until disposed', () => {
  const got: string[] = [];
  const before = OPERATOR_SIGNALS.map((s) => process.listenerCount(s));
  const dispose = onOperatorSignals((s) => got.push(s));
  for (const s of OPERATOR_SIGNALS) process.emit(s, s);
  dispose();
  assert.deepEqual(got, [...OPERATOR_SIGNALS]);
  assert.deepEqual(OPERATOR_SIGNALS.map((s) => process.listenerCount(s)), before);
});
