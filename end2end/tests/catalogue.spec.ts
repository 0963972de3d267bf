import { CataloguePage, Console, Portal, signUpParticipant } from '../pages/portal';
import { balanceOf, trainingAsCsvLine } from '../support/database';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';
import { expect, test } from '../support/fixtures';

test.describe('catalogue', () => {
  test('anyone searches and filters, and a bad filter is explained', async ({ page, javaScriptEnabled }) => {
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open();
    await expect(catalogue.resultCount()).toHaveText('900 pelatihan ditemukan');
    await expect(page.getByRole('button', { name: /Beli dengan saldo/ })).toHaveCount(0);

    await catalogue.search({ words: 'latte art', category: 'barista' });
    // The search is in the URL: it can be bookmarked and shared.
    await expect(page).toHaveURL(/q=latte\+art.*kategori=barista/);
    await expect(catalogue.trainings().first()).toContainText('Latte Art');
    for (const meta of await catalogue.trainings().locator('.meta').allInnerTexts()) {
      expect(meta).toContain('Barista dan minuman');
    }

    await catalogue.search({ words: '', maxPrice: 'murah' });
    const portal = new Portal(page, javaScriptEnabled);
    await portal.expectErrorSummary('Tulis jumlah rupiah dengan angka saja');
    await expect(portal.fieldError('harga_maks')).toBeVisible();
    await expect(page.getByLabel('Harga paling tinggi (Rp)')).toHaveValue('murah');
    // The other filters still apply.
    await expect(page.getByLabel('Kategori')).toHaveValue('barista');
  });

  test('three trainings are compared side by side, and the choice is in the URL', async ({ page, javaScriptEnabled }) => {
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open();
    await catalogue.search({ category: 'jualan-online', sort: 'harga' });
    const chosen: string[] = [];
    for (const training of (await catalogue.trainings().all()).slice(0, 3)) {
      chosen.push(await training.getByRole('heading').innerText());
      await training.getByLabel('Bandingkan').check();
    }
    await page.getByRole('button', { name: 'Bandingkan yang dipilih' }).click();
    await expect(page).toHaveURL(/\/pelatihan\/banding\?pilih=\d+&pilih=\d+&pilih=\d+$/);
    const table = page.getByRole('region', { name: 'Perbandingan' });
    await expect(table.locator('thead th')).toHaveText(chosen);
    await expect(table.getByRole('row', { name: /Harga per jam/ })).toContainText('median kategorinya');
    await expect(table.getByRole('row', { name: /Rating/ })).toContainText('Belum ada ulasan');
    // Shared as a link, the comparison opens the same.
    const url = page.url();
    await page.goto(url);
    await expect(table.locator('thead th')).toHaveText(chosen);
  });

  test('with JavaScript, the trainings ticked for comparison are remembered across reloads and pages', async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript the choice lives in the URL');
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    /** Ticks a box once the page's WASM listens (then the choice is stored). */
    const tick = async (training: ReturnType<typeof catalogue.trainings>, remembered: number) => {
      await expect(async () => {
        await training.getByLabel('Bandingkan').setChecked(false);
        await training.getByLabel('Bandingkan').setChecked(true);
        const stored = await page.evaluate(() => localStorage.getItem('prakerja.banding'));
        expect(JSON.parse(stored ?? '{"value": []}').value).toHaveLength(remembered);
      }).toPass();
    };
    await page.goto('/pelatihan?kategori=barista&urut=harga');
    const first = catalogue.trainings().nth(0);
    const firstTitle = await first.getByRole('heading').innerText();
    await tick(first, 1);
    await page.reload();
    await expect(catalogue.trainings().nth(0).getByLabel('Bandingkan')).toBeChecked();

    // Another page of the catalogue: the choice made on the first travels with the form, first.
    await page.goto('/pelatihan?kategori=menjahit&urut=harga');
    const other = catalogue.trainings().nth(0);
    const otherTitle = await other.getByRole('heading').innerText();
    await tick(other, 2);
    await page.getByRole('button', { name: 'Bandingkan yang dipilih' }).click();
    await expect(page).toHaveURL(/\/pelatihan\/banding\?pilih=\d+&pilih=\d+$/);
    await expect(page.getByRole('region', { name: 'Perbandingan' }).locator('thead th')).toHaveText([firstTitle, otherTitle]);
  });

  test('with JavaScript, filtering and sorting happen in the page, without a round trip per change', async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript the form asks the server (the first test)');
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open();
    await catalogue.waitForInstantFiltering();
    await expect(catalogue.instantStatus()).toContainText('900 pelatihan tersimpan');
    const roundTrips: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'document' || request.url().includes('/api/')) roundTrips.push(request.url());
    });

    await page.getByLabel('Kategori').selectOption('menjahit');
    await page.getByLabel('Urutkan').selectOption('harga');
    await expect(page).toHaveURL(/\/pelatihan\?kategori=menjahit&urut=harga$/);
    const count = Number((await catalogue.resultCount().innerText()).split(' ')[0]);
    expect(count).toBeGreaterThan(20);
    expect(count).toBeLessThan(900);
    for (const meta of await catalogue.trainings().locator('.meta').allInnerTexts()) {
      expect(meta).toContain('Menjahit dan tata busana');
    }
    const prices = (await catalogue.trainings().locator('dd').filter({ hasText: /^Rp/ }).allInnerTexts())
      .filter((_, i) => i % 2 === 0)
      .map((price) => Number(price.replace(/\D/g, '')));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));

    // Pages turn in the page too.
    await page.getByRole('link', { name: 'Berikutnya ›' }).click();
    await expect(page).toHaveURL(/kategori=menjahit&urut=harga&hal=2$/);
    await expect(page.getByRole('navigation', { name: 'Halaman hasil' })).toContainText('Halaman 2 dari');

    // Typing filters as it goes; a bad number is explained beside the field straight away.
    const portal = new Portal(page, javaScriptEnabled);
    await page.getByLabel('Jam pelatihan paling singkat').fill('nol');
    await expect(portal.fieldError('jam_min')).toBeVisible();
    await page.getByLabel('Jam pelatihan paling singkat').fill('30');
    await expect(portal.fieldError('jam_min')).toHaveCount(0);
    await expect(page).toHaveURL(/kategori=menjahit&jam_min=30&urut=harga$/);
    for (const hours of await catalogue.trainings().locator('dd').filter({ hasText: / jam$/ }).allInnerTexts()) {
      expect(Number(hours.split(' ')[0])).toBeGreaterThanOrEqual(30);
    }
    expect(roundTrips, 'no request to the server while filtering').toEqual([]);

    // The URL holds the search: opened afresh, the server shows the same page.
    const shownInPage = await catalogue.trainings().locator('h2').allInnerTexts();
    expect(shownInPage.length).toBeGreaterThan(0);
    await page.goto(page.url());
    await expect(catalogue.trainings().locator('h2')).toHaveText(shownInPage);
  });

  test('a training ticked before the page\'s code arrives stays chosen', async ({ page, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript the box is simply part of the form');
    // Hold back the catalogue island's module until the box is ticked.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pkg\/.*\/split_instant_catalogue.*\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open('/pelatihan?kategori=barista&urut=harga');
    const first = catalogue.trainings().first();
    const title = await first.getByRole('heading').innerText();
    await first.getByLabel('Bandingkan').check();
    release();
    await catalogue.waitForInstantFiltering();
    await expect(catalogue.inPageComparison().locator('thead th')).toHaveText([title]);
    await expect(first.getByLabel('Bandingkan')).toBeChecked();
  });

  test('comparing keeps working offline after the first load', async ({ page, context, javaScriptEnabled }) => {
    test.skip(!javaScriptEnabled, 'without JavaScript comparing is a page from the server');
    const catalogue = new CataloguePage(new Portal(page, javaScriptEnabled));
    await catalogue.open('/pelatihan?kategori=barista&urut=harga');
    // Once the service worker controls the page, the next load keeps the page and the document.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await catalogue.waitForInstantFiltering();

    await context.setOffline(true);
    await page.getByLabel('Kategori').selectOption('pemrograman-web');
    await expect(catalogue.trainings().first().locator('.meta')).toContainText('Pemrograman web');
    const chosen: string[] = [];
    for (const training of (await catalogue.trainings().all()).slice(0, 3)) {
      chosen.push(await training.getByRole('heading').innerText());
      await training.getByLabel('Bandingkan').check();
    }
    const comparison = catalogue.inPageComparison();
    await expect(comparison.locator('thead th')).toHaveText(chosen);
    await expect(comparison.getByRole('row', { name: /Harga per jam/ })).toContainText('median kategorinya');
    await expect(comparison.getByRole('row', { name: /Rating/ })).toContainText('Belum ada ulasan');
    await expect(comparison.getByRole('link', { name: /perbandingan lengkap/ })).toHaveAttribute(
      'href',
      /^\/pelatihan\/banding\?pilih=\d+&pilih=\d+&pilih=\d+$/,
    );

    // A reload without a connection: the page and the document come from the device.
    const offline = await page.reload();
    expect(offline?.headers()['x-prakerja-offline-copy'], 'the page is the service worker\'s copy').toBe('1');
    await catalogue.waitForInstantFiltering();
    await expect(catalogue.inPageComparison().locator('thead th')).toHaveText(chosen);
    await context.setOffline(false);
  });

  test('a participant buys a training and sees the voucher and the balance drop', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await signUpParticipant(portal, request, 1_000_000);

    const catalogue = new CataloguePage(portal);
    await catalogue.open();
    await expect(page.getByText('Sampai sisa saldo saya (Rp1.000.000)')).toBeVisible();
    await catalogue.search({ category: 'pembukuan-umkm', sort: 'harga' });
    const cheapest = catalogue.trainings().first();
    const title = await cheapest.getByRole('heading').innerText();
    await cheapest.getByRole('button', { name: /Beli dengan saldo/ }).click();

    await expect(page).toHaveURL(/\/pembelian$/);
    await expect(page.locator('.notice')).toContainText('Pembelian berhasil. Kode voucher Anda:');
    await expect(page.locator('.purchases')).toContainText(title);
    await expect(page.locator('.voucher')).toHaveText(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const balance = await balanceOf(applicant.nik);
    expect(balance).toBeLessThan(1_000_000);
    await expect(page.locator('.balance')).toHaveText(`Rp${balance.toLocaleString('id-ID')}`);
  });

  test('a program admin imports a platform\'s file from the console, and the report lists rejected rows', async ({ page }) => {
    // A training already in the catalogue, sent again (unchanged), and a row without a price: the
    // catalogue the other tests read stays as it is.
    const { platformName, line } = await trainingAsCsvLine('pintaria');
    const header = 'course_id,title,description,category,provider,price,hours,mode,level,outcomes';
    const rejected = 'SULAP-1,Sulap Kopi,Tanpa harga.,barista,Akademi Kopi,gratis,8,campuran,menengah,Sulap';
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await page.goto('/operator/katalog');
    await page.getByLabel('Platform', { exact: true }).selectOption('pintaria');
    await page.getByLabel('Berkas pelatihan (CSV atau JSON)').setInputFiles({
      name: 'pintaria.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${header}\n${line}\n${rejected}\n`),
    });
    await page.getByRole('button', { name: 'Impor', exact: true }).click();
    await expect(page).toHaveURL(/\/operator\/katalog$/);
    await expect(page.getByRole('status').first()).toHaveText(
      `Impor ${platformName}: 0 pelatihan baru, 0 diperbarui, 1 tidak berubah, 1 baris ditolak.`,
    );
    await expect(page.locator('.rejected-rows li')).toHaveText([/^baris 3: harga/]);

    // Without a file: explained beside the field, the platform chosen kept.
    await page.getByLabel('Platform', { exact: true }).selectOption('pintaria');
    await page.getByRole('button', { name: 'Impor', exact: true }).click();
    await expect(new Portal(page, false).fieldError('file')).toBeVisible();
    await expect(page.getByLabel('Platform', { exact: true })).toHaveValue('pintaria');
  });
});
