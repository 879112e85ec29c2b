// The bare peer's content script: the least a relay sidebar can do on a ticket switch. It watches
// the demo desk's DOM for the ticket's customer element, reads the email and sends it to the
// extension's views with one runtime message (the same hop Baton's content script uses to tell
// its views of the ticket). Inline display: it first adds the view's frame (an extension page)
// beside the desk. Display "frame" (the bench's frame alone): the same frame, told the customer
// once it has loaded, and nothing watching the page after that: what the frame itself costs.
(async () => {
  const { display = 'inline' } = await chrome.storage.local.get('display');
  let frame = null;
  if (display === 'inline' || display === 'frame') {
    frame = document.createElement('iframe');
    frame.src = chrome.runtime.getURL('src/frame/index.html');
    frame.style.cssText = 'position:fixed;top:0;right:0;width:380px;height:100vh;border:0;border-left:1px solid #ddd;background:#fff;z-index:2147483647';
    document.documentElement.appendChild(frame);
  }
  let last = '';
  const look = () => {
    const e = document.querySelector('article.ticket[data-ticket-id] .requester-email');
    const email = e ? e.textContent.trim() : '';
    if (!email || email === last) return;
    last = email;
    chrome.runtime.sendMessage({ bare: 'ticket', email }).catch(() => undefined);
  };
  if (display === 'frame') {
    frame.addEventListener('load', look, { once: true });
    return;
  }
  new MutationObserver(look).observe(document.documentElement, { childList: true, subtree: true });
  look();
})();
