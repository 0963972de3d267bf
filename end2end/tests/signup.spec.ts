import { Dashboard, Mailbox, Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';

test.describe('signup', () => {
  test('from the emailed code to the dashboard', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = uniqueApplicant();
    await portal.goto('/');
    await expect(page.getByRole('heading', { name: 'Pendaftaran sedang dibuka' })).toBeVisible();
    await page.getByRole('link', { name: 'Daftar atau masuk' }).click();

    await new SignInPage(portal).signIn(applicant.email, request);
    expect(await new Mailbox(request).pageShowsMessageFor(applicant.email), 'the development mailbox shows the code').toBe(true);
    await expect(page).toHaveURL(/\/daftar\/identitas$/);
    await expect(page.getByText(/^Langkah 1 dari 3$/)).toBeVisible();

    const form = new SignupForm(portal);
    await form.fillAll(applicant);
    const answers = page.getByRole('region', { name: 'Data diri sesuai KTP' });
    await expect(answers).toContainText(applicant.nik);
    await expect(answers).toContainText(applicant.fullName);
    await form.declareAndSubmit();

    await new Dashboard(portal).expectRegistered();
    await expect(page.locator('.site-header')).toContainText('Keluar');
  });

  test('a wrong field gets its error beside it and the other answers stay', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    // A date of birth one year off: the NIK (digits 7-12) says otherwise.
    const wrongYear = `${Number(applicant.birthDate.slice(0, 4)) - 1}${applicant.birthDate.slice(4)}`;
    await form.fillIdentity({ ...applicant, birthDate: wrongYear });
    await form.next();

    await portal.expectErrorSummary('Tanggal lahir tidak sesuai dengan NIK');
    await expect(portal.fieldError('birth_date')).toContainText('Tanggal lahir tidak sesuai dengan NIK');
    await expect(page.locator('#birth_date')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('NIK (Nomor Induk Kependudukan)')).toHaveValue(applicant.nik);
    await expect(page.getByLabel('Nama lengkap sesuai KTP')).toHaveValue(applicant.fullName);
    await expect(page.getByLabel('Tempat lahir')).toHaveValue(applicant.birthPlace);
    await expect(page.getByLabel('Tanggal lahir')).toHaveValue(wrongYear);

    // The summary links to the field.
    await portal.errorSummary().getByRole('link', { name: /Tanggal lahir tidak sesuai/ }).click();
    await expect(page).toHaveURL(/#birth_date$/);

    await page.getByLabel('Tanggal lahir').fill(applicant.birthDate);
    await form.next();
    await expect(page.getByRole('heading', { name: 'Alamat dan nomor HP' })).toBeVisible();
  });

  test('a NIK that is already registered is refused', async ({ page, browser, request, javaScriptEnabled }) => {
    const first = uniqueApplicant();
    const portal = new Portal(page, javaScriptEnabled);
    await new SignInPage(portal).signIn(first.email, request);
    await new SignupForm(portal).fillAll(first);
    await new SignupForm(portal).declareAndSubmit();
    await new Dashboard(portal).expectRegistered();

    // Someone else, in another browser, with the same NIK.
    const context = await browser.newContext({ javaScriptEnabled });
    const otherPage = await context.newPage();
    const otherPortal = new Portal(otherPage, javaScriptEnabled);
    const second = { ...uniqueApplicant(), nik: first.nik, birthDate: first.birthDate, gender: first.gender };
    await new SignInPage(otherPortal).signIn(second.email, context.request);
    const form = new SignupForm(otherPortal);
    await form.fillAll(second);
    await form.declareAndSubmit();
    await otherPortal.expectErrorSummary('NIK ini sudah terdaftar');
    await expect(otherPage).toHaveURL(/\/daftar\/periksa/);
    await context.close();
  });
});
