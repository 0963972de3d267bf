import { Console, Dashboard, Portal, SignInPage, SignupForm, TestPage } from '../pages/portal';
import { Applicant, uniqueApplicant } from '../support/applicant';
import {
  ageAttempt,
  answersSaved,
  bankPrompts,
  correctOption,
  decisionsFor,
  excludeNik,
  referenceOfAttempt,
} from '../support/database';
import { expect, test } from '../support/fixtures';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN, VERIFIER } from '../support/operators';
import { APIRequestContext, Page } from '@playwright/test';

/** Signs a new applicant up and returns them with their dashboard. */
async function signedUp(
  page: Page,
  request: APIRequestContext,
  javaScriptEnabled: boolean,
  before?: (nik: string) => Promise<void>,
  typed?: (applicant: Applicant) => Applicant,
) {
  const portal = new Portal(page, javaScriptEnabled);
  const registered = await uniqueApplicant();
  const applicant = typed ? typed(registered) : registered;
  if (before) await before(applicant.nik);
  await new SignInPage(portal).signIn(applicant.email, request);
  const form = new SignupForm(portal);
  await form.fillAll(applicant);
  await form.declareAndSubmit();
  const dashboard = new Dashboard(portal);
  await dashboard.expectRegistered();
  return { portal, applicant, registered, dashboard };
}

/** The name with one letter of its longest part changed: a typo the registry's name is close to. */
function misspelt(name: string): string {
  const parts = name.split(' ');
  const longest = parts.reduce((a, b) => (b.length > a.length ? b : a));
  const last = longest.at(-1) === 'a' ? 'o' : 'a';
  parts[parts.indexOf(longest)] = longest.slice(0, -1) + last;
  return parts.join(' ');
}

/** A verified applicant on the first question of the test. */
async function startedTest(page: Page, request: APIRequestContext, javaScriptEnabled: boolean) {
  const { portal, dashboard } = await signedUp(page, request, javaScriptEnabled);
  expect(await dashboard.waitForVerification()).toBe('terverifikasi');
  await page.getByRole('link', { name: 'Ikuti tes' }).click();
  const testPage = new TestPage(portal);
  await expect(page).toHaveURL(/\/tes$/);
  await portal.waitForEnhancement();
  await page.getByRole('button', { name: 'Mulai tes' }).click();
  await testPage.expectQuestion(1);
  return { portal, testPage };
}

