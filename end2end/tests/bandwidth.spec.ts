import { BrowserContext, Page } from '@playwright/test';
import { CataloguePage, Portal, SignInPage, signUpApplicant } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';

// What a cheap phone on a slow connection downloads, cold: the signup pages and the catalogue
// (the single-page issue), and the WASM module (the offline-forms issue).
const SIGNUP_PAGE_BUDGET_BYTES = 180 * 1024;
const CATALOGUE_BUDGET_BYTES = 280 * 1024;
const WASM_GZIP_BUDGET_BYTES = 250 * 1024;

/** Loads `path` in a page with an empty cache and counts the bytes that crossed the network
 *  (compressed, headers included), as Chromium's DevTools report them. */
async function coldLoad(
  context: BrowserContext,
  page: Page,
  path: string,
  javaScriptEnabled: boolean,
  visit: () => Promise<void> = () => new Portal(page, javaScriptEnabled).goto(path),
) {
  const devtools = await context.newCDPSession(page);
  await devtools.send('Network.enable');
  await devtools.send('Network.setCacheDisabled', { cacheDisabled: true });
  const sizes = new Map<string, number>();
  const urls = new Map<string, string>();
  devtools.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
  devtools.on('Network.loadingFinished', (event) => sizes.set(event.requestId, event.encodedDataLength));
  await visit();
  await page.waitForLoadState('networkidle');
  const files = [...sizes].map(([id, bytes]) => ({ url: new URL(urls.get(id) ?? '').pathname, bytes }));
  return { total: files.reduce((sum, f) => sum + f.bytes, 0), files };
}

function report(label: string, load: { total: number; files: { url: string; bytes: number }[] }) {
  const lines = load.files.map((f) => `    ${(f.bytes / 1024).toFixed(1).padStart(7)} KB  ${f.url}`);
  console.log(`${label}: ${(load.total / 1024).toFixed(1)} KB compressed\n${lines.join('\n')}`);
}

test.describe('low bandwidth', () => {
  test.skip(process.env.PRAKERJA_PROFILE === 'dev', 'the budgets are for the release build');

  test('the sign-up page loads cold within the budget', async ({ browser, javaScriptEnabled }) => {
    const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
    const page = await context.newPage();
    const load = await coldLoad(context, page, '/masuk', javaScriptEnabled);
    report(`cold /masuk (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, load);
    expect(load.total).toBeLessThanOrEqual(SIGNUP_PAGE_BUDGET_BYTES);
    await context.close();
  });

  test('the signup form loads cold within the budget', async ({ browser, request, javaScriptEnabled }) => {
    // Sign in elsewhere, then open the form in a browser with nothing cached.
    const signIn = await browser.newContext({ javaScriptEnabled });
    const signInPage = await signIn.newPage();
    await new SignInPage(new Portal(signInPage, javaScriptEnabled)).signIn((await uniqueApplicant()).email, request);
    await expect(signInPage).toHaveURL(/\/daftar\/identitas$/);
    const cookies = await signIn.cookies();
    await signIn.close();

    const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const load = await coldLoad(context, page, '/daftar/identitas', javaScriptEnabled);
    report(`cold /daftar/identitas (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, load);
    await expect(page.getByRole('heading', { name: 'Data diri sesuai KTP' })).toBeVisible();
    expect(load.total).toBeLessThanOrEqual(SIGNUP_PAGE_BUDGET_BYTES);
    await context.close();
  });

  test('the catalogue loads cold within the budget', async ({ browser, javaScriptEnabled }) => {
    const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
    const page = await context.newPage();
    // With JavaScript, counted once the island has come and holds the catalogue document.
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    const load = await coldLoad(context, page, '/pelatihan', javaScriptEnabled, async () => {
      await catalogue.open();
      if (javaScriptEnabled) await catalogue.waitForInstantFiltering();
    });
    report(`cold /pelatihan (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, load);
    if (javaScriptEnabled) {
      expect(load.files.some((f) => f.url.includes('instant_catalogue')), 'the catalogue island came').toBe(true);
    }
    expect(load.total).toBeLessThanOrEqual(CATALOGUE_BUDGET_BYTES);
    await context.close();
  });

  test('without JavaScript no page downloads WASM or script; with it, pages without islands do not fetch the module', async ({ browser, request, javaScriptEnabled }) => {
    const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
    const page = await context.newPage();
    // Requests for code: the module, its script, split modules, any script file.
    const code: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/\.(wasm|js)$/.test(path) || request.resourceType() === 'script') code.push(`${page.url()} ${path}`);
    });
    const portal = new Portal(page, javaScriptEnabled);
    // Pages without islands: public lists and audits.
    for (const path of ['/gelombang']) {
      await portal.goto(path);
      await page.waitForLoadState('networkidle');
    }
    expect(code, 'pages without islands fetch no code').toEqual([]);
    if (javaScriptEnabled) {
      await context.close();
      return;
    }
    // Every public page and every signup step, as a visitor without JavaScript sees them.
    for (const path of ['/', '/masuk', '/pelatihan', '/pelatihan/banding']) {
      await portal.goto(path);
    }
    await signUpApplicant(portal, request);
    await portal.goto('/pelatihan');
    expect(code, 'code downloaded with JavaScript off').toEqual([]);
    await context.close();
  });

  test('the WASM bundle is served precompressed, hashed and cached for a year', async ({ request }) => {
    const html = await (await request.get('/masuk')).text();
    // The page names its build's content-hashed directory (the stylesheet, and the loader's paths).
    const build = html.match(/\/pkg\/[0-9a-f]{10}(?=\/prakerja\.css)/)?.[0];
    expect(build, 'the page names the bundle in its build\'s content-hashed directory').toBeTruthy();
    expect(html).toContain(`"${build}"`);
    const wasm = `${build}/prakerja.wasm`;
    const sizes: Record<string, number> = {};
    for (const encoding of ['identity', 'gzip', 'br']) {
      const response = await request.get(wasm!, { headers: { 'Accept-Encoding': encoding } });
      expect(response.status()).toBe(200);
      expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      if (encoding !== 'identity') {
        expect(response.headers()['content-encoding']).toBe(encoding);
      }
      sizes[encoding] = Number(response.headers()['content-length']);
    }
    console.log(
      `WASM ${wasm}: raw ${(sizes.identity / 1024).toFixed(1)} KB, gzip ${(sizes.gzip / 1024).toFixed(1)} KB, ` +
        `brotli ${(sizes.br / 1024).toFixed(1)} KB`,
    );
    expect(sizes.gzip).toBeLessThanOrEqual(WASM_GZIP_BUDGET_BYTES);
    expect(sizes.br).toBeLessThan(sizes.gzip);
  });
});
