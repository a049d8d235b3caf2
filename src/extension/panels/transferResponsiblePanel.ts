/**
 * Host side of the webview "Verantwortlichen ändern" (issue 8 §2–3, product.md §6): one panel per window, restored
 * after a reload by a {@link vscode.WebviewPanelSerializer} (the page keeps its draft with `setState` and asks for
 * fresh data on ready). Every request is validated by the shared protocol and answered by core, which enforces the
 * right (admin + Komfortpaket); the host keeps the last preview so that "apply" uses exactly what was shown.
 */
import * as vscode from 'vscode';
import { licensedSeats } from '../../core/license/licenseService';
import { planTransfer } from '../../core/responsibility/transferPlanner';
import type { TransferPlan } from '../../core/responsibility/transferPlanner';
import { MODULE_LICENSE_CODE, TRANSFER_MODULES, requireTransferRight } from '../../core/responsibility/transferRequest';
import type { TransferModule } from '../../core/responsibility/transferRequest';
import { confirmOnProduction } from '../productionGuard';
import { applyTransfer, transferHistory, undoTransfer } from '../../core/responsibility/transferService';
import type { TransferBatchSummary } from '../../core/responsibility/transferService';
import type { AsyncStore } from '../../core/store/asyncStore';
import type { Actor } from '../../core/access/rights';
import { listUsers } from '../../core/users/userQueries';
import { listObjects, listTeams } from '../../core/objects/objectQueries';
import type { MessageEndpoint } from '../../shared/protocol/endpoint';
import {
  PREVIEW_PAGE_SIZE,
  applyRequest,
  historyRequest,
  initRequest,
  pageRequest,
  prefillNotification,
  previewRequest,
  sessionChangedNotification,
  undoRequest,
} from '../../shared/protocol/responsibility';
import type {
  BatchView,
  InitView,
  PreviewView,
  RecordView,
  TransferDraft,
  TransferPrefill,
  TransferStrings,
  UndoView,
} from '../../shared/protocol/responsibility';
import { nodeOf } from '../../providers/tree/treeNode';
import { localizedMessage } from '../errors';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';
import { connectWebview } from '../webview/webviewHost';

/** The one record of the open "Verantwortlichen ändern" panel of a window (owned here, not in a services bag). */
export class TransferPanels {
  /** the open panel, if any */
  open: TransferResponsiblePanel | undefined;
}

/** The panel's view type (also the serializer's). */
export const TRANSFER_VIEW_TYPE = 'ixhaus.transferResponsible';

/** Localized module names (iX-Haus terms in German). */
export function moduleLabel(module: TransferModule): string {
  switch (module) {
    case 'objects':
      return vscode.l10n.t('Objects');
    case 'meldungen':
      return vscode.l10n.t('Meldungen (reports)');
    case 'auftraege':
      return vscode.l10n.t('Aufträge (work orders)');
    case 'technical_objects':
      return vscode.l10n.t('Technical objects');
  }
}

/** The page's strings, localized here (the page has no access to `vscode.l10n`). */
export function transferStrings(): TransferStrings {
  return {
    title: vscode.l10n.t('Change responsible person'),
    from: vscode.l10n.t('Previous responsible user'),
    to: vscode.l10n.t('New responsible user'),
    pickUser: vscode.l10n.t('Search by login or name'),
    scope: vscode.l10n.t('Scope'),
    scopeAll: vscode.l10n.t('All objects'),
    scopeObjects: vscode.l10n.t('Chosen objects'),
    pickObjects: vscode.l10n.t('Search by Objektnummer or name'),
    team: vscode.l10n.t('Team'),
    teamAny: vscode.l10n.t('All teams'),
    modules: vscode.l10n.t('Modules'),
    roles: vscode.l10n.t('Roles'),
    roleResponsible: vscode.l10n.t('Responsible'),
    roleDeputy: vscode.l10n.t('Deputy'),
    includeClosed: vscode.l10n.t('Also closed records (Meldungen, Aufträge)'),
    preview: vscode.l10n.t('Preview'),
    total: vscode.l10n.t('{0} assignments from {1} to {2}'),
    module: vscode.l10n.t('Module'),
    role: vscode.l10n.t('Role'),
    count: vscode.l10n.t('Count'),
    object: vscode.l10n.t('Object'),
    record: vscode.l10n.t('Record'),
    closed: vscode.l10n.t('closed'),
    page: vscode.l10n.t('Records {0}–{1} of {2}'),
    prev: vscode.l10n.t('Previous page'),
    next: vscode.l10n.t('Next page'),
    apply: vscode.l10n.t('Apply'),
    confirm: vscode.l10n.t('Transfer {0} assignments from {1} to {2}? You can undo it afterwards.'),
    confirmYes: vscode.l10n.t('Yes, apply'),
    cancel: vscode.l10n.t('Cancel'),
    done: vscode.l10n.t('Done: batch {0} transferred {1} assignments from {2} to {3}.'),
    undo: vscode.l10n.t('Undo'),
    undone: vscode.l10n.t('Batch {0} undone: {1} assignments restored.'),
    undoSkipped: vscode.l10n.t('{0} assignments changed since the transfer and were left alone:'),
    history: vscode.l10n.t('History'),
    historyEmpty: vscode.l10n.t('No transfers yet.'),
    when: vscode.l10n.t('When'),
    by: vscode.l10n.t('By'),
    fromTo: vscode.l10n.t('From → to'),
    state: vscode.l10n.t('State'),
    stateUndone: vscode.l10n.t('undone {0}'),
    stateDone: vscode.l10n.t('applied'),
    working: vscode.l10n.t('Working…'),
    inactive: vscode.l10n.t('inactive'),
    uncoupled: vscode.l10n.t('not coupled'),
    notLicensed: vscode.l10n.t('not licensed'),
    stale: vscode.l10n.t('The form changed since the preview; preview again before applying.'),
    blocked: vscode.l10n.t('Resolve the errors above before applying.'),
    error: vscode.l10n.t('Error'),
  };
}

