import { APIRequestContext, expect, Locator, Page, test } from '@playwright/test';
import { Applicant, uniqueApplicant } from '../support/applicant';
import { issueCard, latestCodeFor } from '../support/database';
import { exclusively, setSharedNumber, sharedNumber } from '../support/lock';
import { currentStep, OPERATOR_TOTP_SECRET, totpAtStep } from '../support/operators';

/** The portal as an applicant sees it, whether or not JavaScript runs. */
export class Portal {
  constructor(readonly page: Page, readonly javaScriptEnabled: boolean) {}

  async goto(path: string) {
    await this.page.goto(path);
    await this.waitForEnhancement();
  }

  /** With JavaScript, interact only once the WASM has taken over every form on the page. */
  async waitForEnhancement() {
    if (this.javaScriptEnabled) {
      await this.page.waitForFunction(() =>
        Array.from(document.forms).every((form) => form.dataset.enhanced === 'true'),
      );
    }
  }

  errorSummary(): Locator {
    return this.page.locator('.error-summary');
  }

  fieldError(field: string): Locator {
    return this.page.locator(`#${field}-error`);
  }

  async expectErrorSummary(message: string | RegExp) {
    await expect(this.errorSummary()).toBeVisible();
    await expect(this.errorSummary()).toContainText(message);
    // The summary takes focus, so screen readers announce it and keyboard users start there.
    await expect(this.errorSummary()).toBeFocused();
  }
}

export class SignInPage {
  constructor(readonly portal: Portal) {}

  async requestCode(email: string) {
    await this.portal.goto('/masuk');
    await this.portal.page.getByLabel('Alamat email').fill(email);
    await this.portal.page.getByRole('button', { name: 'Kirim kode' }).click();
    await expect(this.portal.page).toHaveURL(/\/masuk\/kode$/);
  }

  async enterCode(code: string) {
    await this.portal.waitForEnhancement();
    await this.portal.page.getByLabel('Kode dari email').fill(code);
    await this.portal.page.getByRole('button', { name: 'Masuk', exact: true }).click();
  }

  /** Signs in through the emailed code; ends on the page the portal leads to. */
  async signIn(email: string, request: APIRequestContext) {
    await this.requestCode(email);
    await this.enterCode(await new Mailbox(request).latestCode(email));
    await expect(this.portal.page).not.toHaveURL(/\/masuk\/kode$/);
    await this.portal.waitForEnhancement();
  }
}

/** The portal's outgoing mail, read from its outbox (the development mailbox page shows the same). */
export class Mailbox {
  constructor(readonly request: APIRequestContext) {}

