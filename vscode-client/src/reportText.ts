/**
 * The whole timing report (the `report` field of `hone/timingReport`, hone's TimingReport as
 * JSON, 1-based lines) as the text of the report view: the summary, a table of functions with
 * their hottest lines under them, the hot lines, the traceback and the program's output.
 * Pure logic (no `vscode` import), validated field by field: the params come from another process.
 */

import { formatSeconds } from './report';

export interface LineRow {
  file: string;
  line: number; // 1-based
  selfS: number;
  share: number;
  qualname: string;
}

export interface FunctionRow {
  qualname: string;
  file: string;
  line: number; // 1-based
  selfS: number;
  cumS: number;
  share: number;
  cumShare: number;
  calls: number | undefined;
  lines: LineRow[];
}

export interface FullReport {
  uri: string;
  path: string;
  function: string | undefined;
  summary: string;
  stale: boolean;
  functions: FunctionRow[];
  hotLines: LineRow[];
  traceback: string;
  stdout: string;
  stderr: string;
}

/** One row of the rendered text that points at a line of the code (0-based in both). */
export interface RowTarget {
  row: number;
  /** where in the row the `file:line` reference is (for a link) */
  start: number;
  end: number;
  file: string;
  line: number; // 1-based, as shown
}

export interface RenderedReport {
  text: string;
  targets: RowTarget[];
  /** qualname -> row of its line in the function table */
  functionRows: Map<string, number>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isLine = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function lineRow(v: unknown): LineRow | undefined {
  if (!isObj(v) || !isLine(v.line) || typeof v.file !== 'string') return undefined;
  return { file: v.file, line: v.line, selfS: num(v.self_s), share: num(v.share), qualname: str(v.qualname) };
}

export function parseFullReport(params: unknown): FullReport | undefined {
  if (!isObj(params) || typeof params.uri !== 'string' || !params.uri) return undefined;
  const r = isObj(params.report) ? params.report : {};
  const functions: FunctionRow[] = [];
  for (const f of Array.isArray(r.functions) ? r.functions : []) {
    if (!isObj(f) || typeof f.qualname !== 'string' || !isLine(f.line) || typeof f.file !== 'string') continue;
    functions.push({
      qualname: f.qualname,
      file: f.file,
      line: f.line,
      selfS: num(f.self_s),
      cumS: num(f.cum_s),
      share: num(f.share),
      cumShare: num(f.cum_share),
      calls: typeof f.calls === 'number' ? f.calls : undefined,
      lines: (Array.isArray(f.lines) ? f.lines : []).map(lineRow).filter((x): x is LineRow => !!x),
    });
  }
  const exc = isObj(r.exception) ? r.exception : undefined;
  return {
    uri: params.uri,
    path: str(r.path),
    function: typeof r.function === 'string' ? r.function : undefined,
    summary: str(params.summary),
    stale: params.stale === true,
    functions,
    hotLines: (Array.isArray(r.hot_lines) ? r.hot_lines : []).map(lineRow).filter((x): x is LineRow => !!x),
    traceback: exc ? str(exc.traceback_text) : '',
    stdout: str(r.stdout),
    stderr: str(r.stderr),
  };
}

export function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

const pct = (share: number): string => `${(share * 100).toFixed(0)}%`;
const pad = (s: string, n: number): string => s.padStart(n);

function oneLine(text: string, limit: number): string {
  const first = text.trim().split('\n')[0] ?? '';
  return first.length <= limit ? first : `${first.slice(0, limit - 1)}…`;
}

/** `source`: the run file's lines (to quote hot lines), when the document is at hand. */
export function renderReport(r: FullReport, source?: readonly string[]): RenderedReport {
  const rows: string[] = [];
  const targets: RowTarget[] = [];
  const functionRows = new Map<string, number>();
  const sameFile = (file: string): boolean => file === r.path;
  const quote = (file: string, line: number): string =>
    source && sameFile(file) && line <= source.length ? `  ${oneLine(source[line - 1] ?? '', 70)}` : '';
  /** Adds a row ending in "file:line…", remembering where that reference is. */
  const withRef = (head: string, file: string, line: number, tail = ''): void => {
    const ref = `${basename(file)}:${line}`;
    targets.push({ row: rows.length, start: head.length, end: head.length + ref.length, file, line });
    rows.push(`${head}${ref}${tail}`);
  };

  rows.push(`hone timing report: ${basename(r.path)}${r.function ? ` (${r.function}())` : ''}`);
  rows.push(r.summary);
  if (r.stale) rows.push('(the file changed while it ran: line numbers may be off)');
  if (r.functions.length) {
    rows.push('', 'Functions (self: time in the function itself; total: with what it calls)');
    rows.push(`${pad('self', 9)} ${pad('%', 4)}  ${pad('total', 9)} ${pad('%', 4)}  ${pad('calls', 9)}  function`);
    for (const f of r.functions) {
      functionRows.set(f.qualname, rows.length);
      const calls = f.calls === undefined ? '-' : f.calls.toLocaleString('en-US');
      withRef(
        `${pad(formatSeconds(f.selfS), 9)} ${pad(pct(f.share), 4)}  ${pad(formatSeconds(f.cumS), 9)} ` +
          `${pad(pct(f.cumShare), 4)}  ${pad(calls, 9)}  ${f.qualname} (`,
        f.file,
        f.line,
        ')',
      );
      for (const ln of f.lines) {
        withRef(`${pad(formatSeconds(ln.selfS), 9)} ${pad(pct(ln.share), 4)}  ${' '.repeat(26)}    `, ln.file, ln.line, quote(ln.file, ln.line));
      }
    }
  }
  if (r.hotLines.length) {
    rows.push('', 'Hot lines (self time)');
    for (const ln of r.hotLines) {
      withRef(`${pad(formatSeconds(ln.selfS), 9)} ${pad(pct(ln.share), 4)}  `, ln.file, ln.line, quote(ln.file, ln.line));
    }
  }
  if (r.traceback.trim()) rows.push('', ...r.traceback.trimEnd().split('\n'));
  for (const [name, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    if (text) rows.push('', `--- ${name} ---`, ...text.replace(/\n$/, '').split('\n'));
  }
  return { text: `${rows.join('\n')}\n`, targets, functionRows };
}
