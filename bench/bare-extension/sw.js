// The bare peer's service worker: nothing to do (the content script messages the views directly;
// runtime.sendMessage reaches every extension page). It exists because the bench's browser
// helper hands a browser over once the extension's worker is up.
chrome.runtime.onInstalled.addListener(() => undefined);
