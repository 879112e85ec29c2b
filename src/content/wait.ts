/** Waiting for desks that render late, and following in-app navigation. */

/**
 * Resolve with the first truthy `check()`, re-checking on DOM changes under `root`; resolve
 * null after `timeoutMs` or reject when `signal` aborts. Attribute changes count too (a desk
 * switching tabs often only flips `data-is-active`, `hidden` or a class on panes already in the
 * DOM); a burst of changes is answered with one check at most every `throttleMs`.
 */
export function waitFor<T>(
  check: () => T | null | undefined | false,
  opts: { signal: AbortSignal; root?: Node; timeoutMs?: number; throttleMs?: number },
): Promise<T | null> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason);
    const first = check();
    if (first) return resolve(first);
    const root = opts.root ?? document.documentElement;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      obs.disconnect();
      clearTimeout(timer);
      clearTimeout(pending);
      opts.signal.removeEventListener('abort', onAbort);
    };
    const done = (v: T | null) => {
      stop();
      resolve(v);
    };
    const obs = new MutationObserver(() => {
      if (pending !== undefined) return;
      pending = setTimeout(() => {
        pending = undefined;
        const v = check();
        if (v) done(v);
      }, opts.throttleMs ?? 30);
    });
    const onAbort = () => {
      stop();
      reject(opts.signal.reason);
    };
    const timer = setTimeout(() => done(null), opts.timeoutMs ?? 10_000);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    obs.observe(root, { childList: true, subtree: true, characterData: true, attributes: true });
  });
}

/**
 * Call `onChange` when the page's URL changes: the Navigation API where the browser has it,
 * history events, and a cheap href check on a timer (the page's own pushState is not visible
 * from the content script's world otherwise).
 */
export function watchUrl(win: Window, onChange: (href: string) => void, signal: AbortSignal, intervalMs = 500): void {
  let last = win.location.href;
  const check = () => {
    const href = win.location.href;
    if (href === last) return;
    last = href;
    onChange(href);
  };
  const nav = (win as unknown as { navigation?: EventTarget }).navigation;
  nav?.addEventListener('currententrychange', check, { signal });
  nav?.addEventListener('navigatesuccess', check, { signal });
  win.addEventListener('popstate', check, { signal });
  win.addEventListener('hashchange', check, { signal });
  const timer = setInterval(check, intervalMs);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
