// The portal's one script, inlined by `PortalScripts` with the build's paths. Pages are complete
// without it; with JavaScript off it never runs, and as nothing else on the page names the
// module, nothing is downloaded.
//
// 1. It starts the WebAssembly only where it has work to do: on a page with islands, or when
//    this device holds the portal's drafts or queued submissions (the module sends and expires
//    them).
// 2. It moves between the portal's pages in place: a link followed or a form posted fetches the
//    next page, whose header and main content replace this one's; its islands hydrate, the ones
//    taken out are disposed. History, scroll, the title, focus (on the new page's heading, with
//    an announcement) follow as on a full load. Whatever it cannot do in place (another origin,
//    a download, a file upload, a page of another build, no connection) is left to the browser.
((pkg, name) => {
  let started;
  // The module once it runs (islands are hydrated only then).
  let running = null;
  /** The module, fetched and started once; the script and the WASM download side by side. */
  function start() {
    started ??= (async () => {
      const wasm = fetch(`${pkg}/${name}.wasm`);
      const mod = await import(`${pkg}/${name}.js`);
      await mod.default({ module_or_path: wasm });
      mod.hydrate();
      running = mod;
      // The worker keeps the module for opening the portal offline: registered once the page
      // has needed the module, so pages without islands do not download it through the worker.
      navigator.serviceWorker?.register('/sw.js').catch(() => {});
      return mod;
    })();
    return started;
  }

  // An island inside another island's children waits for that island's children to hydrate:
  // the innermost `leptos-children` being walked tells it when (Leptos' island protocol).
  const childrenHydrated = [];

  async function hydrateIsland(element, mod) {
    if (!element.isConnected || element.$$scope !== undefined) {
      // Taken out by a navigation before its turn came, or hydrated already (the first page's
      // walk can meet a page shown in place while the module was loading).
      return;
    }
    const island = mod[element.dataset.component];
    if (!island) {
      console.warn(`no WASM function for the island ${element.dataset.component}`);
      return;
    }
    childrenHydrated.at(-1)?.();
    // Its own reactive scope, dropped when a navigation takes the island away.
    element.$$scope = mod.island_scope_open();
    try {
      await island(element);
    } finally {
      mod.island_scope_close();
    }
  }

  async function hydrateWithin(node, mod) {
    for (const child of node.children) {
      const tag = child.tagName.toLowerCase();
      if (tag === 'leptos-island') {
        await hydrateIsland(child, mod);
        await hydrateWithin(child, mod);
      } else if (tag === 'leptos-children') {
        childrenHydrated.push(child.$$on_hydrate);
        await hydrateWithin(child, mod);
        childrenHydrated.pop();
      } else {
        await hydrateWithin(child, mod);
      }
    }
  }

  // One hydration at a time: an island's scope is the current owner until it has hydrated.
  let hydrating = Promise.resolve();
  function hydrate(node, mod) {
    hydrating = hydrating.catch(() => {}).then(() => hydrateWithin(node, mod));
    return hydrating;
  }

  function disposeWithin(node, mod) {
    for (const island of node.querySelectorAll('leptos-island')) {
      if (island.$$scope !== undefined) {
        mod.island_scope_drop(island.$$scope);
      }
    }
  }

  const hasIslands = (node) => node.querySelector('leptos-island') !== null;
  let keptHere = false;
  try {
    keptHere = Object.keys(localStorage).some((key) => key.startsWith('prakerja.'));
  } catch {
    // Storage refused (a private window's settings): nothing was kept either.
  }
  // A module script runs once the document is parsed: every island is in it by now.
  if (hasIslands(document.body) || keptHere) {
    start().then((mod) => hydrate(document.body, mod));
  }

  // ---- In-page navigation ----

  /** Sent with each page fetched in place: the service worker treats it as a navigation. */
  const NAVIGATION_HEADER = 'x-prakerja-navigation';
  const stylesheet = (doc) => doc.querySelector('link[rel=stylesheet]')?.getAttribute('href');
  const thisBuild = stylesheet(document);
  const header = () => document.querySelector('body > header');
  const withoutHash = (url) => url.href.split('#')[0];
  // The header as the server sent it (hydration changes the live one): a new page's header
  // replaces it only when it differs (signed in or out), so its island keeps running otherwise.
  let headerAsSent = header()?.outerHTML;
  let shownUrl = withoutHash(new URL(location.href));
  let latest = 0;
  // Pages shown in place restore their own scroll; a reload leaves it to the browser.
  history.scrollRestoration = 'manual';
  addEventListener('pagehide', () => (history.scrollRestoration = 'auto'));
  addEventListener('pageshow', () => (history.scrollRestoration = 'manual'));

  // Read by screen readers when a page is shown in place (the title names the page).
  const announcer = document.createElement('p');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('aria-live', 'polite');
  announcer.setAttribute('aria-atomic', 'true');
  document.body.append(announcer);

  /** What the browser does by itself: pages elsewhere, downloads, files, the API. */
  function leftToBrowser(url) {
    return url.origin !== location.origin ||
      /^\/(api|pkg|platform)\//.test(url.pathname) ||
      /\.[a-z0-9]+$/i.test(url.pathname);
  }

  function rememberScroll() {
    history.replaceState({ ...history.state, scrollY }, '');
  }

  /**
   * Fetches the page at `target` (posting `body` if given) and shows it; `how` is 'push',
   * 'replace' or 'pop'; `fallback(response)` runs when the browser must do it instead.
   */
  async function navigate(target, how, fallback, body) {
    const number = ++latest;
    const headers = { [NAVIGATION_HEADER]: '1', accept: 'text/html' };
    let response;
    let page;
    try {
      response = await fetch(target, body ? { method: 'POST', body, headers } : { headers });
      if (!(response.headers.get('content-type') || '').startsWith('text/html')) {
        throw new Error('not a page');
      }
      page = new DOMParser().parseFromString(await response.text(), 'text/html');
    } catch {
      // No connection, or not a page: the browser does it (the worker serves offline copies).
      return number === latest && fallback(response);
    }
    if (number !== latest) {
      return;
    }
    const url = new URL(response.url);
    if (!response.redirected) {
      url.hash = target.hash;
    }
    const main = page.getElementById('main');
    if (!main || stylesheet(page) !== thisBuild) {
      // Not one of this build's pages (a new deployment, the worker's offline page).
      return location.assign(response.url);
    }
    // As browsers do, a move to the address shown replaces its history entry.
    if (how === 'push' && url.href !== location.href) {
      rememberScroll();
      history.pushState({ scrollY: 0 }, '', url);
    } else if (how !== 'pop' || url.href !== location.href) {
      history.replaceState(how === 'pop' ? history.state : { scrollY: 0 }, '', url);
    }
    shownUrl = withoutHash(url);
    // An island still hydrating (its module arriving) must not be taken out from under it; the
    // main module still downloading holds nothing back (its hydration has not begun).
    await hydrating.catch(() => {});
    if (number !== latest) {
      return;
    }
    show(page, main);
    if (how === 'pop') {
      scrollTo(0, history.state?.scrollY ?? 0);
    } else if (url.hash) {
      document.getElementById(decodeURIComponent(url.hash.slice(1)))?.scrollIntoView();
    } else {
      scrollTo(0, 0);
    }
  }

  /** Puts the page in place now; its islands hydrate once their code is here (a slow
   *  connection still downloading the module does not hold the page back). */
  function show(page, main) {
    const mod = running;
    const oldMain = document.getElementById('main');
    const newHeader = page.querySelector('body > header');
    const headerChanged = newHeader && newHeader.outerHTML !== headerAsSent;
    if (mod) {
      disposeWithin(oldMain, mod);
      if (headerChanged && header()) {
        disposeWithin(header(), mod);
      }
    }
    document.title = page.title;
    if (headerChanged) {
      headerAsSent = newHeader.outerHTML;
      header()?.replaceWith(newHeader);
    }
    oldMain.replaceWith(main);
    const focus = main.querySelector('[autofocus]') || main.querySelector('h1') || main;
    if (!focus.hasAttribute('tabindex') && !focus.matches('a, button, input, select, textarea')) {
      focus.setAttribute('tabindex', '-1');
    }
    focus.focus({ preventScroll: true });
    announcer.textContent = page.title;
    const islands = hasIslands(main) || (headerChanged && hasIslands(newHeader));
    if (islands || started) {
      start().then(async (ready) => {
        if (islands) {
          if (headerChanged) {
            await hydrate(newHeader, ready);
          }
          await hydrate(main, ready);
        }
        // A module that started for this page did this in `hydrate`.
        if (mod) {
          ready.on_page_load();
        }
      });
    }
  }

  // The WASM's own moves (after a form is accepted, at the test's deadline).
  window.prakerjaNavigate = (path, replace) => {
    const url = new URL(path, location.href);
    if (leftToBrowser(url)) {
      return location.assign(url);
    }
    navigate(url, replace ? 'replace' : 'push', () => location.assign(url));
  };

  addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    const link = event.target.closest?.('a[href]');
    if (!link || link.target || link.hasAttribute('download')) {
      return;
    }
    const url = new URL(link.href);
    if (leftToBrowser(url) || (url.hash && withoutHash(url) === shownUrl)) {
      return;
    }
    event.preventDefault();
    navigate(url, 'push', () => location.assign(url));
  });

  addEventListener('submit', (event) => {
    // Islands' forms send themselves (and prevent the default).
    if (event.defaultPrevented) {
      return;
    }
    const form = event.target;
    const submitter = event.submitter;
    // Attributes, not properties: a field named `action` or `method` shadows the form's own.
    const attribute = (name) => submitter?.getAttribute(`form${name}`) ?? form.getAttribute(name);
    const method = (attribute('method') || 'get').toLowerCase();
    const url = new URL(attribute('action') || '', location.href);
    if (attribute('target') || (attribute('enctype') || '').toLowerCase() === 'multipart/form-data' ||
        (method !== 'get' && method !== 'post') || url.origin !== location.origin || form.$$sendNatively) {
      return;
    }
    const body = new URLSearchParams(new FormData(form, submitter));
    event.preventDefault();
    if (method === 'get') {
      url.search = body;
      return navigate(url, 'push', () => location.assign(url));
    }
    navigate(url, 'push', (response) => {
      if (response) {
        // Answered with something other than a page: show what a GET of it gives.
        return location.assign(response.url);
      }
      // Not sent: the browser posts it itself, and shows its own error if offline.
      form.$$sendNatively = true;
      form.requestSubmit(submitter);
    }, body);
  });

  addEventListener('popstate', () => {
    const url = new URL(location.href);
    // Back to an anchor on the page shown: the browser scrolls.
    if (withoutHash(url) === shownUrl) {
      return;
    }
    navigate(url, 'pop', () => location.reload());
  });
})
