import { Dashboard, Mailbox, Portal, SignInPage, SignupForm } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { expect, test } from '../support/fixtures';

test.describe('signup', () => {
  test('from the emailed code to the dashboard', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
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
    const applicant = await uniqueApplicant();
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

  test('an error is marked beside its field as the server marks it, and goes once mended', async ({ page, request, javaScriptEnabled }) => {
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await uniqueApplicant();
    await new SignInPage(portal).signIn(applicant.email, request);
    const form = new SignupForm(portal);
    // The other gender: once the NIK is mended, it disagrees with it.
    await form.fillIdentity({ ...applicant, gender: applicant.gender === 'P' ? 'L' : 'P', nik: '123' });
    const nik = page.locator('#nik');
    const gender = page.locator('fieldset#gender');
    if (javaScriptEnabled) {
      // The WASM checks the field as it is left: no post, the page's HTML marked in place.
      await nik.focus();
      await page.getByLabel('Nama lengkap sesuai KTP').focus();
    } else {
      await form.next();
    }
    // The fields are the server's HTML in both cases; the marks must read the same.
    await expect(portal.fieldError('nik')).toHaveText(/^Kesalahan: NIK/);
    await expect(nik).toHaveAttribute('aria-invalid', 'true');
    await expect(nik).toHaveAttribute('aria-describedby', 'nik-hint nik-error');
    await expect(nik.locator('xpath=..')).toHaveClass(/field-invalid/);
    // The error stands between the hint and the control, as the server renders it.
    expect(await page.locator('#nik-hint + .field-error + input#nik').count()).toBe(1);
    await expect(gender).not.toHaveClass(/field-invalid/);

    await nik.fill(applicant.nik);
    if (javaScriptEnabled) {
      // A field with an error is checked again at each keystroke.
      await expect(portal.fieldError('nik')).toHaveCount(0);
      await expect(nik).not.toHaveAttribute('aria-invalid', /.*/);
      await expect(nik).toHaveAttribute('aria-describedby', 'nik-hint');
      await expect(nik.locator('xpath=..')).not.toHaveClass(/field-invalid/);
      // A mismatch between fields is marked on the group (its fieldset), not on each choice.
      await form.next();
      await expect(portal.fieldError('gender')).toContainText('Jenis kelamin tidak sesuai');
      await expect(gender).toHaveClass(/field-invalid/);
      await expect(gender).toHaveAttribute('aria-describedby', 'gender-error');
    }
  });

  test('a NIK that is already registered is refused', async ({ page, browser, request, javaScriptEnabled }) => {
    const first = await uniqueApplicant();
    const portal = new Portal(page, javaScriptEnabled);
    await new SignInPage(portal).signIn(first.email, request);
    await new SignupForm(portal).fillAll(first);
    await new SignupForm(portal).declareAndSubmit();
    await new Dashboard(portal).expectRegistered();

    // Someone else, in another browser, with the same NIK.
    const context = await browser.newContext({ javaScriptEnabled });
    const otherPage = await context.newPage();
    const otherPortal = new Portal(otherPage, javaScriptEnabled);
    const second = { ...(await uniqueApplicant()), nik: first.nik, birthDate: first.birthDate, gender: first.gender };
    await new SignInPage(otherPortal).signIn(second.email, context.request);
    const form = new SignupForm(otherPortal);
    await form.fillAll(second);
    await form.declareAndSubmit();
    await otherPortal.expectErrorSummary('NIK ini sudah terdaftar');
    await expect(otherPage).toHaveURL(/\/daftar\/periksa/);
    await context.close();
  });
});
