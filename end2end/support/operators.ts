import { createHmac } from 'node:crypto';

/** The operators `cargo xtask end-to-end` creates on its test database (see xtask/src/main.rs). */
export const OPERATOR_PASSWORD = 'kata sandi uji end-to-end';
export const VERIFIER = 'verifikator.uji';
export const PROGRAM_ADMIN = 'admin.uji';
/** Their authenticator app's secret (base32), set by `prakerja operator set-second-factor`. */
export const OPERATOR_TOTP_SECRET = 'KRSXG5CTMVRXEZLUKRXXI4DVNZSXEMJS';

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  return Buffer.from(bytes);
}

/** The six-digit code of RFC 6238 (HMAC-SHA1, 30-second steps) for a time step. */
export function totpAtStep(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

export function currentStep(): number {
  return Math.floor(Date.now() / 1000 / 30);
}