test.describe('verification', () => {
  test('an applicant who fails a rule sees the reason', async ({ page, request, javaScriptEnabled }) => {
    const { dashboard } = await signedUp(page, request, javaScriptEnabled, (nik) => excludeNik(nik, 'asn'));
    expect(await dashboard.waitForVerification()).toBe('ditolak');
    const panel = page.getByRole('region', { name: 'Verifikasi' });
    await expect(panel).toContainText('tidak dapat diterima');
    await expect(panel).toContainText('Dikecualikan: aparatur sipil negara (ASN)');
    await expect(panel).toContainText('NIK Anda tercatat sebagai aparatur sipil negara (ASN) dalam daftar pengecualian');
  });

  test('an operator decides a name close to the registry\'s from the side-by-side view', async ({ page, browser, request, javaScriptEnabled }) => {
    // No set-up behind the portal's back: the applicant mistypes one letter of their name.
    const { applicant, registered, dashboard } = await signedUp(page, request, javaScriptEnabled, undefined, (a) => ({
      ...a,
      fullName: misspelt(a.fullName),
    }));
    expect(await dashboard.waitForVerification()).toBe('periksa-manual');
    const reference = await dashboard.reference();
    await expect(page.getByRole('region', { name: 'Verifikasi' })).toContainText('Nama mirip dengan Dukcapil, perlu dicek petugas');

    const context = await browser.newContext({ javaScriptEnabled });
    const consolePage = await context.newPage();
    const console = new Console(consolePage);
    await console.signIn(VERIFIER, OPERATOR_PASSWORD);
    await consolePage.goto('/operator/verifikasi?status=periksa-manual&alasan=dukcapil-nama-mirip');
    const entry = console.entry(reference);
    await expect(entry).toContainText(applicant.nik);
    await expect(entry).toContainText('Nama mirip dengan Dukcapil, perlu dicek petugas');
    // The applicant's answers beside the registry's.
    const sideBySide = entry.getByRole('table', { name: 'Data pendaftar dan data Dukcapil' });
    const nameRow = sideBySide.getByRole('row', { name: /^Nama/ });
    await expect(nameRow.getByRole('cell').nth(0)).toHaveText(applicant.fullName);
    await expect(nameRow.getByRole('cell').nth(1)).toHaveText(registered.fullName);
    await expect(nameRow.getByRole('cell').nth(2)).toHaveText('Berbeda');
    await expect(sideBySide.getByRole('row', { name: /^Tanggal lahir/ }).getByRole('cell').nth(2)).toHaveText('Sama');
    await expect(sideBySide.getByRole('row', { name: /^No\. KK/ }).getByRole('cell').nth(1)).toHaveText(registered.kk);
    // Refusing needs a reason; approving does not.
    await entry.getByRole('button', { name: `Tolak ${reference}` }).click();
    await expect(consolePage.locator('.error-summary')).toContainText('Pilih alasan penolakan');
    await console.entry(reference).getByRole('button', { name: `Setujui ${reference}` }).click();
    await expect(consolePage.getByRole('status').filter({ hasText: `Keputusan untuk ${reference} disimpan` })).toBeVisible();
    await expect(console.entry(reference)).toHaveCount(0);
    // Each worker signs in its own copy of the operator (pages/portal.ts, Console.signIn).
    const actor = `operator:${VERIFIER}.${test.info().parallelIndex}`;
    expect(await decisionsFor(reference)).toEqual([{ actor, before: 'periksa-manual', after: 'terverifikasi' }]);
    // The funnel counts the day's registrations.
    await consolePage.getByRole('link', { name: 'Corong pendaftar' }).click();
    await expect(consolePage.getByRole('heading', { name: 'Corong pendaftar' })).toBeVisible();
    await expect(consolePage.getByRole('region', { name: 'Corong per hari' }).locator('tbody tr').first()).toContainText('02-12-2026');
    await context.close();

    await page.goto('/dasbor');
    await expect(page.getByRole('region', { name: 'Verifikasi' })).toContainText('Data Anda terverifikasi');
  });
});

