import { Console } from '../pages/portal';
import { expect, test } from '../support/fixtures';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';

test.describe('operators in the console', () => {
  test('a program admin creates an operator, whose temporary password is shown once and signs in to the second factor\'s enrolment', async ({ page, browser, javaScriptEnabled }) => {
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await page.goto('/operator/petugas');
    const username = `petugas.${javaScriptEnabled ? 'js' : 'nojs'}.${Date.now().toString(36)}`;

    // A malformed form is refused beside its fields, what was typed kept.
    await page.getByLabel('Nama pengguna (huruf kecil, angka, titik)').fill('x');
    await page.getByRole('button', { name: 'Buat akun' }).click();
    await expect(page.locator('#username-error')).toContainText('Nama pengguna 3-40 karakter');
    await expect(page.locator('#display_name-error')).toBeVisible();
    await expect(page.getByLabel('Nama pengguna (huruf kecil, angka, titik)')).toHaveValue('x');

    await page.getByLabel('Nama pengguna (huruf kecil, angka, titik)').fill(username);
    await page.getByLabel('Nama petugas').fill('Petugas Baru Uji');
    await page.locator('#role').selectOption('verifikator');
    await page.getByRole('button', { name: 'Buat akun' }).click();
    const notice = page.getByRole('status').filter({ hasText: `Akun ${username} (Verifikator) dibuat.` });
    await expect(notice).toBeVisible();
    const password = (await notice.innerText()).match(/Kata sandi sementara: (\S+)/)![1];
    await expect(page.locator('.queue-item', { hasText: username })).toContainText('verifikasi dua langkah belum didaftarkan');

    // The new operator signs in with it and is taken to enrol a second factor.
    const newcomer = await browser.newContext({ javaScriptEnabled });
    const newPage = await newcomer.newPage();
    await newPage.goto('/operator/masuk');
    await newPage.getByLabel('Nama pengguna').fill(username);
    await newPage.getByLabel('Kata sandi').fill(password);
    await newPage.getByRole('button', { name: 'Masuk' }).click();
    await expect(newPage).toHaveURL(/\/operator\/dua-langkah$/);
    await newcomer.close();
  });
});
