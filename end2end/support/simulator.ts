import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Plays the training's platform with the portal's own simulator (`prakerja platform simulate`):
 *  signed events over HTTP report the voucher's training started, half done and finished. */
export async function simulatePlatform(options: { key: string; secret: string; voucher: string; baseUrl?: string }): Promise<string> {
  const binary = process.env.PRAKERJA_SERVER_BIN;
  if (!binary) throw new Error('PRAKERJA_SERVER_BIN is not set: run the specs with `cargo xtask end-to-end`');
  const { stdout } = await promisify(execFile)(
    binary,
    ['platform', 'simulate', '--base-url', options.baseUrl ?? process.env.BASE_URL ?? 'http://127.0.0.1:3100', '--key', options.key,
      '--voucher', options.voucher],
    // The secret in the environment, not on the command line where other processes can read it.
    { env: { ...process.env, PRAKERJA_ENV: 'development', RUST_LOG: 'warn', PRAKERJA_PLATFORM_SECRET: options.secret } },
  );
  return stdout;
}

/** The payout-rail simulator the end-to-end servers pay through (`cargo xtask end-to-end`
 *  starts it). */
const RAIL_URL = process.env.RAIL_URL ?? 'http://127.0.0.1:3191';
const RAIL_KEY = process.env.RAIL_KEY ?? 'rail-simulasi-kunci-pengembangan';

/** Opens an e-wallet at the rail, registered to `holder` (what a participant does at their
 *  e-wallet's provider before linking it). */
export async function openWallet(provider: string, number: string, holder: string): Promise<void> {
  const response = await fetch(`${RAIL_URL}/v1/simulasi/rekening`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${RAIL_KEY}` },
    body: JSON.stringify({ jenis: 'dompet', penyedia: provider, nomor: number, nama_pemilik: holder }),
  });
  if (!response.ok) throw new Error(`rail simulator answered ${response.status}`);
}
