// @vitest-environment happy-dom
/**
 * Waiting for a desk that renders late: a pane added later, a pane already in the DOM that only
 * becomes the active one (an attribute flips), a wait that times out, and one the next ticket aborts.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/content/wait';

const active = () => document.querySelector('.pane[data-active]');

describe('waitFor', () => {
  it('resolves when the pane is added', async () => {
    document.body.innerHTML = '';
    const ac = new AbortController();
    const p = waitFor(active, { signal: ac.signal, timeoutMs: 5000 });
    const pane = document.createElement('section');
    pane.className = 'pane';
    pane.dataset.active = '';
    document.body.append(pane);
    expect(await p).toBe(pane);
  });

  it('resolves when a pane already there becomes the active one (attribute only)', async () => {
    document.body.innerHTML = '<section class="pane" data-ticket="1"></section><section class="pane" data-ticket="2"></section>';
    const ac = new AbortController();
    const p = waitFor(active, { signal: ac.signal, timeoutMs: 5000 });
    const second = document.querySelector<HTMLElement>('[data-ticket="2"]')!;
    second.dataset.active = '';
    expect(await p).toBe(second);
  });

  it('gives null after the timeout, and rejects when aborted', async () => {
    document.body.innerHTML = '';
    expect(await waitFor(active, { signal: new AbortController().signal, timeoutMs: 50 })).toBeNull();
    const ac = new AbortController();
    const p = waitFor(active, { signal: ac.signal, timeoutMs: 5000 });
    ac.abort(new Error('next ticket'));
    await expect(p).rejects.toThrow('next ticket');
  });
});
