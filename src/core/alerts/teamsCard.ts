/**
 * The Microsoft Teams message for a Power Automate **Workflows** webhook ("When a Teams webhook request is received",
 * the successor of the retired Office 365 connector "Incoming Webhook"): a message envelope with one Adaptive Card
 * attachment, the shape the Workflows template "Post to a channel when a webhook request is received" reads
 * (`attachments[0].content`):
 * `{ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null,
 *   content: { $schema, type: 'AdaptiveCard', version: '1.4', body: [...] } }] }`.
 * Card version 1.4: Teams renders 1.5 on desktop and web, but mobile clients only up to 1.4 (adaptivecards.io
 * "Host apps"); TextBlock and FactSet are 1.0 elements.
 */
import type { AlertIncident } from './incident';

/** An Adaptive Card element (only the ones this card uses). */
export type CardElement =
  | {
      readonly type: 'TextBlock';
      readonly text: string;
      readonly wrap: true;
      readonly size?: 'Medium' | 'Large';
      readonly weight?: 'Bolder';
      readonly color?: 'Attention' | 'Warning';
      readonly isSubtle?: boolean;
    }
  | { readonly type: 'FactSet'; readonly facts: ReadonlyArray<{ readonly title: string; readonly value: string }> };

/** The envelope posted to the Workflows webhook. */
export interface TeamsWorkflowMessage {
  readonly type: 'message';
  readonly attachments: ReadonlyArray<{
    readonly contentType: 'application/vnd.microsoft.card.adaptive';
    readonly contentUrl: null;
    readonly content: {
      readonly $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      readonly type: 'AdaptiveCard';
      readonly version: '1.4';
      readonly msteams: { readonly width: 'Full' };
      readonly body: readonly CardElement[];
    };
  }>;
}

/**
 * Text for a TextBlock: Adaptive Cards read a subset of Markdown in TextBlock.text, so characters that would start
 * a list, emphasis or a link in a job name are escaped with a backslash (the name is shown as stored).
 */
export function cardText(value: string): string {
  return value.replace(/([\\*_[\]()#>`~|-])/g, '\\$1');
}

const KIND_LABEL: Readonly<Record<AlertIncident['kind'], string>> = {
  scheduler: 'iX-Scheduler',
  'license-expiry': 'Lizenz',
  'module-expiry': 'Modul',
  'secret-expiry': 'Geheimer Clientschlüssel',
  test: 'Test',
};

/**
 * Builds the Teams message for one incident: the subject in bold (colour "Attention"), the text, and the facts
 * (Art, Zeitpunkt, the incident's own facts, Vorfall, Datenbank).
 * @param store where the store is (file path or URL without password), shown so that a team watching several
 *        customers' systems sees which one
 */
export function teamsMessage(incident: AlertIncident, store: string): TeamsWorkflowMessage {
  const facts = [
    { title: 'Art', value: KIND_LABEL[incident.kind] },
    { title: 'Zeitpunkt', value: incident.at },
    ...(incident.facts ?? []).map(([title, value]) => ({ title, value })),
    { title: 'Vorfall', value: incident.key },
    { title: 'Datenbank', value: store },
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'TextBlock',
              text: cardText(incident.subject),
              wrap: true,
              size: 'Medium',
              weight: 'Bolder',
              color: 'Attention',
            },
            { type: 'TextBlock', text: cardText(incident.text.replace(/\r\n/g, '\n')), wrap: true },
            { type: 'FactSet', facts },
          ],
        },
      },
    ],
  };
}
