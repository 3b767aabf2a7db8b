/**
 * The `hone/timingReport` notification and the `hone/status` notification, validated and turned
 * into what the UI draws.  Pure logic (no `vscode` import): malformed params are ignored, never
 * thrown on, since they come from another process.
 */

export interface TimedFunction {
  qualname: string;
  line: number;
  selfS: number;
  cumS: number;
  share: number;
}

export interface HotLine {
  line: number;
  selfS: number;
  share: number;
}

export interface TimingReport {
  uri: string;
  functions: TimedFunction[];
  hotLines: HotLine[];
  summary: string;
}

/** At most this many hot lines are decorated: past that they are noise. */
export const MAX_HOT_LINES = 40;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isLine = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v >= 0;
const clampShare = (v: number): number => Math.min(1, Math.max(0, v));

export function parseTimingReport(params: unknown): TimingReport | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const p = params as Record<string, unknown>;
  if (typeof p.uri !== 'string' || !p.uri) return undefined;
  const functions: TimedFunction[] = [];
  for (const f of Array.isArray(p.functions) ? p.functions : []) {
    const r = f as Record<string, unknown>;
    if (r && typeof r.qualname === 'string' && isLine(r.line) && isNum(r.self_s) && isNum(r.cum_s)) {
      functions.push({
        qualname: r.qualname,
        line: r.line,
        selfS: r.self_s,
        cumS: r.cum_s,
        share: isNum(r.share) ? clampShare(r.share) : 0,
      });
    }
  }
  // One entry per line: a line can appear once per function running it (e.g. a comprehension
  // and its enclosing function), and one label per line reads better than two.
  const byLine = new Map<number, HotLine>();
  for (const h of Array.isArray(p.hot_lines) ? p.hot_lines : []) {
    const r = h as Record<string, unknown>;
    if (r && isLine(r.line) && isNum(r.self_s)) {
      const share = isNum(r.share) ? clampShare(r.share) : 0;
      const prev = byLine.get(r.line);
      byLine.set(
        r.line,
        prev
          ? { line: r.line, selfS: prev.selfS + r.self_s, share: clampShare(prev.share + share) }
          : { line: r.line, selfS: r.self_s, share },
      );
    }
  }
  const hotLines = [...byLine.values()];
  hotLines.sort((a, b) => b.share - a.share || b.selfS - a.selfS);
  return {
    uri: p.uri,
    functions,
    hotLines: hotLines.slice(0, MAX_HOT_LINES),
    summary: typeof p.summary === 'string' ? p.summary : '',
  };
}

export function formatSeconds(s: number): string {
  if (s < 0.001) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 1 : 0)} ms`;
  return `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

export function formatShare(share: number): string {
  const pct = share * 100;
  return pct < 1 && pct > 0 ? '<1%' : `${pct.toFixed(0)}%`;
}

export type Heat = 'high' | 'medium' | 'low';

export function heat(share: number): Heat {
  return share >= 0.3 ? 'high' : share >= 0.1 ? 'medium' : 'low';
}

/** The text drawn after a hot line, e.g. "412 ms · 37% of run time" (no emoji: not every font has it). */
export function hotLineLabel(h: HotLine): string {
  return `${formatSeconds(h.selfS)} · ${formatShare(h.share)} of run time`;
}

export type HoneState = 'idle' | 'analysing' | 'error' | 'off' | 'starting' | 'stopped';

export interface StatusView {
  state: HoneState;
  text: string;
  tooltip: string;
  error: boolean;
}

const STATES: readonly string[] = ['idle', 'analysing', 'error', 'off'];

export function parseStatus(params: unknown): { state: HoneState; reason?: string } | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const p = params as Record<string, unknown>;
  if (typeof p.state !== 'string' || !STATES.includes(p.state)) return undefined;
  return { state: p.state as HoneState, reason: typeof p.reason === 'string' && p.reason ? p.reason : undefined };
}

export function statusView(state: HoneState, reason?: string): StatusView {
  const why = reason ? `\n${reason}` : '';
  switch (state) {
    case 'idle':
      return { state, text: '$(check) hone', tooltip: `hone: idle${why}\nClick to show the output.`, error: false };
    case 'analysing':
      return { state, text: '$(sync~spin) hone', tooltip: `hone: analysing${why}`, error: false };
    case 'off':
      return {
        state,
        text: '$(circle-slash) hone: LLM off',
        tooltip: `hone: rules are on, LLM analysis is off${why}\nSet hone.llm.baseUrl to turn it on.`,
        error: false,
      };
    case 'error':
      return { state, text: '$(error) hone', tooltip: `hone: error${why}\nClick to show the output.`, error: true };
    case 'starting':
      return { state, text: '$(loading~spin) hone', tooltip: 'hone: starting the server', error: false };
    case 'stopped':
      return {
        state,
        text: '$(error) hone: stopped',
        tooltip: `hone: the server is not running${why}\nClick to show the output.`,
        error: true,
      };
  }
}

/** vscode-languageclient's log line for a server that exited with code 0 (a normal stop). */
export function isNormalExitLine(line: string): boolean {
  return /^\[Error\s*-[^\]]*\] Server process exited with code 0\.$/.test(line);
}
