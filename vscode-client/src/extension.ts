/**
 * hone for VS Code: starts `hone serve` over stdio with vscode-languageclient and adds what the
 * protocol alone does not give: the palette commands, the status bar item (`hone/status`), the
 * drawing of timing reports (`hone/timingReport`: hot lines in the editor, the whole report in a
 * read-only view that the ⏱ lenses open), per-folder settings and the API key from SecretStorage.  The decisions live in pure modules (settings, interpreter, report) that are
 * unit-tested without VS Code.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as vscode from 'vscode';
import {
  type ConfigurationParams,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { planServer } from './interpreter';
import { makeProbe } from './probe';
import { onInterpreterChanged, selectedInterpreter } from './python';
import { type HoneState, isNormalExitLine, parseStatus, parseTimingReport, statusView } from './report';
import { parseFullReport } from './reportText';
import { ReportView } from './reportView';
import {
  RESTART_KEYS,
  clientSettings,
  expandPath,
  serverKeysFromPackageJson,
  serverSettings,
} from './settings';
import { TimingView } from './timingView';
import { unpackedDeps } from './unpack';

const SECRET_KEY = 'hone.llm.apiKey';
const FIX_ALL_KIND = 'source.fixAll.hone';
/** The server command of the ⏱ lenses (it only logs the report); the client opens its view instead. */
const SERVER_SHOW_REPORT = 'hone.showTimingReport';
const SHOW_REPORT = 'hone.cmd.showTimingReport';

let hone: Hone | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  hone = new Hone(context);
  context.subscriptions.push(hone);
  await hone.start();
}

export async function deactivate(): Promise<void> {
  await hone?.stop();
}