  async latestCode(email: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = await latestCodeFor(email);
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no code was emailed to ${email}`);
  }

  /** The development mailbox page lists the message for `email`. */
  async pageShowsMessageFor(email: string): Promise<boolean> {
    const html = await (await this.request.get('/dev/surat')).text();
    return html.includes(`data-recipient="${email}"`);
  }
}

export class SignupForm {
  constructor(readonly portal: Portal) {}

  private get page() {
    return this.portal.page;
  }

  async fillIdentity(a: Applicant) {
    await expect(this.page.getByRole('heading', { name: 'Data diri sesuai KTP' })).toBeVisible();
    await this.portal.waitForEnhancement();
    await this.page.getByLabel('NIK (Nomor Induk Kependudukan)').fill(a.nik);
    await this.page.getByLabel('Nomor Kartu Keluarga (KK)').fill(a.kk);
    await this.page.getByLabel('Nama lengkap sesuai KTP').fill(a.fullName);
    await this.page.getByLabel('Tanggal lahir').fill(a.birthDate);
    await this.page.getByLabel(a.gender === 'P' ? 'Perempuan' : 'Laki-laki', { exact: true }).check();
    await this.page.getByLabel('Tempat lahir').fill(a.birthPlace);
  }

  async fillContact(a: Applicant) {
    await expect(this.page.getByRole('heading', { name: 'Alamat dan nomor HP' })).toBeVisible();
    await this.portal.waitForEnhancement();
    await this.page.getByLabel('Provinsi tempat tinggal').selectOption(a.province);
    await this.page.getByLabel('Kabupaten/kota tempat tinggal').fill(a.city);
    await this.page.getByLabel('Nomor HP').fill(a.mobile);
  }

  async fillBackground(a: Applicant) {
    await expect(this.page.getByRole('heading', { name: 'Pendidikan, pekerjaan dan minat' })).toBeVisible();
    await this.portal.waitForEnhancement();
    await this.page.getByLabel('Pendidikan terakhir').selectOption(a.education);
    await this.page.locator(`input[name="draft[employment]"][value="${a.employment}"]`).check();
    for (const interest of a.interests) {
      await this.page.locator(`input[name="draft[interests][]"][value="${interest}"]`).check();
    }
  }

  async next() {
    await this.page.getByRole('button', { name: 'Simpan dan lanjut' }).click();
  }

  /** All three steps, ending on the check-your-answers page. */
  async fillAll(a: Applicant) {
    await this.fillIdentity(a);
    await this.next();
    await this.fillContact(a);
    await this.next();
    await this.fillBackground(a);
    await this.next();
    await expect(this.page.getByRole('heading', { name: 'Periksa jawaban Anda' })).toBeVisible();
    await this.portal.waitForEnhancement();
  }

  async declareAndSubmit() {
    await this.page.getByLabel(/Saya menyatakan bahwa data di atas benar/).check();
    await this.page.getByRole('button', { name: 'Kirim pendaftaran' }).click();
  }
}

export class Dashboard {
  constructor(readonly portal: Portal) {}

  async expectRegistered() {
    const page = this.portal.page;
    await expect(page).toHaveURL(/\/dasbor/);
    await expect(page.getByRole('heading', { name: 'Pendaftaran berhasil' })).toBeVisible();
    await expect(page.locator('.reference')).toHaveText(/^PK-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    // The automatic checks may already have verified the applicant by the time the page loads.
    await expect(page.locator('.journey-done').first()).toContainText('Terdaftar');
  }

  /** Reloads until the automatic checks (a background job) have decided. */
  async waitForVerification(): Promise<string> {
    const page = this.portal.page;
    const status = page.locator('.verification [data-status]');
    await expect(async () => {
      await page.goto('/dasbor');
      await expect(status).not.toHaveAttribute('data-status', 'menunggu', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await this.portal.waitForEnhancement();
    return (await status.getAttribute('data-status')) ?? '';
  }

  async reference(): Promise<string> {
    return (await this.portal.page.locator('.reference').textContent()) ?? '';
  }
}

/** The short test, one question per page. */
export class TestPage {
  constructor(readonly portal: Portal) {}

  private get page() {
    return this.portal.page;
  }

  async start() {
    await this.portal.goto('/tes');
    await this.page.getByRole('button', { name: 'Mulai tes' }).click();
    await this.expectQuestion(1);
  }

  async expectQuestion(position: number) {
    await expect(this.page.locator('.progress')).toContainText(`Soal ${position} dari 18`);
    await this.portal.waitForEnhancement();
  }

  /** The hidden fields that name the question on the page. */
  async shownQuestion(): Promise<{ attempt: string; position: number }> {
    const attempt = await this.page.locator('input[name="attempt"]').inputValue();
    const position = Number(await this.page.locator('input[name="position"]').inputValue());
    return { attempt, position };
  }

  async remainingSeconds(): Promise<number> {
    return Number(await this.page.locator('.countdown').getAttribute('data-remaining-seconds'));
  }

  async answer(option: number) {
    await this.page.locator(`input[name="choice"][value="${option}"]`).check();
    await this.page.getByRole('button', { name: 'Simpan jawaban dan lanjut' }).click();
  }
}

/** The operators' console: plain server-rendered forms. */
export class Console {
  constructor(readonly page: Page) {}

  /**
   * Password, then the authenticator's code (support/operators.ts computes it). Each Playwright
   * worker signs in its own copy of the end-to-end operators (`admin.uji.0`, `admin.uji.1`, …:
   * see xtask), since a code is used once; the js and no-js projects' workers of the same index
   * share it, so they take turns and share the last code step used.
   */
  async signIn(role: string, password: string) {
    const username = `${role}.${test.info().parallelIndex}`;
    await this.page.goto('/operator/masuk');
    // One copy of the operator per database: the end-to-end servers (the open clock's and the
    // one three days on) share theirs, so they share the last code step used; the demo server
    // has its own. (Keyed by origin, a sign-in on each end-to-end server reused a step: refused
    // as a replay, and counted against the operator with the later clock's time, which the open
    // server's budget never saw expire: a lockout of three days.)
    const demo = new URL(process.env.BASE_URL_DEMO ?? 'http://127.0.0.1:3102').origin;
    const database = new URL(this.page.url()).origin === demo ? 'demo' : 'end-to-end';
    const codeUser = `${database} ${username}`;
    await exclusively(`totp ${codeUser}`, async () => {
      await this.page.getByLabel('Nama pengguna').fill(username);
      await this.page.getByLabel('Kata sandi').fill(password);
      await this.page.getByRole('button', { name: 'Masuk' }).click();
      await expect(this.page).toHaveURL(/\/operator\/masuk\/kode$/);
      // A code is accepted once, and a refused one counts against the operator's budget: use
      // the first step after the last one used (the server accepts one step of drift), waiting
      // for it when need be. A code refused all the same (a run before this one used it): the
      // next step's is tried.
      for (let attempt = 0; attempt < 3; attempt++) {
        const step = Math.max(currentStep(), sharedNumber(codeUser) + 1);
        if (step > currentStep() + 1) {
          await this.page.waitForTimeout((step - 1) * 30_000 - Date.now() + 500);
        }
        await this.page.getByLabel('Kode verifikasi').fill(totpAtStep(OPERATOR_TOTP_SECRET, step));
        // The answer is a new page (a document of its own, or shown in place): wait for it.
        await this.page.locator('main').evaluate((main) => main.setAttribute('data-answered', 'no'));
        await this.page.getByRole('button', { name: 'Masuk' }).click();
        await expect(this.page.locator('main[data-answered]')).toHaveCount(0);
        setSharedNumber(codeUser, step);
        if (/\/operator\/verifikasi/.test(this.page.url())) {
          return;
        }
      }
    });
    await expect(this.page).toHaveURL(/\/operator\/verifikasi/);
  }

  /** The queue's entry for one applicant. */
  entry(reference: string): Locator {
    return this.page.locator('.queue-item', { hasText: reference });
  }
}

export class CataloguePage {
  constructor(private readonly portal: Portal) {}

  get page() {
    return this.portal.page;
  }

  /** Its forms are plain GET and POST forms; with JavaScript a lazily loaded island takes over
   *  filtering and comparing once it holds the catalogue document (`waitForInstantFiltering`). */
  async open(path = '/pelatihan') {
    await this.page.goto(path);
  }

  /** The status line the island shows once it filters in the page. */
  instantStatus() {
    return this.page.locator('.instant-status');
  }

  async waitForInstantFiltering() {
    await expect(this.instantStatus()).toContainText('Saringan langsung');
  }

  /** The comparison shown in the catalogue page itself (with JavaScript). */
  inPageComparison() {
    return this.page.getByRole('region', { name: /^Perbandingan \(/ });
  }

  resultCount() {
    return this.page.locator('.result-count');
  }

  async search(filters: { words?: string; category?: string; maxPrice?: string; sort?: string }) {
    if (filters.words !== undefined) await this.page.getByLabel('Cari pelatihan').fill(filters.words);
    if (filters.category !== undefined) await this.page.getByLabel('Kategori').selectOption(filters.category);
    if (filters.maxPrice !== undefined) await this.page.getByLabel('Harga paling tinggi (Rp)').fill(filters.maxPrice);
    if (filters.sort !== undefined) await this.page.getByLabel('Urutkan').selectOption(filters.sort);
    await this.page.getByRole('button', { name: 'Terapkan' }).click();
  }

  trainings() {
    return this.page.locator('article.training');
  }
}

/** The console's waves page (program admins). */
export class WavesConsole {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto('/operator/gelombang');
  }

  async create(wave: { name: string; opens: string; closes: string; quota: string; seedSource: string }) {
    await this.page.getByLabel('Nama gelombang').fill(wave.name);
    await this.page.getByLabel('Pendaftaran gelombang dibuka (WIB)').fill(wave.opens);
    await this.page.getByLabel('Pendaftaran gelombang ditutup (WIB)').fill(wave.closes);
    await this.page.getByLabel('Kuota (jumlah peserta terpilih)').fill(wave.quota);
    await this.page.getByLabel('Sumber seed undian').fill(wave.seedSource);
    await this.page.getByRole('button', { name: 'Buat gelombang' }).click();
    await expect(this.page).toHaveURL(/\/operator\/gelombang$/);
  }

  item(name: string): Locator {
    return this.page.locator('.wave-item', { has: this.page.getByRole('heading', { name, exact: true }) });
  }

  notice(): Locator {
    return this.page.locator('.notice[role="status"]');
  }
}

/** The wave panel of an applicant's dashboard. */
export class WavePanel {
  constructor(readonly portal: Portal) {}

  get section(): Locator {
    return this.portal.page.locator('section.wave');
  }

  async join(wave: string) {
    await this.portal.goto('/dasbor');
    await this.section.getByRole('button', { name: `Bergabung dengan ${wave}` }).click();
    await expect(this.portal.page).toHaveURL(/\/dasbor$/);
  }

  outcome(): Locator {
    return this.section.locator('[data-outcome]');
  }

  async drawId(): Promise<string> {
    return (await this.section.locator('.draw-id').first().textContent()) ?? '';
  }
}

/** The console's page for finishing trainings: platform keys, certificates, reviews. */
export class CompletionConsole {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.goto('/operator/penyelesaian');
  }

  /** Makes a key for a platform; returns its id and the secret the page shows once. */
  async createKey(platformName: string): Promise<{ key: string; secret: string }> {
    await this.page.getByLabel('Platform', { exact: true }).selectOption({ label: platformName });
    await this.page.getByRole('button', { name: 'Buat kunci' }).click();
    await expect(this.page).toHaveURL(/\/operator\/penyelesaian$/);
    const key = (await this.page.locator('.key-id').innerText()).trim();
    const secret = (await this.page.locator('.key-secret').innerText()).trim();
    return { key, secret };
  }
}

/** A participant's review of one finished training. */
export class ReviewPage {
  constructor(readonly portal: Portal) {}

  get page() {
    return this.portal.page;
  }

  async write(review: { training: number; service: number; text: string }) {
    await this.portal.waitForEnhancement();
    await this.page.getByRole('group', { name: 'Nilai pelatihannya' }).getByLabel(new RegExp(`^${review.training} bintang`)).check();
    await this.page.getByRole('group', { name: 'Nilai layanan platformnya' }).getByLabel(new RegExp(`^${review.service} bintang`)).check();
    await this.page.getByLabel('Ulasan Anda').fill(review.text);
    await this.page.getByRole('button', { name: 'Kirim ulasan' }).click();
  }
}

/** The participant's incentive page: the payout account and each installment. */
export class IncentivePage {
  constructor(readonly portal: Portal) {}

  get page() {
    return this.portal.page;
  }

  async linkWallet(provider: string, number: string) {
    await this.portal.waitForEnhancement();
    await this.page.getByRole('group', { name: 'Jenis rekening' }).getByLabel('Dompet digital (e-wallet)').check();
    await this.page.getByLabel('Penyedia').selectOption({ label: provider });
    await this.page.getByLabel('Nomor HP yang terdaftar').fill(number);
    await this.page.getByRole('button', { name: 'Periksa dan tautkan' }).click();
  }

  installment(n: number) {
    return this.page.locator(`[data-installment="${n}"]`);
  }
}

/** A new applicant signs in and goes through every step of the signup in the browser; returns
 *  who they are. They stay signed in, on the dashboard. */
export async function signUpApplicant(portal: Portal, request: APIRequestContext): Promise<Applicant> {
  const applicant = await uniqueApplicant();
  await new SignInPage(portal).signIn(applicant.email, request);
  const form = new SignupForm(portal);
  await form.fillAll(applicant);
  await form.declareAndSubmit();
  await new Dashboard(portal).expectRegistered();
  return applicant;
}

/** A new applicant signs up in the browser and is given a card with this balance (as if drawn
 *  in a wave); returns who they are. They stay signed in. */
export async function signUpParticipant(portal: Portal, request: APIRequestContext, balance: number): Promise<Applicant> {
  const applicant = await signUpApplicant(portal, request);
  await issueCard(applicant.nik, balance);
  return applicant;
}
