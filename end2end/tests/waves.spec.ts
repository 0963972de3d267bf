import { createHash } from 'node:crypto';
import { APIRequestContext, Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { Console, Dashboard, Portal, SignInPage, SignupForm, WavePanel, WavesConsole } from '../pages/portal';
import { uniqueApplicant } from '../support/applicant';
import { closeJoining, passTest } from '../support/database';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN, VERIFIER } from '../support/operators';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A verified applicant who passed the test joins the wave from the dashboard; returns their
 *  email and draw id. */
async function applicantJoins(portal: Portal, request: APIRequestContext, wave: string) {
  const applicant = await uniqueApplicant();
  await new SignInPage(portal).signIn(applicant.email, request);
  const form = new SignupForm(portal);
  await form.fillAll(applicant);
  await form.declareAndSubmit();
  const dashboard = new Dashboard(portal);
  await dashboard.expectRegistered();
  expect(await dashboard.waitForVerification()).toBe('terverifikasi');
  await passTest(applicant.nik);
  const panel = new WavePanel(portal);
  await panel.join(wave);
  await expect(panel.section.locator('.notice[role="status"]')).toContainText(`Anda bergabung dengan ${wave}.`);
  await expect(panel.outcome()).toHaveAttribute('data-outcome', 'bergabung');
  const drawId = await panel.drawId();
  expect(drawId).toMatch(/^[0-7][0-9a-f]{15}$/);
  // Joining again (a resent form) changes nothing: the button is gone, the entry stays.
  await expect(panel.section.getByRole('button', { name: `Bergabung dengan ${wave}` })).toHaveCount(0);
  // The applicant comes back later in the same session (a new code would have to wait a minute).
  const { cookies } = await portal.page.context().storageState();
  await portal.page.context().clearCookies();
  return { email: applicant.email, drawId, cookies };
}

async function signOut(page: Page) {
  await page.context().clearCookies();
}