class Hone implements vscode.Disposable {
  private readonly output: vscode.LogOutputChannel;
  private readonly status: vscode.StatusBarItem;
  private readonly timing: TimingView;
  private readonly reportView: ReportView;
  private readonly serverKeys: string[];
  private readonly disposables: vscode.Disposable[] = [];
  private client: LanguageClient | undefined;
  /** Start/stop/restart run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('hone', { log: true });
    this.status = vscode.window.createStatusBarItem('hone.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'hone';
    this.status.command = 'hone.cmd.showOutput'; // the log: reports have their own view
    this.timing = new TimingView(context.extensionUri);
    this.reportView = new ReportView();
    this.serverKeys = serverKeysFromPackageJson(context.extension.packageJSON);
    this.setStatus('starting');
    this.status.show();

    const cmd = (id: string, fn: (...args: unknown[]) => unknown): void => {
      this.disposables.push(vscode.commands.registerCommand(id, fn));
    };
    cmd('hone.cmd.runWithTiming', () => this.runWithTiming());
    cmd('hone.cmd.cancelRun', () => this.cancelRun());
    cmd('hone.cmd.analyseFileWithLLM', () => this.analyseWithLLM());
    cmd('hone.cmd.fixAll', () => this.fixAll());
    cmd('hone.cmd.restart', () => this.restart());
    cmd('hone.cmd.showOutput', () => this.output.show(true));
    cmd('hone.cmd.clearLLMCache', () => this.clearLLMCache());
    cmd('hone.cmd.setApiKey', () => this.setApiKey());
    cmd('hone.cmd.clearApiKey', () => this.clearApiKey());
    cmd('hone.cmd.clearTimingReport', () => this.timing.clear());
    cmd(SHOW_REPORT, (arg) => this.showTimingReport(arg));

    this.disposables.push(
      this.output,
      this.status,
      this.timing,
      this.reportView,
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        // The server lifts its restrictions at once (no restart): it may now verify and run.
        this.output.info('workspace trusted: hone may now run code of this workspace');
        void this.client?.sendNotification('hone/didGrantTrust', {}).catch(() => undefined);
        void this.client
          ?.sendNotification(DidChangeConfigurationNotification.type, { settings: { hone: this.settingsFor(undefined) } })
          .catch(() => undefined);
      }),
    );
    void onInterpreterChanged(() => {
      const s = this.readClientSettings();
      if (!s.path && !s.interpreter && vscode.workspace.isTrusted) {
        this.output.info('the Python extension selected another interpreter: restarting the server');
        void this.restart();
      }
    }).then((d) => d && this.disposables.push(d));
  }

  // -- lifecycle ----------------------------------------------------------------------------

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job, job).catch((e) => this.output.error(`hone: ${String(e)}`));
    return this.queue;
  }

  private async doStart(): Promise<void> {
    this.setStatus('starting');
    const result = await planServer(
      {
        settings: this.readClientSettings(),
        trusted: vscode.workspace.isTrusted,
        pythonExtension: vscode.workspace.isTrusted ? await selectedInterpreter(this.firstFolder(), (m) => this.output.warn(m)) : undefined,
        bundledLibs: await this.bundledLibs(),
        systemPythons: process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python'],
      },
      makeProbe(),
    );
    for (const w of result.warnings) this.output.warn(w);
    if (!result.ok) {
      this.output.error(result.error);
      this.setStatus('stopped', result.error);
      void this.showError(`hone: ${result.error.split('\n')[0]}`);
      return;
    }
    this.output.info(`starting ${result.plan.description}`);

    const env = { ...process.env, ...result.plan.env, ...(await this.apiKeyEnv()) };
    const serverOptions: ServerOptions = {
      command: result.plan.command,
      args: result.plan.args,
      transport: TransportKind.stdio,
      options: { env, cwd: this.firstFolder()?.fsPath ?? os.homedir() },
    };
    const client = new LanguageClient('hone', 'hone', serverOptions, this.clientOptions());
    // Tell the server we draw timing reports ourselves (it then skips its showMessage summary).
    client.registerFeature({
      fillClientCapabilities: (caps) => {
        caps.experimental = { ...(caps.experimental as object | undefined), honeTimingReport: true };
      },
      initialize: () => undefined,
      getState: () => ({ kind: 'static' }),
      clear: () => undefined,
    });
    client.onNotification('hone/status', (params: unknown) => {
      const s = parseStatus(params);
      if (s) this.setStatus(s.state, s.reason);
    });
    client.onNotification('hone/timingReport', (params: unknown) => this.onTimingReport(params));
    client.onDidChangeState((e) => {
      // (a client being replaced by a restart is no longer this.client: its stop is expected)
      if (e.newState === State.Stopped && !this.stopping && this.client === client) {
        this.setStatus('stopped', 'the server stopped; run "hone: Restart server" to start it again');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.setStatus('idle');
      this.output.info('server started');
    } catch (e) {
      const msg = `the server failed to start: ${e instanceof Error ? e.message : String(e)}`;
      this.output.error(msg);
      this.setStatus('stopped', msg);
      void this.showError(`hone: ${msg}`);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      await client.stop(5000);
    } catch (e) {
      this.output.warn(`stopping the server: ${String(e)}`);
    } finally {
      this.stopping = false;
      await client.dispose().catch(() => undefined);
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'untitled', language: 'python' },
        { scheme: 'vscode-notebook-cell', language: 'python' },
      ],
      outputChannel: quietNormalExit(this.output),
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // workspaceTrusted: VS Code's workspace trust decides whether hone may run workspace code.
      initializationOptions: { ...this.settingsFor(undefined), workspaceTrusted: vscode.workspace.isTrusted },
      middleware: {
        workspace: {
          configuration: (params, token, next) => this.answerConfiguration(params, token, next),
        },
        // The ⏱ lenses open the report view (a client command) rather than the server's logging.
        provideCodeLenses: async (document, token, next) => {
          const lenses = await next(document, token);
          return lenses?.map((lens) => clientLens(lens));
        },
        resolveCodeLens: async (lens, token, next) => {
          const resolved = await next(lens, token);
          return resolved ? clientLens(resolved) : resolved;
        },
      },
    };
  }

  // -- settings -----------------------------------------------------------------------------

  private readClientSettings(): ReturnType<typeof clientSettings> {
    const cfg = vscode.workspace.getConfiguration('hone', this.firstFolder());
    const s = clientSettings((k) => cfg.get(k));
    const vars = { workspaceFolder: this.firstFolder()?.fsPath, userHome: os.homedir() };
    return { ...s, path: expandPath(s.path, vars), interpreter: expandPath(s.interpreter, vars) };
  }

  /** The `hone` settings the user set for `scope` (a folder or document), nested. */
  private settingsFor(scope: vscode.Uri | undefined): Record<string, unknown> {
    const cfg = vscode.workspace.getConfiguration('hone', scope ?? null);
    return serverSettings((k) => cfg.inspect(k), this.serverKeys, vscode.workspace.isTrusted);
  }

