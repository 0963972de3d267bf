/** Valid, unique applicants: NIKs agree with the date of birth and gender, as the portal checks. */
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

export function uniqueApplicant(): Applicant {
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
