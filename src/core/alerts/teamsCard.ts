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
import { germanTime } from '../scheduler/germanTime';
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
 * Escapes one line for the Markdown subset of an Adaptive Card TextBlock or FactSet value (adaptivecards.io "Text
 * features": **bold**, _italic_ / *italic*, `- ` / `* ` / `+ ` and `1. ` list items at a line start, `[title](url)`
 * links; nothing else — no headings, code, quotes, tables). Only what that subset would interpret gets a backslash
 * (CommonMark §2.4): `*` and an `_` that is not inside a word (emphasis), the brackets of a `[…](` link, a list marker at the start, and a
 * backslash that would itself escape the next character. Everything else (`-`, `.`, `(`, `#` inside a line) stays as
 * it is, because Teams' mobile apps have shown backslash escapes literally (AdaptiveCards issues #5590, #7474).
 */
function escapeCardLine(line: string): string {
  let text = line
    .replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\') // a backslash before ASCII punctuation would escape it
    .replace(/\*/g, '\\*')
    // an `_` between two letters or digits cannot start or end emphasis (CommonMark §6.2 "intraword"): kept as is
    .replace(/_/g, (underscore, at: number, whole: string) =>
      /[\p{L}\p{N}]/u.test(whole[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(whole[at + 1] ?? '') ? '_' : '\\_',
    )
    .replace(/\[([^\]\n]*)\]\(/g, '\\[$1\\](');
  const list = /^(\s*)(?:([-+])(\s|$)|(\d{1,9})([.)])(\s|$))/.exec(text);
  if (list) {
    const [whole, indent = '', bullet, afterBullet = '', number, delimiter = '', afterNumber = ''] = list;
    const marker = bullet !== undefined ? `\\${bullet}${afterBullet}` : `${number ?? ''}\\${delimiter}${afterNumber}`;
    text = `${indent}${marker}${text.slice(whole.length)}`;
  }
  return text;
}

/**
 * Text for a TextBlock: every line escaped as {@link escapeCardLine} says, and every line break turned into a
 * paragraph break (`\n\n`): a TextBlock is Markdown, where a single `\n` does not break the line (AdaptiveCards
 * issue #5538); empty lines are dropped so that no run of blank paragraphs appears.
 */
export function cardText(value: string): string {
  return value
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '')
    .map(escapeCardLine)
    .join('\n\n');
}

/** A FactSet value or title: one line (Teams reads Markdown there too, so it is escaped like a TextBlock line). */
export function cardFact(value: string): string {
  return escapeCardLine(value.replace(/\s*[\r\n]+\s*/g, ' '));
}

const KIND_LABEL: Readonly<Record<AlertIncident['kind'], string>> = {
  scheduler: 'iX-Scheduler',
  'license-expiry': 'Lizenz',
  'module-expiry': 'Modul',
  'secret-expiry': 'Geheimer Clientschlüssel',
  test: 'Test',
  monitor: 'Überwachung',
};

/**
 * The incident's time as the administrators read it: German local time (Europe/Berlin), a bare date for the
 * date-only times of expiry reminders (`YYYY-MM-DDT00:00:00.000Z`), the text itself when it is not a time.
 */
export function cardTime(at: string): string {
  const date = /^(\d{4})-(\d{2})-(\d{2})T00:00:00(\.000)?Z$/.exec(at);
  if (date) return `${date[3]}.${date[2]}.${date[1]}`;
  // V8's Date.parse is lenient ('run 12' is a date there): only an ISO-8601 instant is rendered
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at) && !Number.isNaN(Date.parse(at)) ? germanTime(at) : at;
}

/**
 * Builds the Teams message for one incident: the subject in bold (colour "Attention"), the text, and the facts
 * (Art, Zeitpunkt, the incident's own facts, Vorfall, Datenbank).
 * @param store where the store is (file path or URL without password), shown so that a team watching several
 *        customers' systems sees which one
 */
export function teamsMessage(incident: AlertIncident, store: string): TeamsWorkflowMessage {
  const facts = [
    { title: 'Art', value: KIND_LABEL[incident.kind] },
    { title: 'Zeitpunkt', value: cardTime(incident.at) },
    ...(incident.facts ?? []).map(([title, value]) => ({ title, value })),
    { title: 'Vorfall', value: incident.key },
    { title: 'Datenbank', value: store },
  ].map((fact) => ({ title: cardFact(fact.title), value: cardFact(fact.value) }));
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
            { type: 'TextBlock', text: cardText(incident.text), wrap: true },
            { type: 'FactSet', facts },
          ],
        },
      },
    ],
  };
}
