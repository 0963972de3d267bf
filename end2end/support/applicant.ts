/** Valid, unique applicants, as the civil registry knows them: NIKs agree with the date of birth
 *  and gender, and the name and family card are the registry's (the simulator's population). */
export interface Applicant {
  email: string;
  nik: string;
  kk: string;
  fullName: string;
  birthDate: string; // YYYY-MM-DD
  gender: 'L' | 'P';
  birthPlace: string;
  province: string; // Kemendagri code
  city: string;
  mobile: string;
  education: string;
  employment: string;
  interests: string[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** The registry simulator the end-to-end servers ask (`cargo xtask end-to-end` starts it). */
const REGISTRY_URL = process.env.REGISTRY_URL ?? 'http://127.0.0.1:3190';
const REGISTRY_KEY = process.env.REGISTRY_KEY ?? 'dukcapil-simulasi-kunci-pengembangan';

/** The civil registry's record of a resident, as its API sends it. */
export interface Resident {
  nik: string;
  kk: string;
  nama_lengkap: string;
  tanggal_lahir: string;
  jenis_kelamin: 'L' | 'P';
  status_hidup: 'hidup' | 'meninggal';
}

/** Asks the registry (over its HTTP API, as the portal does) for the resident with this NIK. */
export async function resident(nik: string): Promise<Resident | null> {
  const response = await fetch(`${REGISTRY_URL}/v1/penduduk/periksa`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${REGISTRY_KEY}` },
    body: JSON.stringify({ nik }),
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`registry simulator answered ${response.status}`);
  return (await response.json()) as Resident;
}

/** A new applicant whom the registry knows alive, with the birth date of their NIK; they type
 *  their name and family card as the registry holds them. */
export async function uniqueApplicant(): Promise<Applicant> {
  for (let tries = 0; tries < 50; tries++) {
    const candidate = randomApplicant();
    const found = await resident(candidate.nik);
    if (found && found.status_hidup === 'hidup' && found.tanggal_lahir === candidate.birthDate) {
      return { ...candidate, fullName: found.nama_lengkap, kk: found.kk };
    }
  }
  throw new Error('the registry simulator knows none of 50 random NIKs');
}

function randomApplicant(): Applicant {
  const birth = new Date(Date.UTC(randomInt(1970, 2000), randomInt(0, 11), randomInt(1, 28)));
  const gender = Math.random() < 0.5 ? 'L' : 'P';
  const day = birth.getUTCDate() + (gender === 'P' ? 40 : 0);
  const ddmmyy = `${pad(day)}${pad(birth.getUTCMonth() + 1)}${pad(birth.getUTCFullYear() % 100)}`;
  const nik = `317401${ddmmyy}${pad(randomInt(1, 9999), 4)}`;
  const kk = `317401${pad(randomInt(1, 28))}${pad(randomInt(1, 12))}${pad(randomInt(10, 25))}${pad(randomInt(1, 9999), 4)}`;
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return {
    email: `e2e-${id}@contoh.id`,
    nik,
    kk,
    fullName: gender === 'P' ? 'Dewi Lestari' : 'Agus Prasetyo',
    birthDate: birth.toISOString().slice(0, 10),
    gender,
    birthPlace: 'Jakarta',
    province: '31',
    city: 'Kota Jakarta Timur',
    mobile: `0812${pad(randomInt(0, 99999999), 8)}`,
    education: 'sma',
    employment: 'pencari-kerja',
    interests: ['jualan-online', 'pemasaran-digital'],
  };
}
