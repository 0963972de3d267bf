import { CataloguePage, CompletionConsole, Console, Portal, signUpParticipant } from '../pages/portal';
import { expect, test } from '../support/fixtures';
import { currentStep, OPERATOR_PASSWORD, PROGRAM_ADMIN, totpAtStep } from '../support/operators';
import { simulatePlatform } from '../support/simulator';

/** The server whose clock is three days on; it holds completions sooner than the minimum study time. */
const HOLDING_SERVER = process.env.BASE_URL_CLOSED ?? 'http://127.0.0.1:3101';

test.describe('the operators\' console', () => {
  test('a completion reported sooner than the minimum study time waits for an operator, who issues the certificate', async ({ page, browser, request, javaScriptEnabled }) => {
    test.setTimeout(150_000);
    const portal = new Portal(page, javaScriptEnabled);
    await signUpParticipant(portal, request, 3_500_000);
    // Each run its own training (not the ones the completion spec buys), so its queue entry is its own.
    const catalogue = new CataloguePage(portal);
    await catalogue.open('/pelatihan?kategori=barista&urut=harga');
    const training = catalogue.trainings().nth(javaScriptEnabled ? 2 : 3);
    const title = await training.getByRole('heading').innerText();
    const platformName = (await training.locator('.meta').innerText()).split(' · ')[1];
    await training.getByRole('button', { name: /Beli dengan saldo/ }).click();
    await expect(page).toHaveURL(/\/pembelian$/);
    const voucher = (await page.locator('.purchases li', { hasText: title }).locator('.voucher').innerText()).trim();

    // A program admin gives the platform a key.
    const adminContext = await browser.newContext({ javaScriptEnabled });
    const adminPage = await adminContext.newPage();
    await new Console(adminPage).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    const keys = new CompletionConsole(adminPage);
    await keys.open();
    const { key, secret } = await keys.createKey(platformName);
    await adminContext.close();

    // The platform reports start, progress and completion within seconds, to a server that
    // holds such completions: no certificate yet, and the participant is told why.
    const report = await simulatePlatform({ key, secret, voucher, baseUrl: HOLDING_SERVER });
    expect(report).toContain('"held_for_review":true');
    await portal.goto('/pembelian');
    const purchase = page.locator('.purchases li', { hasText: title });
    await expect(purchase).toContainText('petugas memeriksanya sebelum sertifikat terbit');
    await expect(purchase.getByRole('link', { name: 'Tulis ulasan' })).toHaveCount(0);

    // The operator's queue (on the same server, whose clock is past the completion).
    const consoleContext = await browser.newContext({ javaScriptEnabled, baseURL: HOLDING_SERVER });
    const consolePage = await consoleContext.newPage();
    await new Console(consolePage).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await consolePage.goto('/operator/penyelesaian');
    const held = consolePage.locator('.queue-item', { hasText: title });
    await expect(held).toContainText(platformName);
    // Refusing needs a reason: the error beside this entry's field.
    await held.getByRole('button', { name: 'Tolak' }).click();
    const refused = consolePage.locator('.queue-item', { hasText: title });
    await expect(refused.locator('.field-error')).toBeVisible();
    await expect(consolePage.locator('.error-summary')).toBeVisible();
    // Issued instead.
    await refused.getByRole('button', { name: 'Terbitkan sertifikat' }).click();
    await expect(consolePage.getByRole('status').filter({ hasText: /Sertifikat [A-Z0-9-]+ diterbitkan\./ })).toBeVisible();
    await expect(consolePage.locator('.queue-item', { hasText: title })).toHaveCount(0);
    await consoleContext.close();

    // The participant now has the certificate and may review the training.
    await portal.goto('/pembelian');
    await expect(page.locator('.purchases li', { hasText: title }).getByRole('link', { name: 'Tulis ulasan' })).toBeVisible();
  });

  test('a program admin resets an operator\'s password and second factor; the operator enrols an authenticator and chooses a password', async ({ page, browser, javaScriptEnabled }) => {
    test.setTimeout(120_000);
    // One per project and worker: the JavaScript and no-JavaScript runs never share one.
    const username = `petugas.baru.${test.info().project.name}.${test.info().parallelIndex}`;
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await page.goto('/operator/petugas');
    const entry = () => page.locator('.queue-item', { hasText: username });
    await entry().getByRole('button', { name: 'Atur ulang kata sandi' }).click();
    const notice = await page.getByRole('status').filter({ hasText: 'Kata sandi baru' }).innerText();
    const password = notice.match(new RegExp(`Kata sandi baru ${username.replace(/\./g, '\\.')}: (\\S+)`))?.[1];
    expect(password, notice).toBeDefined();
    await entry().getByRole('button', { name: 'Atur ulang verifikasi dua langkah' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Verifikasi dua langkah ${username} diatur ulang` })).toBeVisible();
    await expect(entry()).toContainText('verifikasi dua langkah belum');

    // The operator signs in with the new password and is asked to enrol before anything else.
    const operatorContext = await browser.newContext({ javaScriptEnabled });
    const operatorPage = await operatorContext.newPage();
    await operatorPage.goto('/operator/masuk');
    await operatorPage.getByLabel('Nama pengguna').fill(username);
    await operatorPage.getByLabel('Kata sandi').fill(password!);
    await operatorPage.getByRole('button', { name: 'Masuk' }).click();
    await expect(operatorPage).toHaveURL(/\/operator\/dua-langkah$/);
    await operatorPage.goto('/operator/verifikasi');
    await expect(operatorPage).toHaveURL(/\/operator\/dua-langkah$/);
    await expect(operatorPage.getByRole('img', { name: 'Kode QR untuk aplikasi autentikator' })).toBeVisible();
    const secret = (await operatorPage.locator('.totp-secret').innerText()).replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    // A wrong code is explained beside the field; then the app's code enrols it.
    const step = currentStep();
    const wrong = totpAtStep(secret, step + 10);
    await operatorPage.getByLabel('Kode 6 angka dari aplikasi').fill(wrong);
    await operatorPage.getByRole('button', { name: 'Aktifkan' }).click();
    await expect(operatorPage.locator('.error-summary')).toContainText('Kode salah');
    await operatorPage.getByLabel('Kode 6 angka dari aplikasi').fill(totpAtStep(secret, currentStep()));
    await operatorPage.getByRole('button', { name: 'Aktifkan' }).click();
    await expect(operatorPage.getByRole('status').filter({ hasText: `Verifikasi dua langkah aktif untuk ${username}` })).toBeVisible();
    const recoveryCodes = await operatorPage.locator('.recovery-codes code').allInnerTexts();
    expect(recoveryCodes).toHaveLength(10);
    await operatorPage.getByRole('link', { name: 'Lanjut ke konsol' }).click();
    await expect(operatorPage).toHaveURL(/\/operator\/verifikasi/);

    // The operator replaces the handed-over password with their own; a mistyped repeat is
    // explained beside its field, and nothing typed is put back.
    const own = `kalimat sandi pilihan sendiri ${test.info().project.name}`;
    await operatorPage.getByRole('link', { name: 'Ubah kata sandi' }).click();
    await expect(operatorPage).toHaveURL(/\/operator\/kata-sandi$/);
    await operatorPage.getByLabel('Kata sandi saat ini').fill(password!);
    await operatorPage.getByLabel('Kata sandi baru', { exact: true }).fill(own);
    await operatorPage.getByLabel('Ulangi kata sandi baru').fill(`${own}!`);
    await operatorPage.getByRole('button', { name: 'Ubah kata sandi' }).click();
    await expect(operatorPage.locator('.error-summary')).toContainText('Ulangan kata sandi tidak sama');
    await expect(operatorPage.getByLabel('Kata sandi baru', { exact: true })).toHaveValue('');
    await operatorPage.getByLabel('Kata sandi saat ini').fill(password!);
    await operatorPage.getByLabel('Kata sandi baru', { exact: true }).fill(own);
    await operatorPage.getByLabel('Ulangi kata sandi baru').fill(own);
    await operatorPage.getByRole('button', { name: 'Ubah kata sandi' }).click();
    await expect(operatorPage).toHaveURL(/\/operator\/masuk$/);
    await expect(operatorPage.getByRole('status')).toContainText('Kata sandi Anda sudah diubah');
    await operatorContext.close();

    // Signing in again without the phone: a recovery code works once.
    for (const attempt of ['first', 'again']) {
      const context = await browser.newContext({ javaScriptEnabled });
      const again = await context.newPage();
      await again.goto('/operator/masuk');
      await again.getByLabel('Nama pengguna').fill(username);
      await again.getByLabel('Kata sandi').fill(own);
      await again.getByRole('button', { name: 'Masuk' }).click();
      await expect(again).toHaveURL(/\/operator\/masuk\/kode$/);
      await again.getByLabel('Kode verifikasi').fill(recoveryCodes[0]);
      await again.getByRole('button', { name: 'Masuk' }).click();
      if (attempt === 'first') {
        await expect(again).toHaveURL(/\/operator\/verifikasi/);
      } else {
        await expect(again.locator('.error-summary')).toBeVisible();
        await expect(again).toHaveURL(/\/operator\/masuk\/kode$/);
      }
      await context.close();
    }

    // The admin's list says how many recovery codes are left.
    await page.reload();
    await expect(entry()).toContainText('9 kode pemulihan tersisa');
  });
});
