// Live updates without a framework: every element with data-live-src is fetched again every 1.5 s and replaced by the
// server's fresh rendering of it, until that rendering no longer carries data-live-src (the job is final).
// And the loading state: the server renders each page whole, so what is loading is the next page. Following a link of
// the dashboard or sending one of its forms says "Loading…" (a status region, and a bar) until that page arrives; a
// page restored by the back button clears it.
(() => {
  const loading = document.getElementById('loading');
  const busy = on => {
    if (!loading) {
      return;
    }
    loading.textContent = on ? 'Loading…' : '';
    if (on) {
      document.body.setAttribute('aria-busy', 'true');
    } else {
      document.body.removeAttribute('aria-busy');
    }
  };
  document.addEventListener('click', event => {
    const link = event.target.closest('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey
        || link.target || link.hasAttribute('download')) {
      return; // a new tab, a download, or the browser's own handling: this page stays
    }
    const url = new URL(link.href, window.location.href);
    const samePage = url.pathname === window.location.pathname && url.search === window.location.search;
    if (url.origin === window.location.origin && url.pathname.startsWith('/app') && !(samePage && url.hash)) {
      busy(true);
    }
  });
  document.addEventListener('submit', event => {
    if (!event.defaultPrevented) {
      busy(true);
    }
  });
  window.addEventListener('pageshow', () => busy(false));

  const tick = async () => {
    for (const node of document.querySelectorAll('[data-live-src]')) {
      try {
        const response = await fetch(node.dataset.liveSrc, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
        if (response.status === 401 || response.redirected) {
          window.location.reload(); // the session ended: the page itself goes to the sign-in form
          return;
        }
        if (!response.ok) {
          node.removeAttribute('data-live-src');
          continue;
        }
        const template = document.createElement('template');
        template.innerHTML = (await response.text()).trim();
        const fresh = template.content.firstElementChild;
        if (fresh) {
          node.replaceWith(fresh);
        }
      } catch {
        // The next tick tries again.
      }
    }
    if (document.querySelector('[data-live-src]')) {
      setTimeout(tick, 1500);
    }
  };
  if (document.querySelector('[data-live-src]')) {
    setTimeout(tick, 1000);
  }
})();
