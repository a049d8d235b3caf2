/** Styles of `<ix-import-preview>` (VS Code theme variables, so the page follows the user's color theme). */
import { css } from 'lit';
import { pageStyles } from '../common/pageStyles';

const ownStyles = css`
  dl {
    display: grid;
    grid-template-columns: 180px auto;
    gap: 4px 16px;
    margin: 0;
  }
  dt {
    color: var(--vscode-descriptionForeground);
  }
  dd {
    margin: 0;
  }
  .counts {
    display: flex;
    gap: 24px;
    flex-wrap: wrap;
  }
  .count b {
    font-size: 1.4em;
    display: block;
  }
  .count.invalid b {
    color: var(--vscode-errorForeground);
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 3px 10px 3px 0;
    border-bottom: 1px solid var(--vscode-widget-border, transparent);
    vertical-align: top;
  }
  th {
    font-weight: 600;
  }
  .box {
    padding: 8px 12px;
    margin: 12px 0;
    border-left: 3px solid var(--vscode-focusBorder);
    background: var(--vscode-textBlockQuote-background);
  }
  .error {
    color: var(--vscode-errorForeground);
  }
  .warn {
    color: var(--vscode-editorWarning-foreground);
  }
  .actions {
    display: flex;
    gap: 12px;
    align-items: center;
    margin-top: 16px;
    flex-wrap: wrap;
  }
  ul.plain {
    margin: 0;
    padding-left: 18px;
  }
`;

export const importPreviewStyles = [pageStyles, ownStyles];
