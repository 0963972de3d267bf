import { Console } from '../pages/portal';
import { expect, test } from '../support/fixtures';
import { exclusively } from '../support/lock';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';

test.describe('the exclusion list in the console', () => {
  test('an admin uploads an agency\'s file, reads the rejected line, looks a NIK up and finds the import in the audit log', async ({ page, javaScriptEnabled }) => {
    test.setTimeout(120_000);
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    // Each project its own NIKs (born 17 August 1995 in Bogor, sequences 71xx or 72xx).
    const prefix = `320101170895${javaScriptEnabled ? '71' : '72'}`;
    const source = `BKN uji ${javaScriptEnabled ? 'js' : 'tanpa js'}`;
    const file = `nik,kategori\n${prefix}01,asn\n${prefix}02,tni-polri\n${prefix}03,pns\n`;
    const main = page.locator('main');

    // One import runs at a time: the two projects take turns.
    await exclusively('exclusion import', async () => {
      await page.goto('/operator/pengecualian');
      await page.getByLabel('Asal berkas (instansi dan tanggal)').fill(source);
      await page.getByLabel('Berkas CSV').setInputFiles({
        name: 'pengecualian.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(file),
      });
      await page.getByRole('button', { name: 'Unggah dan impor' }).click();
      await expect(page).toHaveURL(/\/operator\/pengecualian\?impor=\d+$/);
    });
    // Imported again on a rerun: then both are already listed.
    await expect(main).toContainText(
      new RegExp(`Impor ${source} selesai: 4 baris, (2 baru|0 baru), 0 berganti kategori, (0|2) sudah tercantum, 1 ditolak\\.`));
    const rejected = page.getByRole('region', { name: /Baris yang ditolak/ });
    await expect(rejected).toContainText('baris 4: kategori tidak dikenal');
    await expect(page.locator('.queue-item', { hasText: `${source} · selesai` }).first()).toBeVisible();

    // A lookup: a program admin sees the whole number.
    await page.getByLabel('NIK', { exact: true }).fill(`${prefix}02`);
    await page.getByRole('button', { name: 'Cari' }).click();
    await expect(main).toContainText(`NIK ${prefix}02 tercantum: anggota TNI atau Polri, dari berkas ${source}`);
    // A malformed one is refused beside the field, as typed.
    await page.getByLabel('NIK', { exact: true }).fill('3201');
    await page.getByRole('button', { name: 'Cari' }).click();
    await expect(page.locator('#nik-error')).toContainText('NIK harus terdiri dari 16 angka.');
    await expect(page.getByLabel('NIK', { exact: true })).toHaveValue('3201');
    await expect(page.locator('.error-summary')).toBeVisible();

    // The audit log holds the import and the lookups, filtered by action; the CSV has them too.
    await page.goto('/operator/audit');
    await page.getByLabel(/^Aksi/).fill('exclusions');
    await page.getByRole('button', { name: 'Saring' }).click();
    await expect(page).toHaveURL(/aksi=exclusions/);
    const log = page.locator('table.audit-log');
    await expect(log.locator('tr', { hasText: 'exclusions.import' }).filter({ hasText: source }).first()).toBeVisible();
    await expect(log.locator('tr', { hasText: 'exclusions.search' }).first()).toContainText('3201********');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Unduh sebagai CSV' }).click();
    const csv = await (await download).createReadStream();
    let text = '';
    for await (const chunk of csv) {
      text += chunk;
    }
    expect(text.split('\n')[0]).toBe('id,waktu,pelaku,aksi,sasaran,sebelum,sesudah');
    expect(text).toContain(`"exclusions.import","${source}"`);
  });
});
