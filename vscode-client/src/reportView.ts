/**
 * The timing report view: a read-only virtual document (`hone-report:` scheme) per Python file
 * with the whole report of its last run — per-function table, hottest lines, output — opened by
 * the ⏱ code lenses, the notification's "Show report" button and *hone: Show timing report*.
 * Each `file:line` in it is a link to that line of the code.
 */

import * as vscode from 'vscode';

import { type FullReport, type RenderedReport, basename, renderReport } from './reportText';

export const REPORT_SCHEME = 'hone-report';

export class ReportView implements vscode.Disposable, vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider {
  private readonly reports = new Map<string, FullReport>();
  private readonly rendered = new Map<string, RenderedReport>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidChange = this.changed.event;

  constructor() {
    this.disposables.push(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this),
      vscode.languages.registerDocumentLinkProvider({ scheme: REPORT_SCHEME }, this),
    );
  }

  /** The view's URI for a Python document's report (its title is "slow.py — timing report"). */
  viewUri(docUri: string): vscode.Uri {
    const name = basename(vscode.Uri.parse(docUri).path);
    return vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${name} — timing report`, query: docUri });
  }

  /** Stores a new report (an open view of it is updated in place). */
  update(report: FullReport): void {
    this.reports.set(report.uri, report);
    this.rendered.delete(report.uri);
    this.changed.fire(this.viewUri(report.uri));
  }

  has(docUri: string): boolean {
    return this.reports.has(docUri);
  }

  /** Opens the report of `docUri` beside the code, at `func`'s row when given. */
  async open(docUri: string, func?: string): Promise<boolean> {
    if (!this.reports.has(docUri)) return false;
    const doc = await vscode.workspace.openTextDocument(this.viewUri(docUri));
    const row = func ? this.render(docUri)?.functionRows.get(func) : undefined;
    const at = new vscode.Position(row ?? 0, 0);
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
      selection: new vscode.Range(at, at),
    });
    return true;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.render(uri.query)?.text ?? 'hone: no timing report for this file (run it with "hone: Run with timing").\n';
  }

  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const rendered = this.render(document.uri.query);
    if (!rendered) return [];
    return rendered.targets
      .filter((t) => t.row < document.lineCount)
      .map((t) => {
        const target = vscode.Uri.file(t.file).with({ fragment: `L${t.line}` });
        const link = new vscode.DocumentLink(new vscode.Range(t.row, t.start, t.row, t.end), target);
        link.tooltip = `Go to line ${t.line} of ${basename(t.file)}`;
        return link;
      });
  }

  private render(docUri: string): RenderedReport | undefined {
    const report = this.reports.get(docUri);
    if (!report) return undefined;
    let rendered = this.rendered.get(docUri);
    if (!rendered) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === docUri);
      const source = doc ? Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text) : undefined;
      rendered = renderReport(report, source);
      this.rendered.set(docUri, rendered);
    }
    return rendered;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.reports.clear();
    this.rendered.clear();
  }
}
