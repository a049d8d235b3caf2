import { IxError, msg } from '../errors';

/**
 * An alert channel failed (issue 21). The message names the channel (`teams`, `json`, `mail`, or the environment
 * variable that holds the URL) and the reason — **never** the webhook URL, whose query holds the signature.
 * `retryable` says whether the next cycle should try again (false for a refusal such as 400/401/403/404 that
 * needs an administrator, though the next cycle still retries so that a fixed URL delivers without a restart).
 */
export class AlertDeliveryError extends IxError {
  readonly channel: string;
  readonly attempts: number;
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  /** true when the request may have arrived although no answer came (not repeated within the cycle) */
  readonly uncertain: boolean;
  constructor(
    channel: string,
    reason: string,
    details: { attempts: number; httpStatus?: number; retryable: boolean; uncertain?: boolean },
  ) {
    super('E_ALERT_DELIVERY', msg('The alert channel {0} failed: {1}'), [channel, reason]);
    this.channel = channel;
    this.attempts = details.attempts;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
    this.uncertain = details.uncertain === true;
  }
}

/** A channel is configured wrongly (a missing variable, a URL that is not https). Names the channel, never the URL. */
export class AlertChannelConfigError extends IxError {
  constructor(channel: string, reason: string) {
    super('E_ALERT_CHANNEL', msg('The alert channel {0} cannot be used: {1}'), [channel, reason]);
  }
}
