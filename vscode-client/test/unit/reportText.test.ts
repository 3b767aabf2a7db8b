import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isNormalExitLine } from '../../src/report';
import { parseFullReport, renderReport } from '../../src/reportText';

const PARAMS = {
  uri: 'file:///w/slow.py',
  summary: 'ran in 0.50 s, CPU 0.49 s, peak 14 MB — hottest: busy 0.45 s, 90 %',
  stale: false,
  report: {
    path: '/w/slow.py',
    function: null,
    functions: [
      {
        qualname: 'busy',
        file: '/w/slow.py',
        line: 4,
        self_s: 0.45,
        cum_s: 0.45,
        calls: 1,
        share: 0.9,
        cum_share: 0.9,
        lines: [{ file: '/w/slow.py', line: 7, self_s: 0.4, cum_s: 0.4, share: 0.8, qualname: 'busy' }],
      },
      { qualname: 'main', file: '/w/slow.py', line: 10, self_s: 0.001, cum_s: 0.5, calls: null, share: 0.002, cum_share: 1 },
      { qualname: 'bad', file: 3, line: 'x' },
    ],
    hot_lines: [{ file: '/w/slow.py', line: 7, self_s: 0.4, cum_s: 0.4, share: 0.8, qualname: 'busy' }],
    exception: null,
    stdout: '42\n',
    stderr: '',
  },
};

describe('parseFullReport / renderReport', () => {
  it('renders the per-function table with per-line rows, hot lines and output', () => {
    const r = parseFullReport(PARAMS);
    assert.ok(r);
    assert.equal(r.functions.length, 2, 'the malformed function is dropped');
    const source = ['', '', '', 'def busy():', '    t = 0', '    for i in range(9):', '        t += i * i', '    return t'];
    const out = renderReport(r, source);
    const rows = out.text.split('\n');
    assert.equal(rows[0], 'hone timing report: slow.py');
    assert.equal(rows[1], PARAMS.summary);
    const busy = rows[out.functionRows.get('busy') ?? -1];
    assert.match(busy, /^\s+450 ms\s+90%\s+450 ms\s+90%\s+1\s+busy \(slow\.py:4\)$/);
    const main = rows[out.functionRows.get('main') ?? -1];
    assert.match(main, /\s-\s+main \(slow\.py:10\)$/, 'no call count: "-"');
    assert.ok(out.text.includes('Hot lines (self time)'));
    assert.ok(rows.some((row) => /400 ms\s+80%\s+slow\.py:7 {2}t \+= i \* i$/.test(row)), out.text);
    assert.ok(out.text.endsWith('--- stdout ---\n42\n'));
    // every file:line is a link target at its exact place in the row
    for (const t of out.targets) {
      assert.equal(rows[t.row].slice(t.start, t.end), `slow.py:${t.line}`);
    }
    assert.deepEqual(
      out.targets.map((t) => t.line),
      [4, 7, 10, 7],
    );
  });

  it('ignores what is not a report', () => {
    assert.equal(parseFullReport(null), undefined);
    assert.equal(parseFullReport({ report: {} }), undefined);
    const r = parseFullReport({ uri: 'file:///x.py' });
    assert.ok(r);
    assert.equal(renderReport(r).text, 'hone timing report: \n\n');
  });
});

describe('isNormalExitLine', () => {
  it('matches the language client line for exit code 0 only', () => {
    assert.ok(isNormalExitLine('[Error - 12:13:17 PM] Server process exited with code 0.'));
    assert.ok(!isNormalExitLine('[Error - 12:13:17 PM] Server process exited with code 1.'));
    assert.ok(!isNormalExitLine('[Error - 12:13:17 PM] Server process exited with code 0. oops'));
  });
});
