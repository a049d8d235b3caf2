/**
 * The monitor watching itself (issue 21 "Operations"; found in the new-user trial): when `serve` cannot use its own
 * store — the PostgreSQL server is down or refuses the role, the store file is gone or damaged — none of its checks
 * can run and nothing else would tell the operators. After the store has been unusable for a while (default
 * 15 minutes, so that a restart of the database server does not alarm anyone) one incident "the monitor cannot reach
 * its store" goes to every channel; when the store is usable again, one "reachable again". These two cannot be
 * claimed in the store (it is the thing that is down): each service sends them itself, once per outage.
 * A file store held by a VS Code window is not an outage (the cycle is only skipped, by design).
 */
import { germanTime } from '../scheduler/germanTime';
import type { AlertIncident } from './incident';

/** When and what to alert about the monitor's own store. */
export class StoreWatchdog {
  private downSince: Date | undefined;
  private lastReason = '';
  private alerted = false;

  /**
   * @param storeLabel the store as the alerts name it (file path or URL without password)
   * @param alertAfterMs how long the store must have been unusable before the alert (ms; 0 = at the first failure)
   */
  constructor(
    private readonly storeLabel: string,
    private readonly alertAfterMs: number,
  ) {}

  /** Since when the store has been unusable (undefined while it is fine). */
  get unusableSince(): Date | undefined {
    return this.downSince;
  }

  /**
   * A cycle could not use the store at `now` because of `reason` (one line, no secrets).
   * @returns the outage incident once per outage, when it has lasted at least `alertAfterMs`; else undefined
   */
  failed(now: Date, reason: string): AlertIncident | undefined {
    this.downSince ??= now;
    this.lastReason = reason;
    if (this.alerted || now.getTime() - this.downSince.getTime() < this.alertAfterMs) return undefined;
    this.alerted = true;
    const since = this.downSince.toISOString();
    return {
      key: `monitor:store-unusable:${this.storeLabel}:${since}`.slice(0, 300),
      kind: 'monitor',
      subject: 'iX-Haus Überwachung: Datenbank nicht erreichbar',
      text: `Der Überwachungsdienst kann seine Datenbank seit ${germanTime(this.downSince)} nicht nutzen und deshalb keine Prüfungen ausführen (Scheduler, Lizenzen).\nGrund: ${reason}\nEr versucht es in jedem Zyklus weiter und meldet, wenn die Datenbank wieder erreichbar ist.`,
      at: since,
      facts: [['Seit', germanTime(this.downSince)]],
    };
  }

  /**
   * A cycle used the store at `now`.
   * @returns the "reachable again" incident when an outage had been alerted; else undefined
   */
  succeeded(now: Date): AlertIncident | undefined {
    const since = this.downSince;
    const alerted = this.alerted;
    this.downSince = undefined;
    this.alerted = false;
    if (!since || !alerted) return undefined;
    const minutes = Math.max(1, Math.round((now.getTime() - since.getTime()) / 60_000));
    return {
      key: `monitor:store-usable:${this.storeLabel}:${since.toISOString()}`.slice(0, 300),
      kind: 'monitor',
      subject: 'iX-Haus Überwachung: Datenbank wieder erreichbar',
      text: `Die Datenbank ist seit ${germanTime(now)} wieder erreichbar (nach etwa ${minutes} Minuten; zuletzt: ${this.lastReason}). Die Prüfungen laufen wieder; was in der Zwischenzeit fällig wurde, wird jetzt gemeldet.`,
      at: now.toISOString(),
      facts: [['Nicht erreichbar seit', germanTime(since)]],
    };
  }
}
