import { Page } from '@playwright/test';
import { Console, Portal } from '../pages/portal';
import { exclusively } from '../support/lock';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';
import { expect, test } from '../support/fixtures';

// The demo as `cargo xtask run` shows it (its own server and database: see xtask end-to-end).
test.use({ baseURL: process.env.BASE_URL_DEMO ?? 'http://127.0.0.1:3102' });

/** Phones from 360 px, desktops at 1280 px. */
const WIDTHS = [360, 1280];
/** Pages per visitor at most, and per route: the crawl visits a few trainings, not all. */
const MAX_PAGES = 40;
const PAGES_PER_ROUTE = 3;

/** The demo's accounts (server/src/seed.rs). */
const DEMO = {
  registered: 'budi@contoh.id',
  draft: 'siti@contoh.id',
  participant: 'rina@contoh.id',
};

/** What is wider than the screen: nothing, or the elements that reach past its right edge. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    // Inside a box that scrolls (or clips) on its own, wide content is fine.
    const clipped = (el: Element) => {
      for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== 'visible') return true;
      }
      return false;
    };
    // An element wider than the screen, or one whose text runs out of its box (a long word).
    const wide = new Set(
      Array.from(document.body.querySelectorAll('*')).filter(
        (el) =>
          !clipped(el) &&
          (el.getBoundingClientRect().right > root.clientWidth + 1 ||
            (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)),
      ),
    );
    // The innermost ones say where the problem is.
    const innermost = [...wide]
      .filter((el) => !Array.from(el.children).some((child) => wide.has(child)))
      .slice(0, 5)
      .map((el) => `${describe(el)} (${Math.round(el.getBoundingClientRect().width)} px)`);
    return [`page ${root.scrollWidth} px wide on a ${root.clientWidth} px screen`, ...innermost];
  });
}

/** A page's route, so the crawl visits one training's reviews and not all of them. */
function routeOf(path: string): string {
  return path.replace(/\/[0-9]+(?=\/|$)/g, '/:id').replace(/\/[0-9a-f-]{16,}(?=\/|$)/gi, '/:key').replace(/\/sertifikat\/[^/]+/, '/sertifikat/:code');
}

/** The same-origin pages a page links to (not downloads, assets or the API). */
async function linksOn(page: Page): Promise<string[]> {
  const origin = new URL(page.url()).origin;
  const hrefs = await page.locator('a[href]:not([download])').evaluateAll((links) =>
    links.map((a) => (a as HTMLAnchorElement).href),
  );
  return hrefs
    .map((href) => new URL(href))
    .filter((url) => url.origin === origin && !/^\/(pkg|api)\//.test(url.pathname))
    .map((url) => url.pathname + url.search);
}

/** Visits the start pages and every route they lead to, at each width; returns what overflowed. */
async function crawl(portal: Portal, start: string[]): Promise<{ visited: string[]; problems: string[] }> {
  const page = portal.page;
  const queue = [...start];
  const seen = new Set<string>();
  const perRoute = new Map<string, number>();
  const visited: string[] = [];
  const problems: string[] = [];
  while (queue.length > 0 && visited.length < MAX_PAGES) {
    const path = queue.shift()!;
    const route = routeOf(path.split('?')[0]);
    if (seen.has(path.split('?')[0]) || (perRoute.get(route) ?? 0) >= PAGES_PER_ROUTE) continue;
    seen.add(path.split('?')[0]);
    perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
    await page.setViewportSize({ width: WIDTHS[0], height: 640 });
    const response = await page.goto(path);
    // Pages that refuse this visitor (a 403 console page) are pages too; only the server failing is not.
    expect(response?.status() ?? 0, path).toBeLessThan(500);
    // Documents the console links to (the platforms' API description) are not pages.
    if (!(response?.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    if (portal.javaScriptEnabled) await page.waitForLoadState('networkidle');
    visited.push(path);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width === 360 ? 640 : 800 });
      const found = await overflow(page);
      if (found.length > 0) problems.push(`${path} at ${width} px: ${found.join('; ')}`);
    }
    queue.push(...(await linksOn(page)));
  }
  return { visited, problems };
}


