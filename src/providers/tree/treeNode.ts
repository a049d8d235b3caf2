import * as vscode from 'vscode';

/** A node of one of the suite's trees: holds its data and builds a fresh TreeItem on every call (DESIGN.md §3). */
export interface TreeNode {
  /** stable hierarchical id (`license/DEMO-0001/module/CTI`) */
  readonly id: string;
  treeItem(): vscode.TreeItem;
  children?(): TreeNode[];
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
  private rootCache: TreeNode[] | undefined;
  private childCache = new Map<string, TreeNode[]>();
  private parents = new Map<string, TreeNode>();

  constructor(private readonly roots: () => TreeNode[]) {}

  refresh(): void {
    this.rootCache = undefined;
    this.childCache = new Map();
    this.parents = new Map();
    this.emitter.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = node.treeItem();
    item.id = node.id;
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return (this.rootCache ??= this.roots());
    let children = this.childCache.get(node.id);
    if (!children) {
      children = node.children?.() ?? [];
      this.childCache.set(node.id, children);
      for (const child of children) this.parents.set(child.id, node);
    }
    return children;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.parents.get(node.id);
  }

  /** All nodes below the roots, depth first (expands every branch once, for searching and "next hit"). */
  allNodes(): TreeNode[] {
    const out: TreeNode[] = [];
    const walk = (nodes: TreeNode[]): void => {
      for (const n of nodes) {
        out.push(n);
        walk(this.getChildren(n));
      }
    };
    walk(this.getChildren());
    return out;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A simple leaf or branch node. */
export function node(id: string, build: () => vscode.TreeItem, children?: () => TreeNode[]): TreeNode {
  return children ? { id, treeItem: build, children } : { id, treeItem: build };
}
