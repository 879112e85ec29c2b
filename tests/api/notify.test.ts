/**
 * Thanks announced on the webhook: the app queues, the Notifier posts to a real loopback
 * receiver that is down at first (nothing listening, then 503), then up. Small retry base
 * so the test waits milliseconds; every wait polls a condition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app';
import type { LoadedConfig } from '../../src/server/config';
import { fixedSource, type ConfigSource } from '../../src/server/holder';
import type { Logger } from '../../src/server/log';
import { Notifier } from '../../src/server/notify';
import { openStore } from '../../src/server/store';
import { bearer, FIXTURES, freePort, jsonRequest, loadText, SECOND_TOKEN, tempStore, waitFor, WebhookReceiver, type TempStore } from './helpers';
import { STORE_KINDS } from '../support/stores';

const SECRET_PATH = '/services/T000/B000/not-to-be-logged';

describe.each(STORE_KINDS)('notifications (%s store)', (kind) => {
  let db: TempStore;
  let receiver: WebhookReceiver;
  let notifier: Notifier | undefined;
  let logs: string[];
  const log: Logger = { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) };

  function configWithWebhook(url: string | null, locale = 'ja'): LoadedConfig {
    const text = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8').replace('defaultLocale: ja', `defaultLocale: ${locale}`);
    return loadText(url ? `${text}\nnotifications: { webhook: '${url}' }\n` : text);
  }

  function setUp(source: ConfigSource, store = db.store) {
    notifier = new Notifier(source, store, { baseMs: 10, log });
    notifier.start();
    return createApp(source, store, { notifier, log });
  }

  beforeEach(async () => {
    db = await tempStore(kind);
    logs = [];
    receiver = new WebhookReceiver(await freePort(), [503, 503]);
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver.close();
    await db.cleanup();
  });

  const thank = async (app: ReturnType<typeof createApp>, body: object, token = bearer()) => {
    const res = await app.request('/v1/thanks', jsonRequest('POST', body, token));
    expect([200, 201]).toContain(res.status);
    return res.status;
  };

  describe('webhook notifications', () => {
    it('a thanks made while the webhook is down arrives exactly once when it comes back', async () => {
      const app = setUp(fixedSource(configWithWebhook(`http://127.0.0.1:${receiver.port}${SECRET_PATH}`)));
      expect(await thank(app, { to: 'yamada', account: 'acme', ticket: '4711', message: 'Thanks for <the> onboarding & more' })).toBe(201);

      // Down: nothing listens. The failure is recorded and retried, the message kept.
      const failed = await waitFor(async () => {
        const s = await db.store.notificationStats();
        return s.lastError ? s : null;
      }, 'a failed try');
      expect(failed.pending).toBe(1);
      expect(failed.lastError).toMatch(/ECONNREFUSED/);
      await waitFor(async () => ((await db.store.nextNotification())?.attempts ?? 0) >= 2, 'a retry');

      // Up, answering 503 twice, then 200.
      await receiver.up();
      await waitFor(() => receiver.delivered.length === 1, 'the message');
      await waitFor(async () => (await db.store.notificationStats()).pending === 0, 'the outbox to empty');
      expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 200]);
      expect(receiver.delivered).toEqual([{ text: '👏 佐藤 健 さんから 山田 花子 さんへ「ありがとう」（株式会社アクメ・チケット 4711）\n> Thanks for &lt;the&gt; onboarding &amp; more' }]);
      expect(receiver.requests[2]!.headers['content-type']).toBe('application/json');
      expect(receiver.requests[2]!.headers['idempotency-key']).toMatch(/^baton-thanks-\d+$/);
      expect(await db.store.notificationStats()).toEqual({ pending: 0, sent: 1, lastError: null });

      // Nothing is sent twice: the next message is the only other one to arrive, even after a restart.
      await notifier!.stop();
      const restarted = setUp(fixedSource(configWithWebhook(`http://127.0.0.1:${receiver.port}${SECRET_PATH}`)));
      await thank(restarted, { to: 'sato', from: 'Aiko' }, bearer(SECOND_TOKEN));
      await waitFor(() => receiver.delivered.length === 2, 'the second message');
      await waitFor(async () => (await db.store.notificationStats()).pending === 0, 'the outbox to empty');
      expect(receiver.delivered[1]).toEqual({ text: '👏 Aiko さんから 佐藤 健 さんへ「ありがとう」' });
      expect(receiver.requests).toHaveLength(4);

      // Logs name the webhook's host, never its secret path.
      expect(logs.some((l) => l.startsWith('warn notifications: 127.0.0.1:') && l.includes('failed'))).toBe(true);
      expect(logs.join('\n')).not.toContain(SECRET_PATH);
    });

    it('keeps order: later messages wait behind a failing one, then arrive in order, once each', async () => {
      const app = setUp(fixedSource(configWithWebhook(`http://127.0.0.1:${receiver.port}/hook`, 'en')));
      await thank(app, { to: 'suzuki', ticket: '1' });
      await thank(app, { to: 'kuroda', account: 'northwind', ticket: '2' });
      await thank(app, { to: 'yamada', ticket: '3', message: 'two\nlines' });
      await waitFor(async () => ((await db.store.nextNotification())?.attempts ?? 0) >= 1, 'a failed try');
      expect((await db.store.notificationStats()).pending).toBe(3);
      await receiver.up();
      await waitFor(async () => (await db.store.notificationStats()).pending === 0, 'the outbox to empty');
      expect(receiver.delivered).toEqual([
        { text: '👏 佐藤 健 thanked 鈴木 美咲 (ticket 1)' },
        { text: '👏 佐藤 健 thanked 黒田 陽子 (Northwind Trading Ltd., ticket 2)' },
        { text: '👏 佐藤 健 thanked 山田 花子 (ticket 3)\n> two\n> lines' },
      ]);
      // The two 503s were for the first message; each of the others was posted once.
      expect(receiver.requests.map((r) => /thanked (\S+ \S+)/.exec((r.body as { text: string }).text)?.[1])).toEqual(['鈴木 美咲', '鈴木 美咲', '鈴木 美咲', '黒田 陽子', '山田 花子']);
    });

    it('sends what an earlier run queued, and keeps messages while no webhook is configured', async () => {
      // Queued by a server without a notifier (or one that stopped before sending).
      const queuedBy = createApp(configWithWebhook(`http://127.0.0.1:${receiver.port}/hook`), db.store);
      await thank(queuedBy, { to: 'sato', ticket: '9' });
      expect((await db.store.notificationStats()).pending).toBe(1);

      // The webhook is removed from the config: nothing is sent, nothing dropped.
      let current = configWithWebhook(null);
      const source: ConfigSource = { current: () => current, lastReloadError: null };
      await receiver.up();
      setUp(source);
      expect((await db.store.notificationStats()).pending).toBe(1);
      expect(receiver.requests).toEqual([]);

      // Configured again (a reload): the next wake-up sends it.
      current = configWithWebhook(`http://127.0.0.1:${receiver.port}/hook`);
      notifier!.kick();
      await waitFor(() => receiver.delivered.length === 1, 'the message');
      expect(receiver.delivered).toEqual([{ text: '👏 佐藤 健 さんから 佐藤 健 さんへ「ありがとう」（チケット 9）' }]);
    });

    it('a second server on the same store does not send a message the first is sending', async () => {
      const second = await openStore(db.where);
      try {
        const queued = createApp(configWithWebhook(`http://127.0.0.1:${receiver.port}/hook`), db.store);
        await thank(queued, { to: 'sato' });
        const item = (await db.store.nextNotification())!;
        const now = Date.now();
        expect(await db.store.claimNotification(item.id, now, now + 60_000)).toBe(true);
        expect(await second.claimNotification(item.id, now, now + 60_000)).toBe(false);
        expect(await second.claimNotification(item.id, now + 59_999, now + 120_000)).toBe(false);
        expect(await second.claimNotification(item.id, now + 60_000, now + 120_000)).toBe(true); // the lease ran out
      } finally {
        await second.close();
      }
    });
  });
});
