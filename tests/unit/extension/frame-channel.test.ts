// @vitest-environment happy-dom
/**
 * The inline frame's direct channel (FRAME_CHANNEL, issue 13's cached switch): the frame asks
 * with a nonce of its own through the background, the content script posts it a MessagePort
 * (to the frame's own origin) and sends each ticket report on it besides the runtime message.
 * Only a port from the frame's parent window with the frame's nonce is taken; a page cannot
 * learn the nonce (it travels in runtime messages only), so it cannot post a port the frame
 * takes. The ports are real (MessageChannel); the windows are stand-ins for the two ends.
 */
import { describe, expect, it, vi } from 'vitest';
import { createBackground } from '../../../src/background/handlers';
import { mountInline } from '../../../src/content/inline';
import { FRAME_CHANNEL, type TicketReport } from '../../../src/shared/messages';
import { hearFrameChannel } from '../../../src/ui/view';
import { MemoryArea, loadLocale } from './helpers';

const TICKET: TicketReport = {
  key: 'http://127.0.0.1:8787|demo|2',
  desk: { id: 'demo', label: 'Demo desk' },
  customer: { email: 'emma.clark@northwind.example.com', name: 'Emma Clark', ticket: '2' },
  url: 'http://127.0.0.1:8787/demo/tickets/2',
};

/** A framed window: its parent, what it asked for, and the 'message' listener it set. */
function framedWindow() {
  const parent = { name: 'the desk page' };
  let listener: ((e: MessageEvent) => void) | null = null;
  const win = {
    parent,
    crypto: globalThis.crypto,
    location: { origin: 'chrome-extension://baton-test' },
    addEventListener: (type: string, fn: (e: MessageEvent) => void) => type === 'message' && (listener = fn),
    removeEventListener: () => (listener = null),
  } as unknown as Window;
  const post = (data: unknown, source: unknown, ports: MessagePort[]) => listener?.({ data, source, ports } as unknown as MessageEvent);
  return { win, parent, post, listening: () => listener !== null };
}

const nextMessage = (port: MessagePort) => new Promise<unknown>((resolve) => port.addEventListener('message', (e) => resolve((e as MessageEvent).data), { once: true }));

describe('hearFrameChannel (the frame)', () => {
  it('asks with a nonce, takes the port its parent posts with it, and hands each report on it on', async () => {
    const { win, parent, post } = framedWindow();
    const reported = vi.fn();
    const ask = vi.fn(async (_nonce: string, _origin: string) => ({ ok: true }));
    hearFrameChannel({ reported }, win, ask);
    expect(ask).toHaveBeenCalledOnce();
    const [nonce, origin] = ask.mock.calls[0]!;
    expect(origin, 'its own origin, the one the port may go to').toBe('chrome-extension://baton-test');
    expect(nonce).toMatch(/^[0-9a-f-]{36}$/);
    const ch = new MessageChannel();
    post({ type: FRAME_CHANNEL, nonce }, parent, [ch.port2]);
    ch.port1.postMessage({ ticket: { ...TICKET, extra: 'dropped' } });
    await vi.waitFor(() => expect(reported).toHaveBeenCalledOnce());
    expect(reported.mock.calls[0]![0], 'cleaned as the background cleans a report').toEqual(TICKET);
    ch.port1.postMessage({ ticket: null });
    await vi.waitFor(() => expect(reported).toHaveBeenCalledTimes(2));
    expect(reported.mock.calls[1]![0]).toBeNull();
    ch.port1.close();
  });

  it('takes no port with another nonce, from another window, of another type, or none at all', async () => {
    const { win, parent, post } = framedWindow();
    const reported = vi.fn();
    let nonce = '';
    hearFrameChannel({ reported }, win, async (n) => (nonce = n));
    const tries: Array<[unknown, unknown]> = [
      [{ type: FRAME_CHANNEL, nonce: '00000000-0000-4000-8000-000000000000' }, parent],
      [{ type: FRAME_CHANNEL, nonce }, { name: 'another window' }],
      [{ type: 'something else', nonce }, parent],
      [{ type: FRAME_CHANNEL }, parent],
      [null, parent],
    ];
    const ends: MessagePort[] = [];
    for (const [data, source] of tries) {
      const ch = new MessageChannel();
      post(data, source, [ch.port2]);
      ch.port1.postMessage({ ticket: TICKET });
      ends.push(ch.port1);
    }
    post({ type: FRAME_CHANNEL, nonce }, parent, []); // the right hello without a port
    // A port that is taken delivers; wait for one that is, then none of the others did.
    const good = new MessageChannel();
    post({ type: FRAME_CHANNEL, nonce }, parent, [good.port2]);
    good.port1.postMessage({ ticket: null });
    await vi.waitFor(() => expect(reported).toHaveBeenCalledOnce());
    expect(reported).toHaveBeenCalledWith(null);
    for (const p of [...ends, good.port1]) p.close();
  });

  it('a newer port with the nonce takes over (the content script posts one on each ask)', async () => {
    const { win, parent, post } = framedWindow();
    const reported = vi.fn();
    let nonce = '';
    hearFrameChannel({ reported }, win, async (n) => (nonce = n));
    const first = new MessageChannel();
    post({ type: FRAME_CHANNEL, nonce }, parent, [first.port2]);
    const second = new MessageChannel();
    post({ type: FRAME_CHANNEL, nonce }, parent, [second.port2]);
    first.port1.postMessage({ ticket: TICKET });
    second.port1.postMessage({ ticket: null });
    await vi.waitFor(() => expect(reported).toHaveBeenCalledOnce());
    expect(reported).toHaveBeenCalledWith(null);
    first.port1.close();
    second.port1.close();
  });

  it('a page that is not framed (the side panel) asks for nothing', () => {
    const ask = vi.fn(async () => ({ ok: true }));
    const win = { parent: null as unknown, crypto: globalThis.crypto, addEventListener: vi.fn(), removeEventListener: vi.fn() };
    win.parent = win;
    hearFrameChannel({ reported: vi.fn() }, win as unknown as Window, ask);
    expect(ask).not.toHaveBeenCalled();
    expect(win.addEventListener).not.toHaveBeenCalled();
  });
});

