import { Dashboard, Mailbox, Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { applicantsWithNik, expireSessionsOf } from '../support/database';
import { expect, test } from '../support/fixtures';

/** What the portal keeps in this browser: local storage keys and the paths of cached pages. */
async function keptOnDevice(page: import('@playwright/test').Page) {
  return page.evaluate(async () => {
    const keys = Object.keys(localStorage).filter((key) => key.startsWith('prakerja.'));
    const cache = (await caches.has('prakerja-pages')) ? await caches.open('prakerja-pages') : null;
    const pages = cache ? (await cache.keys()).map((request) => new URL(request.url).pathname) : [];
    return { keys, pages };
  });
}

/** Each kept page copy: its path, the account tag it was made for and its HTML. */
async function keptCopies(page: import('@playwright/test').Page) {
  return page.evaluate(async () => {
    if (!(await caches.has('prakerja-pages'))) {
      return [];
    }
    const cache = await caches.open('prakerja-pages');
    const copies = [];
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/__prakerja/')) {
        continue;
      }
      const response = await cache.match(request);
      copies.push({ path, owner: response?.headers.get('x-prakerja-owner') ?? '', html: (await response?.text()) ?? '' });
    }
    return copies;
  });
}

/** The pages the service worker may keep (public/sw.js): none of them shows personal data. */
const ALLOWED_COPIES = ['/', '/masuk', '/pelatihan', '/gelombang', '/daftar/identitas', '/daftar/alamat-kontak', '/daftar/latar-belakang'];

/** Pages that show personal data: the signup form and the dashboard. */
const personal = (path: string) => path.startsWith('/daftar') || path.startsWith('/dasbor') || path.startsWith('/masuk');

