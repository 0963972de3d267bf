// Starts the portal's WebAssembly, only where it has work to do: on a page with islands, or when
// this device holds the portal's drafts or queued submissions (the module sends and expires
// them). Pages are complete without it; with JavaScript off this never runs, and as nothing else
// on the page names the module, nothing is downloaded. `shell` inlines it with the build's paths.
((pkg, name) => {
  let started;
  /** The module, fetched and started once; the script and the WASM download side by side. */
  function start() {
    started ??= (async () => {
      const wasm = fetch(`${pkg}/${name}.wasm`);
      const mod = await import(`${pkg}/${name}.js`);
      await mod.default({ module_or_path: wasm });
      mod.hydrate();
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
    const island = mod[element.dataset.component];
    if (!island) {
      console.warn(`no WASM function for the island ${element.dataset.component}`);
      return;
    }
    childrenHydrated.at(-1)?.();
    await island(element);
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

  const hasIslands = document.querySelector('leptos-island') !== null;
  let keptHere = false;
  try {
    keptHere = Object.keys(localStorage).some((key) => key.startsWith('prakerja.'));
  } catch {
    // Storage refused (a private window's settings): nothing was kept either.
  }
  // A module script runs once the document is parsed: every island is in it by now.
  if (hasIslands || keptHere) {
    start().then((mod) => hydrateWithin(document.body, mod));
  }
})
