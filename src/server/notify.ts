/**
 * Notifications: a thanks queues a Slack-compatible `{ "text": … }` in the store's outbox (in
 * the same transaction as the thanks), and the Notifier posts the queue to the config's
 * `notifications.webhook`, oldest first, one at a time.
 *
 * - Loses nothing: a message leaves the outbox only when the webhook answered 2xx. Until then it
 *   is retried with exponential backoff (base × 2^(attempt−1), capped at 30 s), across restarts.
 * - Sends nothing twice: one message in flight at a time, taken with a lease in the store (a
 *   second server on the same file skips it), marked sent in a durable write right after the
 *   2xx — also with several instances on one PostgreSQL store: the lease is a row update only
 *   one of them wins, and when its holder dies mid-send the lease runs out (timeout + 5 s) and
 *   another instance sends it. Each POST carries `Idempotency-Key: baton-<kind>-<id>` for receivers that de-duplicate
 *   the one case left: the receiver took the message but its answer never reached us.
 * - Keeps order: while the oldest message fails, the later ones wait behind it.
 */
import type { Locale } from '../shared/context';
import type { LoadedConfig } from './config';
import type { ConfigSource } from './holder';
import { silentLogger, type Logger } from './log';
import type { HandoffRow, OutboxRow, Store, ThanksRow } from './store';

/** Longest wait between two tries. */
export const MAX_RETRY_MS = 30_000;
export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** After a store error, the next round starts this soon (or at the retry cap, if lower). */
export const STORE_RETRY_MS = 2_000;

export interface NotifierOptions {
  log?: Logger;
  /** First retry delay; doubles per attempt (tests make it small). */
  baseMs?: number;
  /** Longest retry delay; never more than 30 s. */
  capMs?: number;
  /** How long one POST may take before it counts as failed. */
  timeoutMs?: number;
}

/** The wait after the `attempts`-th failed try (1, 2, …): base, 2·base, 4·base, … up to the cap. */
export function retryDelay(attempts: number, baseMs = DEFAULT_RETRY_BASE_MS, capMs = MAX_RETRY_MS): number {
  const cap = Math.min(capMs, MAX_RETRY_MS);
  const exp = Math.min(Math.max(attempts, 1) - 1, 30);
  return Math.min(cap, baseMs * 2 ** exp);
}

/** Slack mrkdwn needs &, < and > escaped (so `<!channel>`, `<@U1>` and `<url|text>` stay text). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ZWSP = '\u200b';

/**
 * Text from agents (and the config) made inert for every chat the webhook may be: Slack's
 * escapes (above), then a zero-width space where Mattermost, Rocket.Chat, Teams or Slack with
 * link_names would act on it — after every `@` that starts a mention (`@channel`, `@here`,
 * `@all`, `@everyone`, `@someone`), between `]` and `(` of a Markdown link
 * (`[sign in again](https://evil.example/login)`), and in `://`, so no URL in it becomes a
 * link. It reads the same; nothing in it pings, links or hides a URL behind other text.
 */