test.describe('waves and their draw', () => {
  test('an operator creates a wave, two applicants join, the seed is entered and the wave drawn; each sees the outcome with its reason, and anyone can check the draw', async ({ page, request, javaScriptEnabled }) => {
    test.setTimeout(120_000);
    const portal = new Portal(page, javaScriptEnabled);
    const wave = `Gelombang E2E ${javaScriptEnabled ? 'js' : 'tanpa-js'} ${Date.now().toString(36)}`;
    const seed = `drand putaran ${Math.floor(Math.random() * 1e9)}: ${Math.random().toString(16).slice(2)}`;

    // The operator creates the wave; a mistake is explained beside the field and what was typed stays.
    const console_ = new Console(page);
    await console_.signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    const waves = new WavesConsole(page);
    await waves.open();
    await waves.create({ name: wave, opens: '2026-11-20T08:00', closes: '2026-11-19T08:00', quota: '1', seedSource: 'Putaran drand berikutnya' });
    await expect(page.locator('.error-summary')).toContainText('Waktu tutup harus sesudah waktu buka.');
    await expect(page.locator('#join_closes-error')).toContainText('Waktu tutup harus sesudah waktu buka.');
    await expect(page.getByLabel('Nama gelombang')).toHaveValue(wave);
    await waves.create({ name: wave, opens: '2026-11-20T08:00', closes: '2026-12-31T16:00', quota: '1', seedSource: 'Putaran drand berikutnya sesudah gelombang ditutup' });
    await expect(waves.notice()).toContainText(`${wave} dibuat.`);
    await expect(waves.item(wave)).toContainText('kuota 1');
    await signOut(page);

    const first = await applicantJoins(portal, request, wave);
    const second = await applicantJoins(portal, request, wave);

    // Joining closes; the operator enters the announced seed and draws.
    await closeJoining(wave);
    await console_.signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    await waves.open();
    await waves.item(wave).getByLabel('Seed (persis seperti diumumkan sumbernya)').fill(seed);
    await waves.item(wave).getByRole('button', { name: 'Catat seed' }).click();
    await expect(waves.notice()).toContainText('Seed dicatat pada');
    await waves.item(wave).getByRole('button', { name: 'Tutup dan undi' }).click();
    await expect(waves.notice()).toContainText(`${wave} diundi: 1 terpilih dari pool 2 (0 tidak memenuhi syarat).`);
    // The close committed the draw; the portal's job issues the card right after it, and the
    // console says when all are issued.
    await expect(async () => {
      await waves.open();
      await expect(waves.item(wave).locator('[data-cards]')).toHaveAttribute('data-cards', 'selesai', { timeout: 500 });
    }).toPass({ timeout: 20_000 });
    await expect(waves.item(wave).locator('[data-cards]')).toHaveText('Semua kartu peserta terpilih sudah diterbitkan.');
    await signOut(page);

    // Each applicant sees their outcome and why; the one not selected complains about it.
    const outcomes = new Map<string, string>();
    let complaint = '';
    let complainant: typeof first | undefined;
    for (const applicant of [first, second]) {
      await page.context().addCookies(applicant.cookies);
      const panel = new WavePanel(portal);
      await portal.goto('/dasbor');
      const outcome = (await panel.outcome().getAttribute('data-outcome')) ?? '';
      outcomes.set(outcome, applicant.drawId);
      if (outcome === 'terpilih') {
        await expect(panel.section).toContainText(`Selamat, Anda terpilih di ${wave}.`);
        await expect(panel.section.locator('.balance')).toHaveText('Rp1.000.000');
        await expect(panel.section).toContainText(/•••• •••• •••• \d{4}/);
      } else {
        await expect(panel.section).toContainText(`Anda belum terpilih di ${wave}.`);
        await expect(panel.section.locator('.outcome-reason')).toHaveText(
          'Alasannya: kuota gelombang terisi oleh undian. Peringkat Anda 2 dari 2 pendaftar; yang terpilih adalah peringkat 1 sampai 1.',
        );
        // From the outcome itself: the record goes with the complaint.
        await panel.section.getByRole('link', { name: 'Ajukan pengaduan tentang hasil ini' }).click();
        await expect(page).toHaveURL(/\/pengaduan\/baru\?tentang=gelombang:\d+$/);
        await expect(page.locator('[data-about]')).toHaveText(`${wave}: tidak terpilih, peringkat 2 (yang terpilih peringkat 1 sampai 1)`);
        await expect(page.getByLabel('Tentang apa pengaduan Anda')).toHaveValue('hasil-undian');
        await page.getByRole('textbox', { name: 'Pengaduan Anda' }).fill('Terlalu pendek');
        await page.getByRole('button', { name: 'Kirim pengaduan' }).click();
        await expect(page.locator('#body-error')).toContainText('paling sedikit 20 karakter');
        await expect(page.getByRole('textbox', { name: 'Pengaduan Anda' })).toHaveValue('Terlalu pendek');
        await page.getByRole('textbox', { name: 'Pengaduan Anda' }).fill('Saya sudah lulus tes dan bergabung tepat waktu, mengapa tidak terpilih?');
        await page.getByRole('button', { name: 'Kirim pengaduan' }).click();
        await expect(page).toHaveURL(/\/pengaduan$/);
        const filed = page.getByRole('status').filter({ hasText: /Pengaduan PGD-[0-9A-Z]{4}-[0-9A-Z]{4} tercatat\./ });
        complaint = (await filed.innerText()).match(/PGD-[0-9A-Z]{4}-[0-9A-Z]{4}/)![0];
        await expect(page.locator(`[data-complaint="${complaint}"]`)).toContainText('menunggu jawaban');
        complainant = applicant;
      }
      await signOut(page);
    }
    expect([...outcomes.keys()].sort()).toEqual(['terpilih', 'tidak-terpilih']);

    // An operator answers the complaint from the queue; the applicant reads the answer.
    await console_.signIn(VERIFIER, OPERATOR_PASSWORD);
    await page.goto('/operator/pengaduan');
    const answer = `Undian ${wave} memilih peringkat 1 saja (kuota 1). Anda dapat bergabung di gelombang berikutnya.`;
    await page.getByLabel(`Jawaban atau catatan penutup untuk ${complaint}`).fill(answer);
    await page.locator('form', { has: page.locator(`input[name="complaint"][value="${complaint}"]`) })
      .getByRole('button', { name: 'Kirim jawaban' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Jawaban untuk ${complaint} terkirim.` })).toBeVisible();
    await signOut(page);
    await page.context().addCookies(complainant!.cookies);
    await page.goto('/pengaduan');
    const read = page.locator(`[data-complaint="${complaint}"]`);
    await expect(read).toContainText('dijawab');
    await expect(read.locator('.message', { hasText: 'Petugas Prakerja' })).toContainText(answer);
    await signOut(page);

    // The public audit page: the seed as entered, the digests, the counts, and files that hash to them.
    await page.goto('/gelombang');
    await page.getByRole('link', { name: wave }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Audit undian: ${wave}`);
    await expect(page.locator('[data-field="seed"]')).toHaveText(seed);
    await expect(page.locator('[data-field="pool-size"]')).toHaveText('2');
    await expect(page.locator('[data-field="selected"]')).toHaveText('1');
    const poolDigest = (await page.locator('[data-field="pool-digest"]').textContent()) ?? '';
    const resultDigest = (await page.locator('[data-field="result-digest"]').textContent()) ?? '';
    expect(poolDigest).toMatch(/^[0-9a-f]{64}$/);
    const poolHref = await page.getByRole('link', { name: /^Pool/ }).getAttribute('href');
    const resultHref = await page.getByRole('link', { name: /^Hasil/ }).getAttribute('href');
    const pool = await (await request.get(poolHref!)).body();
    const result = await (await request.get(resultHref!)).body();
    expect(sha256(pool)).toBe(poolDigest);
    expect(sha256(result)).toBe(resultDigest);
    const ids = [first.drawId, second.drawId].sort();
    expect(pool.toString()).toBe(`draw_id,tier\n${ids[0]},1\n${ids[1]},1\n`);
    expect(result.toString()).toBe(`rank,draw_id,tier\n1,${outcomes.get('terpilih')},1\n`);
    await expect(page.locator('pre.command')).toContainText(`--quota 1 --result hasil.csv --pool-digest ${poolDigest}`);
  });
});
