import { Console, Dashboard, Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';
import { OPERATOR_PASSWORD, VERIFIER } from '../support/operators';

test.describe('NIK saya dipakai orang lain', () => {
  test('the owner of a taken NIK disputes it, and an operator sees the dispute', async ({ page, browser, javaScriptEnabled }) => {
    // Someone registers with a NIK that is not theirs.
    const taken = await uniqueApplicant();
    const firstContext = await browser.newContext({ javaScriptEnabled });
    const firstPortal = new Portal(await firstContext.newPage(), javaScriptEnabled);
    await new SignInPage(firstPortal).signIn(taken.email, firstContext.request);
    await new SignupForm(firstPortal).fillAll(taken);
    await new SignupForm(firstPortal).declareAndSubmit();
    await new Dashboard(firstPortal).expectRegistered();
    await firstContext.close();

    // The owner is refused, and follows the link beside the refusal.
    const portal = new Portal(page, javaScriptEnabled);
    const owner = { ...(await uniqueApplicant()), nik: taken.nik, birthDate: taken.birthDate, gender: taken.gender };
    await new SignInPage(portal).signIn(owner.email, page.request);
    const form = new SignupForm(portal);
    await form.fillAll(owner);
    await form.declareAndSubmit();
    await portal.expectErrorSummary('NIK ini sudah terdaftar');
    await page.getByRole('link', { name: 'NIK saya dipakai orang lain', exact: true }).click();
    // A plain server form (no island): nothing to wait for, with JavaScript or without.
    await expect(page.getByRole('heading', { name: 'NIK saya dipakai orang lain' })).toBeVisible();
    await expect(page.getByLabel('NIK Anda')).toHaveValue(owner.nik);

    // Too short a statement: the error beside the field, what was typed kept.
    await page.getByLabel('Keterangan').fill('Bukan saya');
    await page.getByRole('button', { name: 'Kirim sanggahan' }).click();
    await portal.expectErrorSummary('minimal 30 karakter');
    await expect(page.getByLabel('Keterangan')).toHaveValue('Bukan saya');

    // Its own words: the JavaScript and no-JavaScript runs each file one, side by side in the queue.
    const statement = `Saya belum pernah mendaftar, tetapi NIK saya ditolak karena sudah terdaftar. Hubungi ${owner.email}.`;
    await page.getByLabel('Keterangan').fill(statement);
    await page.getByRole('button', { name: 'Kirim sanggahan' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Sanggahan SNG-/ })).toBeVisible();
    await expect(page.getByText('Sedang diperiksa petugas')).toBeVisible();

    // The operators' queue shows it, the NIK masked.
    const consoleContext = await browser.newContext({ javaScriptEnabled });
    const consolePage = await consoleContext.newPage();
    await new Console(consolePage).signIn(VERIFIER, OPERATOR_PASSWORD);
    await consolePage.goto('/operator/sanggahan');
    const item = consolePage.locator('.queue-item', { hasText: statement });
    await expect(item).toBeVisible();
    await expect(item).toContainText(`${owner.nik.slice(0, 4)}********${owner.nik.slice(12)}`);
    await expect(item).not.toContainText(owner.nik);
    await consoleContext.close();
  });
});
