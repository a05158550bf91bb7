import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuRatioOf, evaluate, formatMs, median, ratioOf, summarize, table } from '../../../scripts/bench/stats.js';
import { parseTimeOutput } from '../../../scripts/bench/measure.js';

test('median of odd and even counts, unsorted input left alone', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('summarize gives n, median, min and max', () => {
  assert.deepEqual(summarize([3, 9, 1, 4]), { n: 4, median: 3.5, min: 1, max: 9 });
});

test('ratioOf is the ratio of medians, its range the per-round paired ratios', () => {
  const r = ratioOf([10, 30, 20], [20, 20, 40]);
  assert.ok(r);
  assert.equal(r.median, 20 / 20);
  assert.equal(r.min, 0.5);
  assert.equal(r.max, 1.5);
  assert.equal(ratioOf([], [1]), null);
});

test('a ratio target passes at its limit and fails above it, saying by how much', () => {
  const t = { kind: 'ratio', id: 't', label: 'x', project: 'p', reference: 'r', max: 0.7 } as const;
  assert.equal(evaluate(t, { p: [7], r: [10] }).status, 'pass');
  const fail = evaluate(t, { p: [9.1], r: [10] });
  assert.equal(fail.status, 'FAIL');
  assert.equal(fail.miss, '+30%');
  assert.equal(evaluate(t, { r: [10] }).status, 'n/a');
  assert.equal(evaluate({ ...t, max: null }, { p: [1], r: [2] }).status, 'info');
});

test('an absolute limit is held against the worst run', () => {
  const t = { kind: 'limit', id: 'm', label: 'rss', project: 'rss', max: 100, unit: 'MB' } as const;
  const row = evaluate(t, { rss: [60, 101, 70] });
  assert.equal(row.status, 'FAIL');
  assert.equal(row.value?.median, 101);
  assert.equal(evaluate(t, { rss: [60, 99] }).status, 'pass');
});

test('a spread compares the two peaks whichever is larger', () => {
  const t = { kind: 'spread', id: 's', label: 'flat', a: 'big', b: 'small', max: 1.1 } as const;
  assert.equal(evaluate(t, { big: [50, 54], small: [50] }).status, 'pass');
  assert.equal(evaluate(t, { big: [50], small: [56] }).status, 'FAIL');
});

test('formatMs and table render what docs/benchmark.md quotes', () => {
  assert.equal(formatMs(1234.5), '1.234 s');
  assert.equal(formatMs(61.84), '61.8 ms');
  assert.equal(formatMs(0.412), '0.41 ms');
  assert.equal(table(['a', 'bb'], [['xxxx', 'y']]), '| a    | bb  |\n| ---- | --- |\n| xxxx | y   |');
});

test('GNU time output: user+sys in ms and max RSS, notes before the last line ignored', () => {
  assert.deepEqual(parseTimeOutput('Command exited with non-zero status 2\n0.52 0.08 3120\n'), { cpuMs: 600, maxRssKiB: 3120 });
  assert.equal(parseTimeOutput('garbage'), null);
});

test('the CPU ratio is a ratio of means, so 10 ms steps average out over many runs', () => {
  const r = cpuRatioOf([70, 80, 80, 80], [60, 60, 70, 60]);
  assert.ok(r);
  assert.equal(r.median, 77.5 / 62.5);
  assert.equal(cpuRatioOf([1], [0]), null);
});
