import { readFile } from 'node:fs/promises';
import { CataloguePage, CompletionConsole, Console, Dashboard, IncentivePage, Portal, ReviewPage, signUpParticipant } from '../pages/portal';
import { expect, test } from '../support/fixtures';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';
import { openWallet, simulatePlatform } from '../support/simulator';

test.describe('finishing a training', () => {
  test('a training finished on its platform gives a certificate anyone can verify, and its review shows in the catalogue\'s rating spread', async ({ page, request, browser, javaScriptEnabled }) => {
    test.setTimeout(150_000);
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await signUpParticipant(portal, request, 3_500_000);

    // The participant buys a barista training (each run of the spec its own, so counts are exact).
    const catalogue = new CataloguePage(portal);
    await catalogue.open('/pelatihan?kategori=barista&urut=harga');
    const training = catalogue.trainings().nth(javaScriptEnabled ? 0 : 1);
    const title = await training.getByRole('heading').innerText();
    const meta = await training.locator('.meta').innerText();
    const platformName = meta.split(' · ')[1];
    const trainingId = meta.match(/No\. (\d+)$/)?.[1];
    expect(trainingId).toBeDefined();
    await training.getByRole('button', { name: /Beli dengan saldo/ }).click();
    await expect(page).toHaveURL(/\/pembelian$/);
    const voucher = (await page.locator('.purchases li', { hasText: title }).locator('.voucher').innerText()).trim();
    const participant = (await page.context().storageState()).cookies;

    // An operator gives the platform a key; its secret is shown once.
    await page.context().clearCookies();
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    const console_ = new CompletionConsole(page);
    await console_.open();
    const { key, secret } = await console_.createKey(platformName);
    expect(key).toMatch(/^pk_[a-z0-9]{20}$/);
    await page.reload();
    await expect(page.locator('.key-secret')).toHaveCount(0);
    await page.context().clearCookies();
    await page.context().addCookies(participant);

    // The platform reports the training started, half done and finished, signed.
    const report = await simulatePlatform({ key, secret, voucher });
    expect(report).toContain('selesai: HTTP 200');

    // The certificate on the dashboard, as a PDF and to print, and on its public page (the name
    // masked).
    await portal.goto('/dasbor');
    const certificates = page.locator('.certificates li', { hasText: title });
    const code = (await certificates.locator('code').innerText()).trim();
    expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      certificates.getByRole('link', { name: 'Unduh PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`sertifikat-prakerja-${code}.pdf`);
    const pdf = await readFile(await download.path());
    expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(pdf.toString('latin1')).toContain(`(${applicant.fullName}) Tj`);
    await certificates.getByRole('link', { name: 'Cetak', exact: true }).click();
    await expect(page.locator('main')).toContainText(applicant.fullName);
    await expect(page.locator('main svg')).toBeVisible();
    await page.goto(`/sertifikat/${code}`);
    await expect(page.locator('main')).toContainText('Sertifikat ini sah.');
    await expect(page.locator('main')).toContainText(title);
    await expect(page.locator('main')).not.toContainText(applicant.fullName);

    // The review: a too-short text is explained beside the field and kept; then it is written.
    await portal.goto('/pembelian');
    await page.locator('.purchases li', { hasText: title }).getByRole('link', { name: 'Tulis ulasan' }).click();
    await expect(page).toHaveURL(/\/pembelian\/[0-9a-f-]{36}\/ulasan$/);
    const review = new ReviewPage(portal);
    await review.write({ training: 5, service: 4, text: 'Kurang jelas.' });
    await portal.expectErrorSummary('Ulasan paling sedikit 30 karakter');
    await expect(portal.fieldError('body')).toBeVisible();
    await expect(page.getByLabel('Ulasan Anda')).toHaveValue('Kurang jelas.');
    const words = `Praktik langsung ${title} membantu; ulasan uji ${Date.now().toString(36)}.`;
    await review.write({ training: 5, service: 4, text: words });
    await expect(page).toHaveURL(/\/pembelian$/);
    await expect(page.locator('.notice')).toContainText('ulasan Anda tersimpan');
    await expect(page.locator('.notice')).toContainText('Rp600.000 sebulan selama 4 bulan');

    // The catalogue: the comparison shows the whole spread, the training's page the words. Each
    // portal's catalogue snapshot follows a review within a second.
    const rating = page.getByRole('region', { name: 'Perbandingan' }).getByRole('row', { name: /^Rating / });
    await expect(async () => {
      await page.goto(`/pelatihan/banding?pilih=${trainingId}`);
      await expect(rating).toContainText('5,0 dari 5 (1 ulasan)', { timeout: 500 });
    }).toPass({ timeout: 5000 });
    await expect(rating).toContainText('5 bintang: 1');
    await page.goto(`/pelatihan/${trainingId}/ulasan`);
    await expect(page.locator('.review', { hasText: words })).toContainText('Pelatihan 5 dari 5 · Layanan 4 dari 5');
    await portal.goto('/dasbor');
    await expect(page.locator('.incentive')).toContainText('Rp600.000 sebulan × 4 bulan');

    // The incentive (due at once on these servers): she links an e-wallet in her name, opened at
    // the rail beforehand, and sees the first installment paid into it.
    const walletNumber = `0857${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await openWallet('dana', `+62${walletNumber.slice(1)}`, applicant.fullName);
    await page.getByRole('link', { name: 'Rekening pencairan dan rincian tiap pembayaran' }).click();
    await expect(page).toHaveURL(/\/dasbor\/insentif$/);
    const incentive = new IncentivePage(portal);
    await expect(incentive.installment(1)).toHaveAttribute('data-state', 'jatuh-tempo');
    await incentive.linkWallet('DANA', walletNumber);
    await expect(page.locator('.notice')).toContainText('tersambung atas nama Anda');
    await expect(page.locator('[data-account="aktif"]')).toContainText('Aktif');
    await expect(async () => {
      await page.reload();
      await expect(incentive.installment(1)).toHaveAttribute('data-state', 'dibayar', { timeout: 1_000 });
    }).toPass({ timeout: 60_000, intervals: [2_000] });
    await expect(incentive.installment(1)).toContainText('Rp600.000');
    await expect(incentive.installment(2)).toHaveAttribute('data-state', 'belum');

    // She changes to an e-wallet in another name: an operator checks it before anything is paid.
    const otherNumber = `0858${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    await openWallet('ovo', `+62${otherNumber.slice(1)}`, 'Bambang Sutrisno Hadiwijaya');
    await incentive.linkWallet('OVO', otherNumber);
    await expect(page.locator('.notice')).toContainText('petugas memeriksanya dulu');
    await expect(page.locator('[data-account="diperiksa"]')).toBeVisible();
    await portal.goto('/dasbor');
    const reference = await new Dashboard(portal).reference();
    const adminContext = await browser.newContext({ javaScriptEnabled });
    const adminPage = await adminContext.newPage();
    await new Console(adminPage).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await adminPage.goto('/operator/pencairan');
    const waiting = adminPage.locator('.queue-item', { hasText: reference });
    await expect(waiting.locator('table.side-by-side')).toContainText(applicant.fullName);
    await expect(waiting.locator('table.side-by-side')).toContainText('Bambang Sutrisno Hadiwijaya');
    await waiting.getByLabel('Catatan (wajib bila ditolak; dibaca peserta)').fill('Rekening suami, dikonfirmasi lewat telepon.');
    await waiting.getByRole('button', { name: 'Setujui' }).click();
    await expect(adminPage.getByRole('status').filter({ hasText: `Rekening ${reference} disetujui` })).toBeVisible();
    await expect(adminPage.locator('.queue-item', { hasText: reference })).toHaveCount(0);
    await adminContext.close();
    await portal.goto('/dasbor/insentif');
    await expect(page.locator('[data-account="aktif"]')).toBeVisible();
  });
});
