/** Styles of `<ix-transfer-form>` (VS Code theme variables, so the form follows the user's color theme). */
import { css } from 'lit';
import { pageStyles } from '../common/pageStyles';

const ownStyles = css`
  .grid {
    display: grid;
    grid-template-columns: 220px minmax(260px, 520px);
    gap: 10px 16px;
    align-items: center;
  }
  .row {
    display: flex;
    gap: 16px;
    flex-wrap: wrap;
    align-items: center;
  }
  .actions {
    display: flex;
    gap: 10px;
    margin-top: 16px;
    align-items: center;
  }
  table {
    border-collapse: collapse;
    margin: 6px 0;
  }
  th,
  td {
    text-align: left;
    padding: 3px 12px 3px 0;
    border-bottom: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.3));
    vertical-align: top;
  }
  td.n {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .warn {
    color: var(--vscode-editorWarning-foreground);
    margin: 4px 0;
  }
  .err {
    color: var(--vscode-errorForeground);
    margin: 4px 0;
  }
  .box {
    border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.4));
    padding: 10px 14px;
    margin: 12px 0;
  }
  .ok {
    border-color: var(--vscode-testing-iconPassed, #73c991);
  }
  .muted {
    opacity: 0.75;
  }
  .total {
    font-size: 1.05em;
    font-weight: 600;
  }
`;

export const transferFormStyles = [pageStyles, ownStyles];
