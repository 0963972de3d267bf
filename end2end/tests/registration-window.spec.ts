import { Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';

// This server's clock stands on Saturday 5 December 2026, 10:00 WIB: registration is closed.
test.use({ baseURL: process.env.BASE_URL_CLOSED ?? 'http://127.0.0.1:3101' });

test.describe('outside the registration window', () => {
  test('the home page says when registration opens next', async ({ page, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    await portal.goto('/');
    await expect(page.getByRole('heading', { name: 'Pendaftaran sedang ditutup' })).toBeVisible();
    await expect(page.locator('.next-opening')).toHaveText('Senin, 7 Desember 2026 pukul 08.00 WIB');
    const countdown = page.locator('.countdown-value');
    await expect(countdown).toContainText(/^1 hari 2\d jam \d+ menit \d+ detik$/);
    if (javaScriptEnabled) {
      // The countdown ticks in the browser.
      const before = await countdown.textContent();
      await expect(countdown).not.toHaveText(before ?? '', { timeout: 3_000 });
    }
  });

  test('a submitted signup is refused with the answers kept', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    await expect(page.getByRole('heading', { name: 'Pendaftaran sedang ditutup' })).toBeVisible();
    const form = new SignupForm(portal);
    await form.fillAll(applicant);
    await form.declareAndSubmit();

    await portal.expectErrorSummary('Pendaftaran sedang ditutup, jadi data Anda belum dikirim');
    await expect(portal.errorSummary()).toContainText('Senin, 7 Desember 2026 pukul 08.00 WIB');
    await expect(page.getByRole('region', { name: 'Data diri sesuai KTP' })).toContainText(applicant.nik);
    await expect(page.getByLabel(/Saya menyatakan bahwa data di atas benar/)).toBeChecked();
    await page.goto('/dasbor');
    await expect(page.getByText('Anda belum mengirim formulir pendaftaran.')).toBeVisible();
  });
});