describe('the inline host (the content script)', () => {
  it('posts a port to its frame with the nonce, to the frame page’s origin only, and tells each report on it', async () => {
    const h = mountInline({ doc: document, ui: { collapsed: false, width: 340 }, src: 'chrome-extension://baton-test/src/frame/index.html', label: 'Baton' });
    try {
      const target = { postMessage: vi.fn() };
      Object.defineProperty(h.frame, 'contentWindow', { value: target, configurable: true });
      h.tell(TICKET); // no channel yet: nothing, no error
      h.channel('5b0e2f63-3a53-4cc9-9a43-0f2a1b9d2c10', 'https://desk.example'); // no extension page: nothing
      h.channel('5b0e2f63-3a53-4cc9-9a43-0f2a1b9d2c10', '*');
      expect(target.postMessage).not.toHaveBeenCalled();
      h.channel('5b0e2f63-3a53-4cc9-9a43-0f2a1b9d2c10', 'chrome-extension://baton-test');
      expect(target.postMessage).toHaveBeenCalledOnce();
      const [data, origin, transfer] = target.postMessage.mock.calls[0]! as [unknown, string, MessagePort[]];
      expect(data).toEqual({ type: FRAME_CHANNEL, nonce: '5b0e2f63-3a53-4cc9-9a43-0f2a1b9d2c10' });
      expect(origin, 'never "*": a frame the page navigated elsewhere gets nothing').toBe('chrome-extension://baton-test');
      expect(transfer).toHaveLength(1);
      const got = nextMessage(transfer[0]!);
      transfer[0]!.start();
      h.tell(TICKET);
      expect(await got).toEqual({ ticket: TICKET });
      transfer[0]!.close();
    } finally {
      h.destroy();
    }
  });
});

describe('view:channel (the background)', () => {
  it('passes a frame’s nonce and origin on to the content script of the frame’s tab; a nonce is a UUID, the origin an extension page’s', async () => {
    const openChannel = vi.fn(async () => undefined);
    const bg = createBackground({ local: new MemoryArea(), loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined, openChannel });
    const nonce = '5b0e2f63-3a53-4cc9-9a43-0f2a1b9d2c10';
    const origin = 'chrome-extension://jildnfhiepnjahmaafpegklkngphojnn';
    await expect(bg.handlers['view:channel']({ nonce, origin }, { tabId: 4, frameId: 3 })).resolves.toEqual({ ok: true });
    expect(openChannel).toHaveBeenCalledWith(4, nonce, origin);
    await expect(bg.handlers['view:channel']({ nonce: 'x', origin }, { tabId: 4, frameId: 3 })).rejects.toThrow(/UUID/);
    await expect(bg.handlers['view:channel']({ nonce, origin: 'https://desk.example' }, { tabId: 4, frameId: 3 })).rejects.toThrow(/extension page/);
    await expect(bg.handlers['view:channel']({ nonce, origin }, {})).rejects.toThrow(/tab/);
    expect(openChannel).toHaveBeenCalledOnce();
  });
});
