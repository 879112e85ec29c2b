// Opens the side panel in the click itself (a user gesture): the window is known before.
let windowId;
chrome.windows.getCurrent().then((w) => (windowId = w.id));
document.querySelector('[data-action=open-panel]').addEventListener('click', () => void chrome.sidePanel.open({ windowId }));
