import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  MAX_HOT_LINES,
  formatSeconds,
  formatShare,
  heat,
  hotLineLabel,
  parseStatus,
  parseTimingReport,
  statusView,
} from '../../src/report';

describe('parseTimingReport', () => {
  const report = {
    uri: 'file:///w/slow.py',
    functions: [{ qualname: 'build', line: 3, self_s: 0.4, cum_s: 0.5, share: 0.8 }],
    hot_lines: [
      { line: 5, self_s: 0.01, share: 0.02 },
      { line: 4, self_s: 0.4, share: 0.8 },
    ],
    summary: 'ran slow.py in 0.50 s',
    extra: 'ignored',
  };

  it('keeps valid entries and sorts hot lines hottest first', () => {
    const r = parseTimingReport(report);
    assert.ok(r);
    assert.equal(r.uri, 'file:///w/slow.py');
    assert.deepEqual(r.functions, [{ qualname: 'build', line: 3, selfS: 0.4, cumS: 0.5, share: 0.8 }]);
    assert.deepEqual(r.hotLines.map((h) => h.line), [4, 5]);
    assert.equal(r.summary, 'ran slow.py in 0.50 s');
  });

  it('ignores malformed params and entries instead of throwing', () => {
    assert.equal(parseTimingReport(null), undefined);
    assert.equal(parseTimingReport('x'), undefined);
    assert.equal(parseTimingReport({ functions: [] }), undefined);
    const r = parseTimingReport({
      uri: 'file:///a.py',
      functions: [null, { qualname: 'f', line: -1, self_s: 1, cum_s: 1 }, { qualname: 'g', line: 1.5, self_s: 1, cum_s: 1 }],
      hot_lines: 'nope',
    });
    assert.deepEqual(r, { uri: 'file:///a.py', functions: [], hotLines: [], summary: '' });
  });

  it('merges the entries of one line (one per function running it)', () => {
    const r = parseTimingReport({
      uri: 'file:///a.py',
      hot_lines: [
        { line: 4, self_s: 0.055, share: 0.58, qualname: 'doubled.<listcomp>' },
        { line: 15, self_s: 0.037, share: 0.39 },
        { line: 4, self_s: 0.0026, share: 0.03, qualname: 'doubled' },
      ],
    });
    assert.ok(r);
    assert.deepEqual(r.hotLines.map((h) => h.line), [4, 15]);
    assert.ok(Math.abs(r.hotLines[0].selfS - 0.0576) < 1e-9);
    assert.ok(Math.abs(r.hotLines[0].share - 0.61) < 1e-9);
  });

  it('clamps shares and caps the number of hot lines', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ line: i, self_s: 0.001 * i, share: i === 0 ? 7 : 0.001 }));
    const r = parseTimingReport({ uri: 'file:///a.py', hot_lines: many });
    assert.ok(r);
    assert.equal(r.hotLines.length, MAX_HOT_LINES);
    assert.equal(r.hotLines[0].share, 1);
  });
});

describe('formatting', () => {
  it('formats seconds at a readable scale', () => {
    assert.equal(formatSeconds(0.0000042), '4 µs');
    assert.equal(formatSeconds(0.0042), '4.2 ms');
    assert.equal(formatSeconds(0.412), '412 ms');
    assert.equal(formatSeconds(1.234), '1.23 s');
    assert.equal(formatSeconds(42.34), '42.3 s');
  });

  it('formats shares and heat buckets', () => {
    assert.equal(formatShare(0.374), '37%');
    assert.equal(formatShare(0.001), '<1%');
    assert.equal(formatShare(0), '0%');
    assert.equal(heat(0.5), 'high');
    assert.equal(heat(0.1), 'medium');
    assert.equal(heat(0.05), 'low');
    assert.equal(hotLineLabel({ line: 1, selfS: 0.412, share: 0.374 }), '412 ms · 37% of run time');
  });
});

describe('status', () => {
  it('accepts the four server states with an optional reason', () => {
    assert.deepEqual(parseStatus({ state: 'idle' }), { state: 'idle', reason: undefined });
    assert.deepEqual(parseStatus({ state: 'error', reason: 'LLM endpoint unreachable' }), {
      state: 'error',
      reason: 'LLM endpoint unreachable',
    });
    assert.equal(parseStatus({ state: 'starting' }), undefined);
    assert.equal(parseStatus({ state: 3 }), undefined);
    assert.equal(parseStatus(undefined), undefined);
  });

  it('shows each state distinctly, errors highlighted, reasons in the tooltip', () => {
    const texts = new Set(['idle', 'analysing', 'error', 'off'].map((s) => statusView(s as 'idle').text));
    assert.equal(texts.size, 4);
    assert.match(statusView('off').text, /LLM off/);
    assert.equal(statusView('error', 'boom').error, true);
    assert.match(statusView('error', 'boom').tooltip, /boom/);
    assert.equal(statusView('idle').error, false);
  });
});