test.describe('the test', () => {
  test('the whole test, with a reload in the middle that keeps the remaining time', async ({ page, request, javaScriptEnabled }) => {
    const { portal, testPage } = await startedTest(page, request, javaScriptEnabled);
    for (let position = 1; position <= 18; position++) {
      await testPage.expectQuestion(position);
      const shown = await testPage.shownQuestion();
      expect(shown.position).toBe(position);
      if (position === 10) {
        const before = await testPage.remainingSeconds();
        expect(before).toBeLessThan(25 * 60);
        await page.reload();
        await testPage.expectQuestion(10);
        const after = await testPage.remainingSeconds();
        // The same deadline: the time left went on from where it was, not back to 25 minutes.
        expect(after).toBeLessThanOrEqual(before);
        expect(after).toBeGreaterThan(before - 30);
        await expect(page.locator('.countdown')).toContainText(/Sisa waktu: \d+ menit \d\d detik/);
      }
      const correct = await correctOption(shown.attempt, shown.position);
      await testPage.answer(correct ?? 3);
    }
    await expect(page.getByRole('heading', { name: 'Anda lulus tes.' })).toBeVisible();
    await expect(page.locator('.score')).toHaveText('14 dari 14');
    await portal.goto('/dasbor');
    await expect(page.getByRole('region', { name: 'Verifikasi' })).toContainText('Hasil tes: lulus');
  });

  test('the server refuses answers after the deadline', async ({ page, request, javaScriptEnabled }) => {
    const { testPage } = await startedTest(page, request, javaScriptEnabled);
    const first = await testPage.shownQuestion();
    await testPage.answer(0);
    await testPage.expectQuestion(2);
    // 26 minutes pass (the page still shows the question; the countdown is only a display).
    await ageAttempt(first.attempt, 26);
    await testPage.answer(1);
    await expect(page.getByRole('alert')).toContainText('Waktu tes sudah habis');
    await expect(page.getByRole('heading', { name: 'Anda belum lulus tes.' })).toBeVisible();
    await expect(page.getByText('Waktu habis sebelum semua soal dijawab')).toBeVisible();
    expect(await answersSaved(first.attempt)).toBe(1);
  });

  test('a program admin grants another attempt', async ({ page, browser, request, javaScriptEnabled }) => {
    const { portal, testPage } = await startedTest(page, request, javaScriptEnabled);
    const { attempt } = await testPage.shownQuestion();
    await ageAttempt(attempt, 26);
    await portal.goto('/tes');
    await expect(page.getByRole('heading', { name: 'Anda belum lulus tes.' })).toBeVisible();
    const reference = await referenceOfAttempt(attempt);

    const context = await browser.newContext({ javaScriptEnabled });
    const consolePage = await context.newPage();
    const console = new Console(consolePage);
    await console.signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await consolePage.getByLabel('Nomor pendaftaran').fill(reference);
    await consolePage.getByRole('button', { name: 'Tampilkan' }).click();
    const entry = console.entry(reference);
    await entry.getByLabel('Alasan izin tes ulang').fill('Listrik padam saat tes');
    await entry.getByRole('button', { name: 'Beri izin tes ulang' }).click();
    await expect(consolePage.getByRole('status').filter({ hasText: 'Izin tes ulang diberikan' })).toBeVisible();
    await context.close();

    await portal.goto('/tes');
    await expect(page.getByText('Petugas memberi Anda kesempatan mengulang tes')).toBeVisible();
    await page.getByRole('button', { name: 'Mulai tes' }).click();
    await testPage.expectQuestion(1);
  });

  test('answer keys never reach the browser', async ({ page, request, javaScriptEnabled }) => {
    const { testPage } = await startedTest(page, request, javaScriptEnabled);
    const shown = await testPage.shownQuestion();
    const html = await page.content();
    expect(html).not.toMatch(/correct/i);
    // The right option's markup is like every other option's.
    const shapes = await page.locator('input[name="choice"]').evaluateAll((inputs) =>
      inputs.map((input) =>
        Array.from(input.attributes)
          .map((a) => a.name)
          .filter((name) => name !== 'id' && name !== 'value')
          .sort()
          .join(' '),
      ),
    );
    expect(new Set(shapes).size).toBe(1);
    expect(await correctOption(shown.attempt, shown.position)).not.toBeUndefined();

    // The WASM bundle holds no question of the bank, nor the generator's templates.
    // The module sits beside the stylesheet, in the build's directory.
    const stylesheet = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(stylesheet).toMatch(/^\/pkg\/[0-9a-f]{10}\/prakerja\.css$/);
    const wasmUrl = stylesheet!.replace(/\.css$/, '.wasm');
    const wasm = (await (await request.get(wasmUrl!)).body()).toString('latin1');
    expect(wasm.length).toBeGreaterThan(10_000);
    const templates = ['Bilangan berikutnya dari deret', 'Lengkapi analogi berikut', 'Sinonim kata', 'Lawan kata', 'Kesimpulan yang tepat'];
    const prompts = await bankPrompts();
    expect(prompts.length).toBeGreaterThanOrEqual(200);
    const leaked = [...templates, ...prompts].filter((text) => wasm.includes(Buffer.from(text, 'utf8').toString('latin1')));
    expect(leaked).toEqual([]);
  });
});
