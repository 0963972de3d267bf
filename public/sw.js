// Prakerja service worker: lets the portal open with no connection.
//
// - The application shell (the content-hashed script, WASM and stylesheet) is cached when the
//   worker installs and served from the cache; a new deployment has a new build id, installs a
//   new shell cache and deletes the old ones.
// - Pages are fetched from the network first; the last copy of each page visited is kept (at most
//   24 hours) and shown when there is no connection, so the forms can be filled offline. No copy
//   is kept for a shared device (the server marks those responses), and the page deletes the
//   copies at sign-out.
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
  } else if (request.mode === 'navigate') {
    event.respondWith(pageFromNetworkFirst(request));
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

async function pageFromNetworkFirst(request) {
  try {
    const response = await fetch(request);
    // Operator pages are never kept on the device either (x-prakerja-operator).
    // Only pages: a download (a wave's pool of millions of lines) is never copied to the device.
    const keep =
      response.ok &&
      (response.headers.get('content-type') || '').startsWith('text/html') &&
      !response.redirected &&
      !response.headers.has('x-prakerja-shared-device') &&
      !response.headers.has('x-prakerja-operator');
    if (keep) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (offline) {
    const cache = await caches.open(PAGES_CACHE);
    const copy = await cache.match(request, { ignoreSearch: true });
    if (copy && Date.now() - Date.parse(copy.headers.get('date') || '') < PAGE_MAX_AGE_MS) {
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
