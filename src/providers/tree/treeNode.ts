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

/** A TreeDataProvider over {@link TreeNode}s whose roots come from a function; `refresh()` re-reads them. */
export class NodeTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly roots: () => TreeNode[]) {}

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = node.treeItem();
    item.id = node.id;
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? (node.children?.() ?? []) : this.roots();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A simple leaf or branch node. */
export function node(id: string, build: () => vscode.TreeItem, children?: () => TreeNode[]): TreeNode {
  return children ? { id, treeItem: build, children } : { id, treeItem: build };
}
