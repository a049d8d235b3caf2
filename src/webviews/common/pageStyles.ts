/**
 * The layout every iX-Haus webview page shares (VS Code theme variables, so pages follow the user's colour theme):
 * the host element's padding, width, font and colour, and the two heading levels. Pages add their own rules.
 */
import { css } from 'lit';

export const pageStyles = css`
  :host {
    display: block;
    padding: 0 20px 24px;
    max-width: 1100px;
    color: var(--vscode-foreground);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size);
  }
  h1 {
    font-size: 1.4em;
    font-weight: 600;
    margin: 16px 0 12px;
  }
  h2 {
    font-size: 1.1em;
    font-weight: 600;
    margin: 20px 0 8px;
  }
`;