function roleLabel(role: string): string {
  return role === 'deputy' ? vscode.l10n.t('Deputy') : vscode.l10n.t('Responsible');
}

function batchView(b: TransferBatchSummary): BatchView {
  return {
    batchId: b.batchId,
    at: b.at,
    by: b.by,
    from: b.from,
    to: b.to,
    total: b.total,
    counts: b.counts,
    undoneAt: b.undoneAt,
    undoRestored: b.undoRestored,
    undoSkipped: b.undoSkipped,
  };
}

function recordView(plan: TransferPlan, offset: number): RecordView[] {
  return plan.assignments.slice(offset, offset + PREVIEW_PAGE_SIZE).map((a) => ({
    objectNo: a.objectNo,
    objectName: a.objectName,
    module: a.module,
    role: a.role,
    recordNo: a.recordNo,
    label: a.label,
    closed: a.closed,
  }));
}

/** What the command got: a user node of Module & Benutzer, a prefill object, or nothing. */
export function prefillFromArg(arg: unknown): TransferPrefill | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const userNode = nodeOf(arg, 'user');
  if (userNode) return { fromLogin: userNode.data.user.login };
  const a = arg as { fromLogin?: unknown; toLogin?: unknown; objectNos?: unknown };
  const prefill: { fromLogin?: string; toLogin?: string; objectNos?: number[] } = {};
  if (typeof a.fromLogin === 'string') prefill.fromLogin = a.fromLogin;
  if (typeof a.toLogin === 'string') prefill.toLogin = a.toLogin;
  if (Array.isArray(a.objectNos))
    prefill.objectNos = a.objectNos.filter((n): n is number => Number.isSafeInteger(n) && n > 0);
  return Object.keys(prefill).length > 0 ? prefill : undefined;
}

