import * as vscode from 'vscode';
import type { JournalEntry } from '../../core/cti/callJournal';
import type { InstalledLicense, InstalledModule } from '../../core/license/installedLicenses';
import type { ObjectParty, ObjectRow } from '../../core/objects/objectQueries';
import type { JobState } from '../../core/scheduler/scheduler';
import type { SettingState } from '../../core/settings/settingsService';
import type { UserSummary } from '../../core/users/userQueries';
import type { CustomerSystem } from '../../core/systems/systems';

/** A module as the "Module & Benutzer" view sums it over all installed licenses. */
export interface ModuleSeats {
  readonly code: string;
  readonly name: string;
  readonly seats: number;
  readonly seatsUsed: number;
}

/**
 * What each kind of node shows: the core object itself (DESIGN.md §4b), so that commands read it from the node
 * instead of parsing the node's id.
 */
export interface NodeData {
  readonly license: InstalledLicense;
  readonly licenseModule: { readonly license: InstalledLicense; readonly module: InstalledModule };
  /** a heading without data of its own ("Module", "Benutzer", a settings area, a scheduler group …) */
  readonly group: { readonly label: string };
  readonly module: ModuleSeats;
  /** a user, under a module that the user has unlocked (`module`) or in the plain user list */
  readonly user: { readonly user: UserSummary; readonly module: string | undefined };
  readonly object: ObjectRow;
  readonly party: ObjectParty;
  readonly setting: SettingState;
  readonly job: JobState;
  readonly journalEntry: JournalEntry;
  /** a customer system (issue 20): whether it is this window's active one, and why it could not be opened */
  readonly system: { readonly system: CustomerSystem; readonly active: boolean; readonly failure: string | undefined };
}

/** The kinds of tree nodes. */
export type NodeKind = keyof NodeData;

/** A node of one of the suite's trees: its kind and data, and a fresh TreeItem on every call (DESIGN.md §3). */
export interface TreeNode<K extends NodeKind = NodeKind> {
  /** stable hierarchical id (`license/DEMO-0001/module/CTI`), for VS Code's tree state only — never parsed */
  readonly id: string;
  readonly kind: K;
  readonly data: NodeData[K];
  treeItem(): vscode.TreeItem;
  /** the node's children; may read the store (asynchronous on both backends, issue 19) */
  children?(): TreeNode[] | Promise<TreeNode[]>;
}

/** The node `value` when it is a tree node of `kind` (commands get nodes from menus, or anything from scripts). */
export function nodeOf<K extends NodeKind>(value: unknown, kind: K): TreeNode<K> | undefined {
  const n = value as Partial<TreeNode> | undefined;
  return typeof n === 'object' &&
    n !== null &&
    n.kind === kind &&
    typeof n.treeItem === 'function' &&
    n.data !== undefined
    ? (n as TreeNode<K>)
    : undefined;
}

/** Label and description of an item as one sentence for screen readers. */
export function accessibleLabel(item: vscode.TreeItem): string {
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const description = typeof item.description === 'string' ? item.description : '';
  return [label, description].filter((part) => part !== '').join(', ');
}

/** Builds a `contextValue` from tokens (`;license;demo;`), to be matched with `viewItem =~ /;demo;/`. */
export function contextValue(...tokens: Array<string | false | undefined>): string {
  return `;${tokens.filter((t): t is string => typeof t === 'string' && t.length > 0).join(';')};`;
}

/**
 * A TreeDataProvider over {@link TreeNode}s whose roots come from a function; `refresh()` re-reads them. The nodes
 * of one refresh are kept (with their parents), so that `TreeView.reveal` finds the very objects it showed.
 */
export class NodeTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private rootCache: Promise<TreeNode[]> | undefined;
  private childCache = new Map<string, Promise<TreeNode[]>>();
  private parents = new Map<string, TreeNode>();

  constructor(private readonly roots: () => TreeNode[] | Promise<TreeNode[]>) {}

  refresh(): void {
    this.rootCache = undefined;
    this.childCache = new Map();
    this.parents = new Map();
    this.emitter.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = node.treeItem();
    item.id = node.id;
    // what a screen reader says: label and description (the state an icon shows is also in the description)
    item.accessibilityInformation ??= { label: accessibleLabel(item) };
    return item;
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return (this.rootCache ??= Promise.resolve(this.roots()));
    let children = this.childCache.get(node.id);
    if (!children) {
      children = Promise.resolve(node.children?.() ?? []).then((list) => {
        for (const child of list) this.parents.set(child.id, node);
        return list;
      });
      this.childCache.set(node.id, children);
    }
    return children;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.parents.get(node.id);
  }

  /** All nodes below the roots, depth first (expands every branch once, for searching and "next hit"). */
  async allNodes(): Promise<TreeNode[]> {
    const out: TreeNode[] = [];
    const walk = async (nodes: TreeNode[]): Promise<void> => {
      for (const n of nodes) {
        out.push(n);
        await walk(await this.getChildren(n));
      }
    };
    await walk(await this.getChildren());
    return out;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A leaf or branch node of `kind` showing `data`. */
export function node<K extends NodeKind>(
  id: string,
  kind: K,
  data: NodeData[K],
  build: () => vscode.TreeItem,
  children?: () => TreeNode[] | Promise<TreeNode[]>,
): TreeNode<K> {
  return children ? { id, kind, data, treeItem: build, children } : { id, kind, data, treeItem: build };
}

/** A heading node (kind `group`). */
export function groupNode(
  id: string,
  label: string,
  build: () => vscode.TreeItem,
  children: () => TreeNode[] | Promise<TreeNode[]>,
): TreeNode<'group'> {
  return node(id, 'group', { label }, build, children);
}
