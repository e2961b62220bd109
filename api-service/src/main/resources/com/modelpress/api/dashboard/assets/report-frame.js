// The report viewer inside the dashboard's job page. The dashboard posts it the report's HTML (fetched with the
// key); it shows it from a blob: URL in a frame sandboxed to run nothing. The blob's document takes this page's
// Content-Security-Policy, which lets the report's own inline styles apply (the dashboard's policy does not) and
// still allows no inline script.
'use strict';

(function viewer() {
  const frame = document.getElementById('report');
  let url = null;
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== window.location.origin || typeof event.data !== 'string') {
      return;
    }
    if (url) {
      URL.revokeObjectURL(url);
    }
    url = URL.createObjectURL(new Blob([event.data], { type: 'text/html' }));
    frame.src = url;
  });
  window.parent.postMessage('report-frame-ready', window.location.origin);
}());