/** The one "Verantwortlichen ändern" panel of a window. */
export class TransferResponsiblePanel implements vscode.Disposable {
  private lastPlan: TransferPlan | undefined;
  private pendingPrefill: TransferPrefill | undefined;
  private readonly endpoint: MessageEndpoint;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    prefill: TransferPrefill | undefined,
    private readonly onDispose: () => void,
  ) {
    this.pendingPrefill = prefill;
    this.endpoint = connectWebview(panel, {
      extensionUri: services.context.extensionUri,
      name: 'responsibility',
      title: vscode.l10n.t('Change responsible person'),
      strings: transferStrings(),
      logger: services.logger,
    });
    this.endpoint.onRequest(initRequest, () => this.init());
    this.endpoint.onRequest(previewRequest, (draft) => this.preview(draft));
    this.endpoint.onRequest(pageRequest, ({ offset }) => (this.lastPlan ? recordView(this.lastPlan, offset) : []));
    this.endpoint.onRequest(applyRequest, ({ fingerprint }) => this.apply(fingerprint));
    this.endpoint.onRequest(undoRequest, ({ batchId }) => this.undo(batchId));
    this.endpoint.onRequest(historyRequest, () => this.history());
    const changed = (): void => {
      this.lastPlan = undefined;
      this.endpoint.notify(sessionChangedNotification, {});
    };
    this.disposables.push(services.session.onDidChange(changed), services.storeHost.onDidChangeStore(changed));
    panel.onDidDispose(() => this.dispose());
  }

  /**
   * Opens (or reveals and prefills) the panel.
   * @param prefill from-user / to-user / objects taken from a tree selection or command argument
   */
  static show(services: Services, prefill: TransferPrefill | undefined): TransferResponsiblePanel {
    const existing = services.transferPanels.open;
    if (existing) {
      existing.panel.reveal();
      if (prefill) existing.endpoint.notify(prefillNotification, prefill);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      TRANSFER_VIEW_TYPE,
      vscode.l10n.t('Change responsible person'),
      vscode.ViewColumn.Active,
      { enableScripts: true },
    );
    return TransferResponsiblePanel.adopt(services, panel, prefill);
  }

  /** Wraps a new or serializer-restored panel. */
  static adopt(
    services: Services,
    panel: vscode.WebviewPanel,
    prefill: TransferPrefill | undefined,
  ): TransferResponsiblePanel {
    const created = new TransferResponsiblePanel(panel, services, prefill, () => {
      if (services.transferPanels.open === created) services.transferPanels.open = undefined;
    });
    services.transferPanels.open = created;
    return created;
  }

  /**
   * Runs one request as the page would send it (same validation, same handlers) and returns the reply's result.
   * For the in-host tests. @throws Error with the localized error text of a failed request
   */
  invoke(method: string, params: unknown): Promise<unknown> {
    return this.endpoint.invokeAsPeer(method, params);
  }

  private context(): { store: AsyncStore; actor: Actor } {
    return requireSignedIn(this.services);
  }

  private async init(): Promise<InitView> {
    const prefill = this.pendingPrefill ?? null;
    this.pendingPrefill = undefined;
    const empty: InitView = { blocked: null, users: [], teams: [], objects: [], modules: [], history: [], prefill };
    let c: { store: AsyncStore; actor: Actor };
    try {
      c = this.context();
      await requireTransferRight(c.store, c.actor);
    } catch (error) {
      return { ...empty, blocked: localizedMessage(error) };
    }
    const { store, actor } = c;
    const now = new Date();
    const modules = [];
    for (const m of TRANSFER_MODULES)
      modules.push({
        module: m,
        name: moduleLabel(m),
        licensed: ((await licensedSeats(store, MODULE_LICENSE_CODE[m], now))?.seats ?? 0) > 0,
      });
    return {
      blocked: null,
      users: (await listUsers(store)).map((u) => ({
        login: u.login,
        name: `${u.firstName} ${u.lastName}`.trim(),
        active: u.active,
        coupled: u.coupled,
      })),
      teams: await listTeams(store),
      objects: (await listObjects(store)).map((o) => ({ objectNo: o.objectNo, name: o.name, team: o.team })),
      modules,
      history: (await transferHistory(store, actor)).map(batchView),
      prefill,
    };
  }

  private async preview(draft: TransferDraft): Promise<PreviewView> {
    const { store, actor } = this.context();
    this.lastPlan = undefined;
    if (draft.scope === 'objects' && draft.objectNos.length === 0)
      throw new Error(vscode.l10n.t('Choose at least one object, or switch the scope to all objects.'));
    const plan = await planTransfer(store, actor, {
      fromLogin: draft.fromLogin,
      toLogin: draft.toLogin,
      ...(draft.scope === 'objects' ? { objectNos: draft.objectNos } : {}),
      ...(draft.team !== '' ? { team: draft.team } : {}),
      modules: draft.modules,
      roles: draft.roles,
      includeClosed: draft.includeClosed,
    });
    this.lastPlan = plan;
    return {
      from: plan.from.login,
      to: plan.to.login,
      total: plan.total,
      counts: plan.counts,
      warnings: plan.warnings.map((w) => ({
        code: w.code,
        blocking: w.blocking,
        text: vscode.l10n.t(w.template, ...w.args),
      })),
      fingerprint: plan.fingerprint,
      records: recordView(plan, 0),
    };
  }

  private async apply(fingerprint: string): Promise<BatchView> {
    const { store, actor } = this.context();
    const plan = this.lastPlan;
    if (!plan || plan.fingerprint !== fingerprint)
      throw new Error(vscode.l10n.t('The form changed since the preview; preview again before applying.'));
    // the panel has no command arguments: in the test extension mode the in-host tests drive it without the dialog
    const action = vscode.l10n.t('Change the responsible person of {0} assignments', plan.total);
    if (!(await confirmOnProduction(this.services, action, true)))
      throw new Error(vscode.l10n.t('Not applied: the change on the Produktion system was not confirmed.'));
    const result = await applyTransfer(store, actor, plan.request, plan.fingerprint, plan.total);
    this.lastPlan = undefined;
    this.services.refreshViews();
    this.services.logger.info(
      `[responsible] batch ${result.batchId}: ${result.total} assignment(s) ${result.from} → ${result.to} by ${actor.login}`,
    );
    return {
      batchId: result.batchId,
      at: result.at,
      by: actor.login,
      from: result.from,
      to: result.to,
      total: result.total,
      counts: result.counts,
      undoneAt: null,
      undoRestored: null,
      undoSkipped: null,
    };
  }

  private async undo(batchId: string): Promise<UndoView> {
    const { store, actor } = this.context();
    const result = await undoTransfer(store, actor, batchId);
    this.services.refreshViews();
    this.services.logger.info(
      `[responsible] batch ${batchId} undone by ${actor.login}: ${result.restored} restored, ${result.skipped.length} changed since`,
    );
    return {
      batchId,
      restored: result.restored,
      skipped: result.skipped.map((s) =>
        vscode.l10n.t(
          '{0} {1}, {2}{3}: now {4}',
          String(s.objectNo ?? '?'),
          moduleLabel(s.module),
          roleLabel(s.role),
          s.recordId === null ? '' : ` #${s.recordId}`,
          s.nowHeldBy ?? vscode.l10n.t('deleted'),
        ),
      ),
    };
  }

  private async history(): Promise<BatchView[]> {
    const { store, actor } = this.context();
    return (await transferHistory(store, actor)).map(batchView);
  }

  dispose(): void {
    this.onDispose();
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}
