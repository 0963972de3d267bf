import { Download } from '@playwright/test';
import { Portal, signUpApplicant } from '../pages/portal';
import { emailChangeCodeFor } from '../support/database';
import { expect, test } from '../support/fixtures';

async function contents(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) {
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

test.describe('Data saya', () => {
  test('an applicant sees what the portal holds about them, downloads it, corrects their contact details and asks for deletion', async ({ page, request, javaScriptEnabled }) => {
    test.setTimeout(120_000);
    const portal = new Portal(page, javaScriptEnabled);
    const applicant = await signUpApplicant(portal, request);
    await page.getByRole('link', { name: /^Data saya/ }).click();
    await expect(page).toHaveURL(/\/dasbor\/data-saya$/);
    const application = page.getByRole('region', { name: 'Pendaftaran', exact: true });
    await expect(application).toContainText(applicant.nik);
    await expect(application).toContainText(applicant.fullName);
    await expect(page.getByRole('region', { name: 'Akun', exact: true })).toContainText(applicant.email);

    // Both files are theirs, whole.
    let download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Unduh sebagai JSON' }).click();
    const json = JSON.parse((await contents(await download)).toString('utf8'));
    expect(json.pendaftaran.nik).toBe(applicant.nik);
    expect(json.akun.email).toBe(applicant.email);
    download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Unduh sebagai PDF' }).click();
    const pdf = await download;
    expect(pdf.suggestedFilename()).toMatch(/^data-saya-PK-[0-9A-Z-]+\.pdf$/);
    expect((await contents(pdf)).subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');

    // A mistyped number is refused beside the field, as typed; a good one is saved.
    const mobile = page.getByLabel('Nomor ponsel');
    await mobile.fill('0812');
    await page.getByRole('button', { name: 'Simpan nomor ponsel' }).click();
    await expect(page.locator('#mobile-error')).toBeVisible();
    await expect(page.getByLabel('Nomor ponsel')).toHaveValue('0812');
    await expect(page.locator('.error-summary')).toBeVisible();
    await page.getByLabel('Nomor ponsel').fill('0857 1234 5678');
    await page.getByRole('button', { name: 'Simpan nomor ponsel' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Nomor ponsel Anda sekarang' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Pendaftaran', exact: true })).toContainText('+6285712345678');

    // A new email address is used once the code sent there comes back.
    const newEmail = applicant.email.replace('@', '.baru@');
    await page.getByLabel('Email baru', { exact: true }).fill(newEmail);
    await page.getByRole('button', { name: 'Kirim kode ke email baru' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Kode dikirim ke ${newEmail}` })).toBeVisible();
    const code = await emailChangeCodeFor(newEmail);
    expect(code, 'a code mailed to the new address').toBeTruthy();
    await page.getByLabel('Kode dari email baru').fill(code!);
    await page.getByRole('button', { name: 'Pakai email baru' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Email akun Anda sekarang ${newEmail}.` })).toBeVisible();

    // Deletion: what goes and what stays is said first; the statement must be ticked.
    await expect(page.getByRole('region', { name: 'Hapus data saya' })).toContainText('Yang disimpan sampai 31 Desember');
    await page.getByRole('button', { name: 'Hapus data saya' }).click();
    await expect(page.locator('#confirm-error')).toBeVisible();
    await page.getByLabel('Saya memahami apa yang dihapus dan apa yang disimpan.').check();
    await page.getByRole('button', { name: 'Hapus data saya' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Permintaan penghapusan tercatat' }).first()).toBeVisible();
  });
});
