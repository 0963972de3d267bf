import { Console } from '../pages/portal';
import { expect, test } from '../support/fixtures';
import { exclusively } from '../support/lock';
import { OPERATOR_PASSWORD, PROGRAM_ADMIN } from '../support/operators';

// On the demo server (a database of its own, its clock on Wednesday 2 December 2026): the
// end-to-end servers' schedule is what the registration-window spec reads.
test.use({ baseURL: process.env.BASE_URL_DEMO ?? 'http://127.0.0.1:3102' });

test.describe('the registration schedule', () => {
  test('an admin changes Thursday\'s closing time and closes today for a holiday; the home page shows the next opening', async ({ page }) => {
    test.setTimeout(120_000);
    await new Console(page).signIn(PROGRAM_ADMIN, OPERATOR_PASSWORD);
    // The js and no-js runs take turns, each leaving the schedule as it found it. (The console's
    // forms are plain HTML forms, with or without JavaScript: nothing waits for the WASM.)
    await exclusively('demo schedule', async () => {
      const main = page.locator('main');
      await page.goto('/operator/jadwal');
      await expect(page.locator('[data-schedule-status]')).toContainText('Pendaftaran dibuka sekarang');

      // Thursday until 15:00: previewed as the next openings, then saved.
      await page.getByLabel('Jam tutup Kamis').fill('15:00');
      await page.getByRole('button', { name: 'Pratinjau' }).first().click();
      await expect(page.locator('.openings')).toContainText(
        'Kamis, 3 Desember 2026 pukul 08.00 WIB sampai Kamis, 3 Desember 2026 pukul 15.00 WIB');
      await expect(page.getByLabel('Jam tutup Kamis')).toHaveValue('15:00');
      await page.getByRole('button', { name: 'Simpan jam mingguan' }).click();
      await expect(main).toContainText('Jam mingguan disimpan.');

      // Today a holiday: registration closes now and opens again on Thursday at 08:00.
      await page.getByLabel('Tutup (hari libur)').check();
      await page.getByLabel('Tanggal', { exact: true }).fill('2026-12-02');
      await page.getByLabel('Keterangan (dibaca pendaftar)').fill('Libur uji end-to-end');
      await page.getByRole('button', { name: 'Simpan pengecualian' }).click();
      await expect(main).toContainText('Pengecualian disimpan: Libur uji end-to-end.');
      await expect(page.locator('[data-schedule-status]')).toContainText(
        'dibuka lagi Kamis, 3 Desember 2026 pukul 08.00 WIB');
      await page.goto('/');
      await expect(main).toContainText('Kamis, 3 Desember 2026 pukul 08.00 WIB');

      // Back as it was.
      await page.goto('/operator/jadwal');
      await page.locator('.queue-item', { hasText: 'Libur uji end-to-end' }).getByRole('button', { name: 'Hapus' }).click();
      await expect(main).toContainText('Pengecualian dihapus.');
      await page.getByLabel('Jam tutup Kamis').fill('16:00');
      await page.getByRole('button', { name: 'Simpan jam mingguan' }).click();
      await expect(page.locator('[data-schedule-status]')).toContainText('Pendaftaran dibuka sekarang');
    });
  });
});
