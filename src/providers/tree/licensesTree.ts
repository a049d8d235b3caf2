import * as vscode from 'vscode';
import { berlinDate, daysLeft, germanDate } from '../../core/license/dates';
import { listInstalledLicenses } from '../../core/license/installedLicenses';
import type { InstalledLicense, InstalledModule } from '../../core/license/installedLicenses';
import type { AsyncStore } from '../../core/store/asyncStore';
import { accessibleLabel, contextValue, node } from './treeNode';
import type { TreeNode } from './treeNode';

/** Days before the end of validity from which a license or module is marked "expiring soon" (product.md §2). */
export const EXPIRY_WARNING_DAYS = 30;

function validityText(
  validUntil: string | null,
  now: Date,
): { text: string; state: 'unlimited' | 'valid' | 'expiring' | 'expired' } {
  if (!validUntil) return { text: vscode.l10n.t('unlimited'), state: 'unlimited' };
  const days = daysLeft(validUntil, now);
  if (days < 0) return { text: vscode.l10n.t('expired on {0}', germanDate(validUntil)), state: 'expired' };
  const text =
    days === 0
      ? vscode.l10n.t('valid until {0} (last day)', germanDate(validUntil))
      : days === 1
        ? vscode.l10n.t('valid until {0} (1 day left)', germanDate(validUntil))
        : vscode.l10n.t('valid until {0} ({1} days left)', germanDate(validUntil), days);
  return { text, state: days <= EXPIRY_WARNING_DAYS ? 'expiring' : 'valid' };
}

function moduleNode(license: InstalledLicense, module: InstalledModule, now: Date): TreeNode {
  return node(`license/${license.licenseNo}/module/${module.code}`, 'licenseModule', { license, module }, () => {
    const validity = validityText(module.validUntil ?? license.validUntil, now);
    const overSeats = module.seatsUsed > module.seats;
    const item = new vscode.TreeItem(module.name);
    item.description = `${vscode.l10n.t('{0}/{1} seats', module.seatsUsed, module.seats)} · ${validity.text}`;
    item.iconPath =
      overSeats || validity.state === 'expired'
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
        : validity.state === 'expiring'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon('extensions');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${module.name}** (\`${module.code}\`)`,
        vscode.l10n.t('{0} of {1} seats used by active users', module.seatsUsed, module.seats),
        validity.text,
        overSeats ? vscode.l10n.t('More users have this module unlocked than the license allows.') : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.contextValue = contextValue('module', validity.state, overSeats && 'overSeats', license.demo && 'demo');
    // the red icon says "over seats"; a screen reader needs it in words
    if (overSeats)
      item.accessibilityInformation = {
        label: `${accessibleLabel(item)}, ${vscode.l10n.t('More users have this module unlocked than the license allows.')}`,
      };
    return item;
  });
}

/** Root nodes of the Lizenzen view: one per installed license with its modules ("Freigeschaltete Module"). */
export async function licenseRoots(store: AsyncStore | undefined, now: Date = new Date()): Promise<TreeNode[]> {
  if (!store) return [];
  return (await listInstalledLicenses(store)).map((license) =>
    node(
      `license/${license.licenseNo}`,
      'license',
      license,
      () => {
        const validity = validityText(license.validUntil, now);
        const item = new vscode.TreeItem(
          `${license.licenseNo} — ${license.customerName}`,
          vscode.TreeItemCollapsibleState.Expanded,
        );
        item.description = `${license.demo ? `${vscode.l10n.t('Demo')} · ` : ''}${validity.text}`;
        item.iconPath = new vscode.ThemeIcon(validity.state === 'expired' ? 'error' : license.demo ? 'beaker' : 'key');
        item.tooltip = new vscode.MarkdownString(
          [
            `**${vscode.l10n.t('License {0}', license.licenseNo)}**${license.demo ? ` — ${vscode.l10n.t('Demo')}` : ''}`,
            vscode.l10n.t('Customer {0} ({1})', license.customerName, license.customerNo),
            vscode.l10n.t('Serial {0}, issued {1}', license.serial, germanDate(berlinDate(new Date(license.issuedAt)))),
            validity.text,
          ].join('\n\n'),
        );
        item.contextValue = contextValue('license', validity.state, license.demo && 'demo');
        return item;
      },
      () => license.modules.map((m) => moduleNode(license, m, now)),
    ),
  );
}
