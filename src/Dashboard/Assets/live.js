// Live updates without a framework: every element with data-live-src is fetched again every 1.5 s and replaced by the
// server's fresh rendering of it, until that rendering no longer carries data-live-src (the job is final).
(() => {
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
