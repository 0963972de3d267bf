import { BrowserContext, Page } from '@playwright/test';
import { CataloguePage, Dashboard, Mailbox, Portal, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';

// Budgets from the single-page issue: what each step costs a phone on a slow connection.
const NAVIGATION_BUDGET_BYTES = 15 * 1024;
const CATALOGUE_FIRST_VISIT_BUDGET_BYTES = 280 * 1024;

/** Counts the bytes that cross the network (compressed, headers included, as DevTools reports
 *  them) and tells when the page has been quiet for a while (lazy modules fetched). */
class NetworkMeter {
  private total = 0;
  private code = 0;
  private codeRequests = new Set<string>();
  private inFlight = new Set<string>();
  private lastActivity = Date.now();
  private marked = { total: 0, code: 0 };

  static async attach(context: BrowserContext, page: Page): Promise<NetworkMeter> {
    const meter = new NetworkMeter();
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    devtools.on('Network.requestWillBeSent', (event) => meter.started(event.requestId, event.request.url));
    devtools.on('Network.loadingFinished', (event) => meter.finished(event.requestId, event.encodedDataLength));
    devtools.on('Network.loadingFailed', (event) => meter.finished(event.requestId, 0));
    return meter;
  }

  private started(id: string, url: string) {
    this.inFlight.add(id);
    if (/\.(wasm|js)$/.test(new URL(url).pathname)) this.codeRequests.add(id);
    this.lastActivity = Date.now();
  }

  private finished(id: string, bytes: number) {
    this.inFlight.delete(id);
    this.total += bytes;
    if (this.codeRequests.has(id)) this.code += bytes;
    this.lastActivity = Date.now();
  }

  /** Waits until nothing has been in flight for `quietMs`, then returns the bytes since the last
   *  call: in all, and of code (WASM modules and scripts). */
  async bytesOfStep(quietMs = 750): Promise<{ bytes: number; code: number }> {
    await expect
      .poll(() => this.inFlight.size === 0 && Date.now() - this.lastActivity >= quietMs, { timeout: 20_000 })
      .toBe(true);
    const step = { bytes: this.total - this.marked.total, code: this.code - this.marked.code };
    this.marked = { total: this.total, code: this.code };
    return step;
  }
}

/** The paths of the documents the page loads (in-page navigations are not among them). */
function documentLoads(page: Page): string[] {
  const documents: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) documents.push(new URL(r.url()).pathname);
  });
  return documents;
}