export function chatSafe(s: string): string {
  return slackEscape(s)
    .replace(/@(?=[\p{L}\p{N}_.-])/gu, `@${ZWSP}`)
    .replace(/\]([\s\u200b]*)\(/g, `]${ZWSP}$1(`)
    .replace(/:\/\//g, `:${ZWSP}//`);
}

/** The webhook body for a thanks: names who thanked whom, the account and the ticket. */
export function thanksMessage(loaded: LoadedConfig, row: ThanksRow, lang: Locale = loaded.config.organization.defaultLocale): { text: string } {
  const to = loaded.people.get(row.to)?.name ?? row.to;
  const account = row.account ? (loaded.config.accounts.find((a) => a.id === row.account)?.name ?? row.account) : '';
  const e = chatSafe;
  if (lang === 'ja') {
    const where = [account && `${e(account)}`, row.ticket && `チケット ${e(row.ticket)}`].filter(Boolean).join('・');
    return {
      text: `👏 ${e(row.from)} さんから ${e(to)} さんへ「ありがとう」${where ? `（${where}）` : ''}${row.message ? `\n> ${e(row.message).replace(/\n/g, '\n> ')}` : ''}`,
    };
  }
  const where = [account && `${e(account)}`, row.ticket && `ticket ${e(row.ticket)}`].filter(Boolean).join(', ');
  return {
    text: `👏 ${e(row.from)} thanked ${e(to)}${where ? ` (${where})` : ''}${row.message ? `\n> ${e(row.message).replace(/\n/g, '\n> ')}` : ''}`,
  };
}

/** Where a webhook points, for logs: never the path (a Slack webhook's path is its secret). */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

export class Notifier {
  private readonly log: Logger;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private storeError: string | null = null;

  constructor(
    private readonly source: ConfigSource,
    private readonly store: Store,
    opts: NotifierOptions = {},
  ) {
    this.log = opts.log ?? silentLogger;
    this.baseMs = Math.max(1, opts.baseMs ?? DEFAULT_RETRY_BASE_MS);
    this.capMs = Math.min(opts.capMs ?? MAX_RETRY_MS, MAX_RETRY_MS);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  }

  /** Starts sending what the outbox holds (also what an earlier run left). */
  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Something was queued (or the config changed): send now rather than at the next timer. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round()
      .then(() => {
        this.storeError = null;
      })
      .catch((err: unknown) => {
        const message = (err as Error).message;
        if (message !== this.storeError) this.log.error(`notifications: ${message}`); // once per outage, not every retry
        this.storeError = message;
        this.wakeIn(Math.min(this.capMs, STORE_RETRY_MS)); // a store error (database down): try again soon rather than never
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops; a POST in flight finishes (and is recorded) first. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends due messages oldest first until the queue is empty, one is not due yet, or one fails; then sets the timer. */
  private async round(): Promise<void> {
    while (!this.stopped) {
      const item = await this.store.nextNotification();
      if (!item) return; // nothing queued: kick() wakes us
      const webhook = this.source.current().config.notifications.webhook;
      const now = Date.now();
      if (!webhook) return this.wakeIn(this.capMs); // kept until a webhook is configured again
      if (item.nextAt > now) return this.wakeIn(item.nextAt - now);
      if (!(await this.store.claimNotification(item.id, now, now + this.timeoutMs + 5_000))) continue;
      const error = await this.post(webhook, item);
      if (error === null) {
        await this.store.markNotificationSent(item.id, new Date());
        this.log.info(`notifications: sent ${item.kind} ${item.refId} to ${webhookHost(webhook)}${item.attempts ? ` after ${item.attempts} failed tries` : ''}`);
        continue;
      }
      const attempts = item.attempts + 1;
      const delay = retryDelay(attempts, this.baseMs, this.capMs);
      await this.store.markNotificationFailed(item.id, attempts, Date.now() + delay, error);
      this.log.warn(`notifications: ${webhookHost(webhook)} failed (${error}); try ${attempts + 1} in ${delay} ms, ${(await this.store.notificationStats()).pending} waiting`);
      return this.wakeIn(delay);
    }
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(0, ms));
    this.timer.unref();
  }

  /** One POST; null when the webhook took it (2xx), else why not. */
  private async post(webhook: string, item: OutboxRow): Promise<string | null> {
    try {
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `baton-${item.kind}-${item.refId}`, 'User-Agent': 'Baton' },
        body: item.body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return e.name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (e.cause?.code ?? e.message);
    }
  }
}

/** The webhook body for "Hand to sales": who handed whom to which stage's people, the ticket, the note. */
export function handoffMessage(loaded: LoadedConfig, row: HandoffRow, lang: Locale = loaded.config.organization.defaultLocale): { text: string } {
  const e = slackEscape;
  const stage = loaded.stages.get(row.stage);
  const stageLabel = stage ? (stage.label[lang] ?? stage.label[lang === 'ja' ? 'en' : 'ja'] ?? stage.id) : row.stage;
  const to = loaded.config.people.filter((p) => p.stage === row.stage).map((p) => p.name);
  const who = [row.name, row.email && `<${row.email}>`].filter(Boolean).join(' ');
  const quote = `\n> ${e(row.note).replace(/\n/g, '\n> ')}`;
  const link = row.url ? ` ${e(row.url)}` : '';
  if (lang === 'ja') {
    const ticket = [row.ticket && `チケット ${e(row.ticket)}`, row.subject && `「${e(row.subject)}」`].filter(Boolean).join(' ');
    return {
      text: `📨 ${e(row.author)} さんから${e(stageLabel)}${to.length ? `（${to.map(e).join('、')}）` : ''}へ新しいお客様: ${e(who) || '（名前なし）'}${row.org ? `・${e(row.org)}` : ''}${ticket ? `\n${ticket}${link}` : link ? `\n${link.trim()}` : ''}${quote}`,
    };
  }
  const ticket = [row.ticket && `Ticket ${e(row.ticket)}`, row.subject && `“${e(row.subject)}”`].filter(Boolean).join(' ');
  return {
    text: `📨 ${e(row.author)} handed a new lead to ${e(stageLabel)}${to.length ? ` (${to.map(e).join(', ')})` : ''}: ${e(who) || '(no name)'}${row.org ? `, ${e(row.org)}` : ''}${ticket ? `\n${ticket}${link}` : link ? `\n${link.trim()}` : ''}${quote}`,
  };
}
