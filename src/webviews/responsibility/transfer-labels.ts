/** Display names shared by the parts of `<ix-transfer-form>` (localized through the host's string table). */
import type { InitView, ProtocolModule, ProtocolRole, TransferStringKey } from '../../shared/protocol/responsibility';

/** The host's localizer for the form's strings (`{0}`… placeholders filled from `args`). */
export type Translate = (key: TransferStringKey, ...args: Array<string | number>) => string;

/** "Stellvertreter" or "Verantwortlicher" in the UI language. */
export function roleName(t: Translate, role: ProtocolRole): string {
  return role === 'deputy' ? t('roleDeputy') : t('roleResponsible');
}

/** The module's display name from the init view; the protocol id while the init view is not loaded. */
export function moduleName(init: InitView | undefined, module: ProtocolModule): string {
  return init?.modules.find((m) => m.module === module)?.name ?? module;
}