/** Signs in a demo applicant with the code the development mailbox shows. */
async function signInDemo(portal: Portal, email: string) {
  await exclusively(email, () => signInDemoNow(portal, email));
}

async function signInDemoNow(portal: Portal, email: string) {
  const page = portal.page;
  // The two projects sign in the same demo accounts: a code asked for a moment ago makes the
  // portal ask to wait (it says how long) before sending another.
  for (let attempt = 0; attempt < 3 && !/\/masuk\/kode$/.test(page.url()); attempt++) {
    await portal.goto('/masuk');
    await page.getByLabel('Alamat email').fill(email);
    await page.getByRole('button', { name: 'Kirim kode' }).click();
    const summary = page.locator('.error-summary');
    await Promise.race([page.waitForURL(/\/masuk\/kode$/).catch(() => {}), summary.waitFor().catch(() => {})]);
    const wait = (await summary.count()) > 0 ? (await summary.textContent())?.match(/Tunggu (\d+) detik/)?.[1] : undefined;
    if (wait) await page.waitForTimeout((Number(wait) + 1) * 1000);
  }
  await expect(page).toHaveURL(/\/masuk\/kode$/);
  // The newest code mailed; read again if refused (the other project's browser may still have
  // sent a request of its own that replaced it).
  for (let attempt = 0; attempt < 2; attempt++) {
    const mailbox = await (await page.request.get('/dev/surat')).text();
    const mail = mailbox.split('<li class="mail"').find((m) => m.includes(`data-recipient="${email}"`));
    const code = mail?.match(/Kode masuk Anda: (\d{6})/)?.[1];
    expect(code, `a code mailed to ${email}`).toBeTruthy();
    await portal.waitForEnhancement();
    await page.getByLabel('Kode dari email').fill(code!);
    await page.getByRole('button', { name: 'Masuk', exact: true }).click();
    const refused = page.locator('.error-summary', { hasText: 'Kode salah' });
    await Promise.race([page.waitForURL((url) => !url.pathname.startsWith('/masuk')).catch(() => {}), refused.waitFor().catch(() => {})]);
    if (!/\/masuk/.test(new URL(page.url()).pathname)) break;
  }
  await expect(page).not.toHaveURL(/\/masuk/);
}

test.describe('no page scrolls sideways', () => {
  const visitors: { name: string; start: string[]; signIn?: (portal: Portal) => Promise<void> }[] = [
    { name: 'a visitor', start: ['/', '/masuk', '/masuk/kode', '/pelatihan', '/gelombang', '/operator/masuk', '/dev/surat', '/tidak-ada'] },
    { name: 'an applicant who has registered', start: ['/dasbor', '/tes'], signIn: (p) => signInDemo(p, DEMO.registered) },
    {
      name: 'an applicant halfway through the form',
      start: ['/daftar/identitas', '/daftar/alamat-kontak', '/daftar/latar-belakang', '/daftar/periksa', '/daftar/sanggah-nik'],
      signIn: (p) => signInDemo(p, DEMO.draft),
    },
    { name: 'a participant', start: ['/dasbor', '/pelatihan', '/pembelian'], signIn: (p) => signInDemo(p, DEMO.participant) },
    {
      name: 'a program admin',
      start: ['/operator/verifikasi'],
      signIn: (p) => new Console(p.page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD),
    },
  ];
  for (const visitor of visitors) {
    test(`for ${visitor.name}, at 360 px and 1280 px`, async ({ page, javaScriptEnabled }) => {
      test.setTimeout(180_000);
      const portal = new Portal(page, javaScriptEnabled);
      await visitor.signIn?.(portal);
      const { visited, problems } = await crawl(portal, visitor.start);
      console.log(`${visitor.name}: ${visited.length} pages: ${visited.join(' ')}`);
      expect(visited.length).toBeGreaterThanOrEqual(visitor.start.length);
      expect(problems, 'pages wider than the screen').toEqual([]);
    });
  }
});