  /** workspace/configuration: answer section "hone" ourselves (explicit values, no client keys). */
  private async answerConfiguration(
    params: ConfigurationParams,
    token: vscode.CancellationToken,
    next: (params: ConfigurationParams, token: vscode.CancellationToken) => unknown,
  ): Promise<unknown[]> {
    const answers: unknown[] = new Array(params.items.length);
    const others: number[] = [];
    params.items.forEach((item, i) => {
      const section = item.section ?? '';
      if (section === 'hone' || section.startsWith('hone.')) {
        let scope: vscode.Uri | undefined;
        try {
          scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri, true) : undefined;
        } catch {
          scope = undefined;
        }
        let value: unknown = this.settingsFor(scope);
        for (const part of section.split('.').slice(1)) {
          value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
        }
        answers[i] = value ?? null;
      } else {
        others.push(i);
      }
    });
    if (others.length) {
      const rest = await Promise.resolve(next({ items: others.map((i) => params.items[i]) }, token));
      others.forEach((i, j) => {
        answers[i] = Array.isArray(rest) ? rest[j] : null;
      });
    }
    return answers;
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration('hone')) return;
    if (RESTART_KEYS.some((k) => e.affectsConfiguration(`hone.${k}`))) {
      this.output.info('the server location settings changed: restarting the server');
      void this.restart();
      return;
    }
    if (e.affectsConfiguration('hone.llm.apiKeyEnv')) {
      // The key from SecretStorage is passed in the server's environment under that name.
      void this.restart();
      return;
    }
    // The server re-reads every folder's settings (workspace/configuration) on this notification.
    void this.client
      ?.sendNotification(DidChangeConfigurationNotification.type, { settings: { hone: this.settingsFor(undefined) } })
      .catch((err: unknown) => this.output.warn(`could not send the new settings: ${String(err)}`));
  }

  /**
   * The bundled server's import path: bundled/libs (hone) and its dependencies, which the .vsix
   * carries as one archive unpacked into the extension's storage on first use.
   */
  private async bundledLibs(): Promise<string | undefined> {
    const bundled = path.join(this.context.extensionPath, 'bundled');
    const libs = path.join(bundled, 'libs');
    if (!fs.existsSync(path.join(libs, 'hone', '__init__.py'))) return undefined;
    const archive = path.join(bundled, 'deps.pack.br');
    if (!fs.existsSync(archive)) return libs; // a development layout: everything in libs
    try {
      const deps = await unpackedDeps(archive, path.join(this.context.globalStorageUri.fsPath, 'bundled'));
      return `${libs}${path.delimiter}${deps}`;
    } catch (e) {
      this.output.error(`could not unpack the bundled server's dependencies: ${String(e)}`);
      return undefined;
    }
  }

  private firstFolder(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  // -- API key ------------------------------------------------------------------------------

  private apiKeyEnvName(): string {
    const v = vscode.workspace.getConfiguration('hone').get<string>('llm.apiKeyEnv');
    return typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? v : 'OPENAI_API_KEY';
  }

  /** The key from SecretStorage, under the variable the server reads; never written to settings or logs. */
  private async apiKeyEnv(): Promise<Record<string, string>> {
    const key = await this.context.secrets.get(SECRET_KEY);
    return key ? { [this.apiKeyEnvName()]: key } : {};
  }

  private async setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
      title: 'hone: LLM API key',
      prompt: `Stored in VS Code's secret storage and given to the server as $${this.apiKeyEnvName()}; never written to settings.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!key) return;
    await this.context.secrets.store(SECRET_KEY, key.trim());
    this.output.info('LLM API key stored in secret storage; restarting the server');
    await this.restart();
  }

  private async clearApiKey(): Promise<void> {
    await this.context.secrets.delete(SECRET_KEY);
    this.output.info('LLM API key removed from secret storage; restarting the server');
    await this.restart();
  }

  // -- commands -----------------------------------------------------------------------------

  private async serverCommand(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      void this.showError('hone: the server is not running (see the output).');
      return undefined;
    }
    try {
      return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args ? [args] : [] });
    } catch (e) {
      const msg = e instanceof ResponseError || e instanceof Error ? e.message : String(e);
      this.output.error(`${command} failed: ${msg}`);
      void this.showError(`hone: ${msg}`);
      return undefined;
    }
  }

  private pythonEditor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
      void vscode.window.showWarningMessage('hone: open a Python file first.');
      return undefined;
    }
    return editor;
  }

  private async runWithTiming(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('hone: "Run with timing" runs code, which is disabled in an untrusted workspace.');
      return;
    }
    const editor = this.pythonEditor();
    if (!editor) return;
    // The server shows the run's progress (with a cancel button) through $/progress and answers
    // when the run is over; the report itself arrives as hone/timingReport.
    await this.serverCommand('hone.runWithTiming', { uri: editor.document.uri.toString() });
  }

  private onTimingReport(params: unknown): void {
    const report = parseTimingReport(params);
    if (!report) {
      this.output.warn('ignored a malformed hone/timingReport notification');
      return;
    }
    this.timing.show(report);
    const full = parseFullReport(params);
    if (full) this.reportView.update({ ...full, uri: normaliseUri(full.uri) });
    if (report.summary) {
      this.output.info(`timing report for ${report.uri}:\n${report.summary}`);
      const first = report.summary.split('\n')[0];
      void vscode.window.showInformationMessage(`hone: ${first}`, 'Show report').then((choice) => {
        if (choice) void this.showTimingReport({ uri: report.uri });
      });
    }
  }

  /** Opens the timing report view: of the lens's document and function, else the active file's. */
  private async showTimingReport(arg: unknown): Promise<void> {
    const a = (typeof arg === 'object' && arg !== null ? arg : {}) as { uri?: unknown; function?: unknown };
    const uri = typeof a.uri === 'string' ? a.uri : vscode.window.activeTextEditor?.document.uri.toString();
    const func = typeof a.function === 'string' ? a.function : undefined;
    if (!uri || !(await this.reportView.open(normaliseUri(uri), func))) {
      void vscode.window.showInformationMessage('hone: no timing report for this file yet; run "hone: Run with timing" first.');
    }
  }

  private async analyseWithLLM(): Promise<void> {
    const editor = this.pythonEditor();
    if (!editor) return;
    await this.serverCommand('hone.analyseFileWithLLM', { uri: editor.document.uri.toString() });
  }

  private async clearLLMCache(): Promise<void> {
    const result = await this.serverCommand('hone.clearLLMCache');
    if (result !== undefined) {
      const removed = (result as { removed?: unknown } | null)?.removed;
      void vscode.window.showInformationMessage(
        `hone: LLM cache cleared${typeof removed === 'number' ? ` (${removed} entries)` : ''}.`,
      );
    }
  }

  private async cancelRun(): Promise<void> {
    const result = await this.serverCommand('hone.cancelRun');
    const message = (result as { message?: unknown } | null)?.message;
    if (typeof message === 'string' && message) {
      void vscode.window.showInformationMessage(`hone: ${message}`);
    }
  }

  private async fixAll(): Promise<void> {
    if (!this.pythonEditor()) return;
    await vscode.commands.executeCommand('editor.action.sourceAction', { kind: FIX_ALL_KIND, apply: 'first' });
  }

  // -- UI -----------------------------------------------------------------------------------

  private setStatus(state: HoneState, reason?: string): void {
    const view = statusView(state, reason);
    this.status.text = view.text;
    this.status.tooltip = view.tooltip;
    this.status.accessibilityInformation = { label: `hone status: ${view.state}` };
    this.status.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  private async showError(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, 'Show output');
    if (choice) this.output.show(true);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A ⏱ lens with the server's logging command replaced by the client's report view. */
function clientLens(lens: vscode.CodeLens): vscode.CodeLens {
  const command = lens.command;
  if (command && command.command === SERVER_SHOW_REPORT) {
    lens.command = { title: command.title, tooltip: 'Open the timing report', command: SHOW_REPORT, arguments: command.arguments };
  }
  return lens;
}

function normaliseUri(uri: string): string {
  try {
    return vscode.Uri.parse(uri, true).toString();
  } catch {
    return uri;
  }
}

/**
 * The output channel given to the language client. vscode-languageclient logs every end of the
 * server process as `[Error - …] Server process exited with code 0.`, which after a normal
 * restart (trusting the folder, a settings change) reads as a crash; exit code 0 is logged as
 * the info it is. Everything else goes through unchanged.
 */
export function quietNormalExit(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop, receiver) {
      if (prop === 'appendLine') {
        return (line: string): void => {
          if (isNormalExitLine(line)) target.info('the server process exited normally (exit code 0)');
          else target.appendLine(line);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