test.describe('nothing an applicant types is lost', () => {
  test('a half-filled form comes back after a reload', async ({ page, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'drafts on the device need the WASM');
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    await expect(page).toHaveURL(/\/daftar\/identitas$/);
    await portal.waitForEnhancement();
    await page.getByLabel('NIK (Nomor Induk Kependudukan)').fill(applicant.nik);
    await page.getByLabel('Nama lengkap sesuai KTP').fill(applicant.fullName);
    await page.getByLabel(applicant.gender === 'P' ? 'Perempuan' : 'Laki-laki', { exact: true }).check();

    await page.reload();
    await portal.waitForEnhancement();
    await expect(page.getByLabel('NIK (Nomor Induk Kependudukan)')).toHaveValue(applicant.nik);
    await expect(page.getByLabel('Nama lengkap sesuai KTP')).toHaveValue(applicant.fullName);
    await expect(page.getByLabel(applicant.gender === 'P' ? 'Perempuan' : 'Laki-laki', { exact: true })).toBeChecked();
  });

  test('errors appear as the applicant types, from the same rules as the server', async ({ page, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript the server shows the errors after posting');
    const portal = new Portal(page, javaScriptEnabled);
    await new SignInPage(portal).signIn((await uniqueApplicant()).email, request);
    await portal.waitForEnhancement();
    const nik = page.getByLabel('NIK (Nomor Induk Kependudukan)');
    await nik.fill('3201');
    await nik.blur();
    await expect(portal.fieldError('nik')).toHaveText('Kesalahan: NIK harus terdiri dari 16 angka.');
    await nik.fill('3201015708950003');
    await expect(portal.fieldError('nik')).toHaveCount(0);
  });

  test('a submit made offline is queued and sent once when the connection returns', async ({ page, context, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the queue lives in the WASM client');
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    await form.fillAll(applicant);

    await context.setOffline(true);
    await form.declareAndSubmit();
    await expect(page.getByRole('status')).toContainText('Belum terkirim: tidak ada koneksi internet');
    await expect(page.getByRole('status')).toContainText('akan dikirim otomatis saat koneksi kembali');
    expect(await applicantsWithNik(applicant.nik)).toBe(0);

    await context.setOffline(false);
    await new Dashboard(portal).expectRegistered();
    expect(await applicantsWithNik(applicant.nik)).toBe(1);
    expect((await keptOnDevice(page)).keys, 'the draft and the queue are cleared after success').toEqual([]);
  });

  test('a queued submit whose NIK is taken shows that error when it is sent', async ({ page, context, browser, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the queue lives in the WASM client');
    const first = await uniqueApplicant();
    const portal = new Portal(page, javaScriptEnabled);
    const second = { ...(await uniqueApplicant()), nik: first.nik, birthDate: first.birthDate, gender: first.gender };
    await new SignInPage(portal).signIn(second.email, request);
    const form = new SignupForm(portal);
    await form.fillAll(second);
    await context.setOffline(true);
    await form.declareAndSubmit();
    await expect(page.getByRole('status')).toContainText('Belum terkirim');

    // Meanwhile someone else registers the same NIK.
    const other = await browser.newContext();
    const otherPortal = new Portal(await other.newPage(), true);
    await new SignInPage(otherPortal).signIn(first.email, other.request);
    await new SignupForm(otherPortal).fillAll(first);
    await new SignupForm(otherPortal).declareAndSubmit();
    await new Dashboard(otherPortal).expectRegistered();
    await other.close();

    await context.setOffline(false);
    await portal.expectErrorSummary('NIK ini sudah terdaftar');
    expect(await applicantsWithNik(first.nik)).toBe(1);
  });

  test('ten replays of one submission create one record', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    await form.fillAll(applicant);
    let body = '';
    await page.route('**/api/signup-submit', async (route) => {
      body = route.request().postData() ?? '';
      await route.continue();
    });
    await form.declareAndSubmit();
    await new Dashboard(portal).expectRegistered();
    expect(body).toContain('idempotency_key=');

    // The same body again and again, as a flaky connection or a queue would resend it.
    const replays = await Promise.all(
      Array.from({ length: 10 }, () =>
        page.request.post('/api/signup-submit', {
          data: body,
          // As the browser's own queue sends it: from this site (the portal refuses posts that
          // do not say where they come from).
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
            Origin: new URL(page.url()).origin,
          },
        }),
      ),
    );
    for (const replay of replays) {
      expect(replay.status()).toBe(200);
      expect(await replay.json()).toEqual({ Accepted: { next: '/dasbor?baru=1' } });
    }
    expect(await applicantsWithNik(applicant.nik)).toBe(1);
  });

  test('a second visit with the network off opens the form', async ({ page, context, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the service worker needs JavaScript');
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    await portal.waitForEnhancement();
    // The service worker controls the page once it is active; the next load is kept.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await portal.waitForEnhancement();
    await page.getByLabel('NIK (Nomor Induk Kependudukan)').fill(applicant.nik);
    // The worker keeps a blank copy of the form in the background.
    await expect.poll(async () => (await keptCopies(page)).map((copy) => copy.path)).toContain('/daftar/identitas');

    await context.setOffline(true);
    const offline = await page.reload();
    expect(offline?.headers()['x-prakerja-offline-copy'], 'served by the service worker from its copy').toBe('1');
    await expect(page.getByRole('heading', { name: 'Data diri sesuai KTP' })).toBeVisible();
    await portal.waitForEnhancement();
    await expect(page.getByLabel('NIK (Nomor Induk Kependudukan)')).toHaveValue(applicant.nik);
    await page.getByLabel('Nama lengkap sesuai KTP').fill(applicant.fullName);
    await context.setOffline(false);
  });

  test('an expired session leads through sign-in back to the form with its content', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    await form.fillIdentity(applicant);
    await form.next();
    await form.fillContact(applicant);

    await expireSessionsOf(applicant.email);
    await form.next();
    await expect(page).toHaveURL(/\/masuk$/);
    await new SignInPage(portal).signIn(applicant.email, request);
    await expect(page).toHaveURL(/\/daftar\/alamat-kontak$/);
    await portal.waitForEnhancement();
    await expect(page.getByLabel('Kabupaten/kota tempat tinggal')).toHaveValue(applicant.city);
    await expect(page.getByLabel('Nomor HP')).toHaveValue(applicant.mobile);
  });

  test('on a shared device nothing is left in browser storage', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await portal.goto('/masuk');
    await page.getByLabel('Alamat email').fill(applicant.email);
    await page.getByLabel(/Saya memakai perangkat bersama/).check();
    await page.getByRole('button', { name: 'Kirim kode' }).click();
    await new SignInPage(portal).enterCode(await new Mailbox(request).latestCode(applicant.email));
    await expect(page).toHaveURL(/\/daftar\/identitas$/);
    const form = new SignupForm(portal);
    await form.fillIdentity(applicant);
    await page.reload();
    await form.fillIdentity(applicant);
    await form.next();
    await form.fillContact(applicant);
    expect(await keptOnDevice(page)).toEqual({ keys: [], pages: [] });
    await page.getByRole('button', { name: 'Keluar' }).click();
    await expect(page).toHaveURL(/\/\?keluar=1$/);
    expect(await keptOnDevice(page)).toEqual({ keys: [], pages: [] });
  });

  test('signing out removes what was kept on the device', async ({ page, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript nothing is kept on the device');
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    await portal.waitForEnhancement();
    await page.getByLabel('NIK (Nomor Induk Kependudukan)').fill(applicant.nik);
    expect((await keptOnDevice(page)).keys).toEqual(['prakerja.draft.signup-identity']);
    await page.getByRole('button', { name: 'Keluar' }).click();
    await expect(page).toHaveURL(/\/\?keluar=1$/);
    const kept = await keptOnDevice(page);
    expect(kept.keys).toEqual([]);
    expect(kept.pages.filter(personal), 'no page with personal data stays cached').toEqual([]);
  });

  test('the device keeps copies only of pages without personal data', async ({ page, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'the service worker needs JavaScript');
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    await portal.waitForEnhancement();
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Every step saved on the server, then the check page (the full NIK and KK) and the dashboard.
    const form = new SignupForm(portal);
    await page.reload();
    await form.fillAll(applicant);
    await expect(page).toHaveURL(/\/daftar\/periksa$/);
    await page.reload();
    await portal.goto('/daftar/identitas');
    await page.goto('/pelatihan');
    await expect.poll(async () => (await keptCopies(page)).map((copy) => copy.path).sort()).toEqual(['/daftar/alamat-kontak', '/daftar/identitas', '/daftar/latar-belakang', '/pelatihan']);

    const copies = await keptCopies(page);
    for (const copy of copies) {
      expect(ALLOWED_COPIES, `${copy.path} is on the allow-list`).toContain(copy.path);
      expect(copy.html, `${copy.path} holds no NIK`).not.toContain(applicant.nik);
      expect(copy.html, `${copy.path} holds no KK`).not.toContain(applicant.kk);
      expect(copy.html, `${copy.path} holds no name`).not.toContain(applicant.fullName);
      expect(copy.owner, `${copy.path} is bound to the account`).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  test('another account on the same browser gets neither the drafts nor the page copies of the first', async ({ page, context, request, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'drafts and copies on the device need JavaScript');
    const portal = new Portal(page, javaScriptEnabled);
    const first = await uniqueApplicant();
    await new SignInPage(portal).signIn(first.email, request);
    await portal.waitForEnhancement();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await portal.waitForEnhancement();
    await page.getByLabel('NIK (Nomor Induk Kependudukan)').fill(first.nik);
    await expect.poll(async () => (await keptCopies(page)).map((copy) => copy.path)).toContain('/daftar/identitas');
    const firstOwner = (await keptCopies(page))[0].owner;

    // The session ends without signing out (it expired, or the cookies were cleared), and
    // someone else signs in on this browser.
    await context.clearCookies();
    const second = await uniqueApplicant();
    await new SignInPage(portal).signIn(second.email, request);
    await expect(page).toHaveURL(/\/daftar\/identitas$/);
    await portal.waitForEnhancement();
    await expect(page.getByLabel('NIK (Nomor Induk Kependudukan)')).toHaveValue('');
    expect((await keptOnDevice(page)).keys, "the first account's draft is gone").toEqual([]);
    await expect
      .poll(async () => (await keptCopies(page)).filter((copy) => copy.owner === firstOwner).length, {
        message: "the first account's page copies are gone",
      })
      .toBe(0);

    // Offline, the second account is not shown the first one's form either.
    await context.setOffline(true);
    const offline = await page.reload();
    if (offline?.headers()['x-prakerja-offline-copy'] === '1') {
      await portal.waitForEnhancement();
      await expect(page.getByLabel('NIK (Nomor Induk Kependudukan)')).toHaveValue('');
    }
    await context.setOffline(false);
  });
});
