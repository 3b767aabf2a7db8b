/**
 * Draws `hone/timingReport` in the editor: each hot line gets a gutter mark, a tinted line and its
 * time and share of the run after the code.  A report is dropped as soon as its document changes
 * (the line numbers would lie), and re-applied when its editor becomes visible again.
 * Per-function figures are the server's code lenses, not drawn here.
 */

import * as vscode from 'vscode';

import { type Heat, type TimingReport, heat, hotLineLabel } from './report';

const STYLES: Record<Heat, { background: string; ruler: string; icon: string }> = {
  high: { background: 'rgba(255, 80, 40, 0.22)', ruler: 'rgba(255, 80, 40, 0.9)', icon: 'hot-high.svg' },
  medium: { background: 'rgba(255, 160, 40, 0.16)', ruler: 'rgba(255, 160, 40, 0.8)', icon: 'hot-medium.svg' },
  low: { background: 'rgba(255, 210, 60, 0.10)', ruler: 'rgba(255, 210, 60, 0.6)', icon: 'hot-low.svg' },
};

export class TimingView implements vscode.Disposable {
  private readonly reports = new Map<string, TimingReport>();
  private readonly types: Record<Heat, vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(extensionUri: vscode.Uri) {
    const make = (h: Heat): vscode.TextEditorDecorationType =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: STYLES[h].background,
        overviewRulerColor: STYLES[h].ruler,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        gutterIconPath: vscode.Uri.joinPath(extensionUri, 'resources', STYLES[h].icon),
        gutterIconSize: 'contain',
        after: {
          margin: '0 0 0 2em',
          color: new vscode.ThemeColor('editorCodeLens.foreground'),
          fontStyle: 'italic',
        },
      });
    this.types = { high: make('high'), medium: make('medium'), low: make('low') };
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) {
          this.clear(e.document.uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((ed) => this.draw(ed))),
    );
  }

  /** Shows `report`, replacing any earlier one for the same document. */
  show(report: TimingReport): void {
    const key = normalise(report.uri);
    this.reports.set(key, report);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === key) {
        this.draw(editor);
      }
    }
  }

  has(uri: vscode.Uri): boolean {
    return this.reports.has(uri.toString());
  }

  clear(uri?: vscode.Uri): void {
    if (uri) {
      if (!this.reports.delete(uri.toString())) {
        return;
      }
    } else {
      this.reports.clear();
    }
    for (const editor of vscode.window.visibleTextEditors) {
      if (!uri || editor.document.uri.toString() === uri.toString()) {
        this.draw(editor);
      }
    }
  }

  private draw(editor: vscode.TextEditor): void {
    const report = this.reports.get(editor.document.uri.toString());
    const byHeat: Record<Heat, vscode.DecorationOptions[]> = { high: [], medium: [], low: [] };
    for (const h of report?.hotLines ?? []) {
      if (h.line >= editor.document.lineCount) {
        continue;
      }
      const end = editor.document.lineAt(h.line).range.end;
      byHeat[heat(h.share)].push({
        range: new vscode.Range(end, end),
        hoverMessage: new vscode.MarkdownString(`**hone** — ${hotLineLabel(h)}`),
        renderOptions: { after: { contentText: hotLineLabel(h) } },
      });
    }
    for (const h of ['high', 'medium', 'low'] as const) {
      editor.setDecorations(this.types[h], byHeat[h]);
    }
  }

  dispose(): void {
    for (const t of Object.values(this.types)) t.dispose();
    for (const d of this.disposables) d.dispose();
    this.reports.clear();
  }
}

function normalise(uri: string): string {
  try {
    return vscode.Uri.parse(uri, true).toString();
  } catch {
    return uri;
  }
}
