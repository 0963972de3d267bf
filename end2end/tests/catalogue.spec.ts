import { CataloguePage, Dashboard, Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { balanceOf, issueCard } from '../support/database';
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

  test('a participant buys a training and sees the voucher and the balance drop', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    await form.fillAll(applicant);
    await form.declareAndSubmit();
    await new Dashboard(portal).expectRegistered();
    await issueCard(applicant.nik, 1_000_000);

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
});