test.describe('in-page navigation', () => {
  test.skip(process.env.PRAKERJA_PROFILE === 'dev', 'the budgets are for the release build');

  test('a walk from sign-in through the signup to a comparison loads one document, each step within its budget', async ({ browser, request, javaScriptEnabled }) => {
    const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const documents = documentLoads(page);
    const meter = await NetworkMeter.attach(context, page);
    const steps: { step: string; bytes: number; code: number }[] = [];
    const measure = async (step: string) => steps.push({ step, ...(await meter.bytesOfStep()) });

    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await portal.goto('/masuk');
    await measure('cold /masuk');
    await page.getByLabel('Alamat email').fill(applicant.email);
    await page.getByRole('button', { name: 'Kirim kode' }).click();
    await expect(page).toHaveURL(/\/masuk\/kode$/);
    await measure('/masuk/kode');
    await portal.waitForEnhancement();
    await page.getByLabel('Kode dari email').fill(await new Mailbox(request).latestCode(applicant.email));
    await page.getByRole('button', { name: 'Masuk', exact: true }).click();
    const form = new SignupForm(portal);
    await form.fillIdentity(applicant);
    await measure('/daftar/identitas');
    await form.next();
    await form.fillContact(applicant);
    await measure('/daftar/alamat-kontak');
    await form.next();
    await form.fillBackground(applicant);
    await measure('/daftar/latar-belakang');
    await form.next();
    await expect(page.getByRole('heading', { name: 'Periksa jawaban Anda' })).toBeVisible();
    await portal.waitForEnhancement();
    await measure('/daftar/periksa');
    await form.declareAndSubmit();
    await new Dashboard(portal).expectRegistered();
    await measure('/dasbor');
    await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: 'Pelatihan' }).click();
    const catalogue = new CataloguePage(portal);
    await expect(page).toHaveURL(/\/pelatihan$/);
    if (javaScriptEnabled) await catalogue.waitForInstantFiltering();
    await measure('/pelatihan');
    for (const training of (await catalogue.trainings().all()).slice(0, 2)) {
      await training.getByLabel('Bandingkan').check();
    }
    await page.getByRole('button', { name: 'Bandingkan yang dipilih' }).click();
    await expect(page).toHaveURL(/\/pelatihan\/banding\?pilih=\d+&pilih=\d+$/);
    await expect(page.getByRole('region', { name: 'Perbandingan' }).locator('thead th')).toHaveCount(2);
    await measure('/pelatihan/banding');

    console.log(
      `walk, JavaScript ${javaScriptEnabled ? 'on' : 'off'} (${documents.length} document loads):\n` +
        steps
          .map((s) => `    ${(s.bytes / 1024).toFixed(1).padStart(7)} KB (code ${(s.code / 1024).toFixed(1)} KB)  ${s.step}`)
          .join('\n'),
    );
    expect(pageErrors).toEqual([]);
    if (!javaScriptEnabled) {
      // Without JavaScript nothing changes: every step is a page of its own.
      expect(documents.length).toBeGreaterThanOrEqual(steps.length);
      return;
    }
    expect(documents, 'document loads with JavaScript').toEqual(['/masuk']);
    for (const { step, bytes } of steps.slice(1)) {
      const budget = step === '/pelatihan' ? CATALOGUE_FIRST_VISIT_BUDGET_BYTES : NAVIGATION_BUDGET_BYTES;
      expect.soft(bytes, `${step}: ${(bytes / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(budget);
    }
    await context.close();
  });

  test('back and forward, scroll, title and focus work as with full page loads', async ({ page, javaScriptEnabled }) => {
    const documents = documentLoads(page);
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open();
    await expect(page).toHaveTitle(/Katalog pelatihan/);
    if (javaScriptEnabled) await catalogue.waitForInstantFiltering();
    await page.evaluate(() => window.scrollTo(0, 900));
    await expect.poll(() => page.evaluate(() => Math.round(window.scrollY))).toBe(900);

    // Clicked where it is: a click by Playwright would first scroll the header's link into view.
    await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: 'Masuk' }).dispatchEvent('click');
    await expect(page).toHaveURL(/\/masuk$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Masuk atau daftar');
    await expect(page).toHaveTitle(/Masuk/);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    if (javaScriptEnabled) {
      // Focus on the new page's heading, and the page named for screen readers.
      await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
      await expect(page.locator('[aria-live="polite"]').last()).toHaveText(await page.title());
    }

    await page.goBack();
    await expect(page).toHaveURL(/\/pelatihan$/);
    await expect(page).toHaveTitle(/Katalog pelatihan/);
    // Back where it was (give or take a line the catalogue's island adds above as it starts).
    await expect.poll(() => page.evaluate(() => Math.round(window.scrollY))).toBeGreaterThan(800);
    expect(await page.evaluate(() => Math.round(window.scrollY))).toBeLessThan(1000);
    await page.goForward();
    await expect(page).toHaveURL(/\/masuk$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Masuk atau daftar');
    if (javaScriptEnabled) {
      expect(documents).toEqual(['/pelatihan']);
    }
  });

  test('offline, a page the service worker kept opens in place, and one it did not shows its offline page', async ({ page, context, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the service worker needs JavaScript');
    const documents = documentLoads(page);
    const menu = page.getByRole('navigation', { name: 'Menu utama' });
    await new Portal(page, javaScriptEnabled).goto('/masuk');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    // Both pages fetched in place through the worker, which keeps a copy of each.
    await menu.getByRole('link', { name: 'Pelatihan' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Katalog pelatihan');
    await menu.getByRole('link', { name: 'Masuk' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Masuk atau daftar');
    const kept = () =>
      page.evaluate(async () => (await (await caches.open('prakerja-pages')).keys()).map((r) => new URL(r.url).pathname));
    await expect.poll(kept).toEqual(expect.arrayContaining(['/masuk', '/pelatihan']));

    await context.setOffline(true);
    await menu.getByRole('link', { name: 'Pelatihan' }).click();
    await expect(page).toHaveURL(/\/pelatihan$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Katalog pelatihan');
    expect(documents, 'the kept copy was shown in place').toEqual(['/masuk']);
    // A page never kept: the browser loads it, and the worker answers with its offline page.
    await page.evaluate(() => (window as unknown as { prakerjaNavigate: (path: string) => void }).prakerjaNavigate('/gelombang/tidak-ada'));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
    await context.setOffline(false);
  });

  test('a page shown in place does not wait for the WASM a slow connection is still bringing', async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'islands run only with JavaScript');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pkg\/.*\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/masuk');
    await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: 'Pelatihan' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Katalog pelatihan');
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    // Shown as plain HTML meanwhile: the island's status line is still empty.
    await expect(catalogue.instantStatus()).toHaveText('');
    // Once the module is here, the island of the page now shown hydrates.
    release();
    await catalogue.waitForInstantFiltering();
  });

  test('an island taken out of the page stops: a form left while it was sending does not pull the applicant back', async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'islands run only with JavaScript');
    const portal = new Portal(page, javaScriptEnabled);
    await portal.goto('/masuk');
    // The sign-in form's post is held; meanwhile the applicant follows a link.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/**', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Alamat email').fill((await uniqueApplicant()).email);
    await page.getByRole('button', { name: 'Kirim kode' }).click();
    await page.getByRole('navigation', { name: 'Menu utama' }).getByRole('link', { name: 'Pelatihan' }).click();
    await expect(page).toHaveURL(/\/pelatihan$/);
    release();
    // The code was sent, but the applicant stays where they went.
    await page.waitForTimeout(1500);
    await expect(page).toHaveURL(/\/pelatihan$/);
  });
});
