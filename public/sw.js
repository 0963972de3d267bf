// Prakerja service worker: lets the portal open with no connection.
//
// - The application shell (the content-hashed script, WASM and stylesheet) is cached when the
//   worker installs and served from the cache; a new deployment has a new build id, installs a
//   new shell cache and deletes the old ones.
// - Pages are fetched from the network first. A copy is kept only of the pages on an allow-list,
//   which hold no personal data: public pages as they are, and the signup form's steps as blank
//   copies (the server renders them without the applicant's answers when asked with
//   `x-prakerja-copy: blank`; the page fills them from the account's own draft on the device).
//   Copies live 24 hours (expired ones are dropped when the worker activates), none is kept for
//   a shared device, and the page deletes them all at sign-out.
// - Every copy is bound to the account that fetched it (`x-prakerja-owner`, an opaque tag).
//   When another account signs in on this browser, the copies of the previous one are deleted;
//   offline, a copy is shown only to the account it was made for (or anyone, for public pages).
// - The catalogue document (public, the same for everyone) is fetched from the network first and
//   its last copy kept, so the catalogue keeps filtering and comparing in the page offline.
// - Posts always go to the network: a form submitted offline is queued by the page itself.
//
// `cargo xtask build` fills in BUILD and SHELL.
const BUILD = '__BUILD__';
const SHELL = __SHELL__;
const SHELL_CACHE = `prakerja-shell-${BUILD}`;
const PAGES_CACHE = 'prakerja-pages';
const DOCUMENTS_CACHE = 'prakerja-documents';
const DOCUMENTS = ['/api/katalog.json'];
const PAGE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
// A blank copy is fetched again when older than this (it changes only with a deployment or the
// registration status it shows).
const BLANK_COPY_REFRESH_MS = 60 * 60 * 1000;
// Kept as they are: nothing personal on them.
const KEPT_PAGES = ['/', '/masuk', '/pelatihan', '/gelombang'];
// Kept as blank copies.
const BLANK_FORMS = ['/daftar/identitas', '/daftar/alamat-kontak', '/daftar/latar-belakang'];
// Where the worker remembers the last account it saw (a tag; in its own cache, as workers
// are stopped and restarted at will).
const OWNER_ENTRY = '/__prakerja/owner';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names
          .filter((name) => name.startsWith('prakerja-shell-') && name !== SHELL_CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(dropPageCopies((copy) => isExpired(copy)))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(shellFirst(request));
  } else if (DOCUMENTS.includes(url.pathname)) {
    event.respondWith(documentFromNetworkFirst(request));
  } else if (request.mode === 'navigate' || request.headers.has('x-prakerja-navigation')) {
    // The page's own in-page navigation (loader.js) is a navigation too.
    event.respondWith(pageFromNetworkFirst(event));
  }
});

async function shellFirst(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function documentFromNetworkFirst(request) {
  const cache = await caches.open(DOCUMENTS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (offline) {
    const copy = await cache.match(request);
    if (copy) {
      return copy;
    }
    throw offline;
  }
}

function isExpired(copy) {
  const age = Date.now() - Date.parse(copy.headers.get('date') || '');
  return !(age < PAGE_MAX_AGE_MS);
}

function ownerOf(response) {
  return response.headers.get('x-prakerja-owner') || '';
}

/** Deletes the kept page copies for which `drop(copy)` is true. */
function dropPageCopies(drop) {
  return async () => {
    const cache = await caches.open(PAGES_CACHE);
    for (const request of await cache.keys()) {
      if (new URL(request.url).pathname === OWNER_ENTRY) {
        continue;
      }
      const copy = await cache.match(request);
      if (!copy || drop(copy)) {
        await cache.delete(request);
      }
    }
  };
}

async function knownOwner() {
  const cache = await caches.open(PAGES_CACHE);
  const entry = await cache.match(OWNER_ENTRY);
  return entry ? entry.text() : '';
}

/**
 * Remembers the account a page was fetched for. When it is another account than before, the
 * previous account's copies go. A signed-out page changes nothing: an expired session comes back
 * to its own copies, and signing out deletes them from the page.
 */
async function noteOwner(owner) {
  if (!owner || owner === (await knownOwner())) {
    return;
  }
  await dropPageCopies((copy) => ownerOf(copy) !== '' && ownerOf(copy) !== owner)();
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(OWNER_ENTRY, new Response(owner));
}

function mayKeep(response) {
  return response.ok &&
    (response.headers.get('content-type') || '').startsWith('text/html') &&
    !response.redirected &&
    !response.headers.has('x-prakerja-shared-device') &&
    !response.headers.has('x-prakerja-operator');
}

/** Keeps a blank copy of a form page for this account, unless a recent one is kept already. */
async function keepBlankCopy(url, owner) {
  const cache = await caches.open(PAGES_CACHE);
  const kept = await cache.match(url);
  if (kept && ownerOf(kept) === owner &&
      Date.now() - Date.parse(kept.headers.get('date') || '') < BLANK_COPY_REFRESH_MS) {
    return;
  }
  const blank = await fetch(url, { headers: { 'x-prakerja-copy': 'blank' }, credentials: 'same-origin' });
  if (mayKeep(blank) && ownerOf(blank) === owner) {
    await cache.put(url, blank);
  }
}

async function pageFromNetworkFirst(event) {
  const request = event.request;
  const path = new URL(request.url).pathname;
  try {
    const response = await fetch(request);
    const owner = ownerOf(response);
    // Cloned now: the page starts reading the body as soon as it is returned.
    const copy = mayKeep(response) && KEPT_PAGES.includes(path) ? response.clone() : null;
    event.waitUntil((async () => {
      // A shared device keeps nothing, not even which account used it.
      if (response.headers.has('x-prakerja-shared-device')) {
        return;
      }
      await noteOwner(owner);
      if (copy) {
        const cache = await caches.open(PAGES_CACHE);
        await cache.put(path, copy);
      } else if (mayKeep(response) && BLANK_FORMS.includes(path)) {
        await keepBlankCopy(path, owner);
      }
    })().catch(() => {}));
    return response;
  } catch (offline) {
    const cache = await caches.open(PAGES_CACHE);
    const copy = await cache.match(path);
    const owner = await knownOwner();
    const forThisAccount = copy && (ownerOf(copy) === '' || ownerOf(copy) === owner);
    if (forThisAccount && !isExpired(copy)) {
      // Marked, so it is plain (to tests and to anyone debugging) that this came from the copy.
      const headers = new Headers(copy.headers);
      headers.set('x-prakerja-offline-copy', '1');
      return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
    }
    return new Response(OFFLINE_PAGE, { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }
}

const OFFLINE_PAGE = `<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tidak ada koneksi — Prakerja</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b">
<h1>Tidak ada koneksi internet</h1>
<p>Halaman ini belum pernah dibuka di perangkat ini, jadi belum bisa ditampilkan tanpa koneksi.
Coba lagi saat koneksi kembali. Isian formulir yang sudah Anda ketik tetap tersimpan.</p>
<p><a href="/">Muat ulang</a></p></body></html>`;
