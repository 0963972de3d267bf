import pg from 'pg';

/** Direct checks in the portal's PostgreSQL (the end-to-end database, from DATABASE_URL). */
async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function applicantsWithNik(nik: string): Promise<number> {
  return withClient(async (client) => {
    const result = await client.query('select count(*)::int as n from applicants where nik = $1', [nik]);
    return result.rows[0].n;
  });
}

/** Ends every session of an account, as if it had expired hours ago (when the limit of one
 *  sign-in code a minute no longer applies either). */
export async function expireSessionsOf(email: string): Promise<void> {
  await withClient(async (client) => {
    await client.query('delete from sessions where account_id = (select id from accounts where email = $1)', [email]);
    await client.query("delete from rate_limit_windows where key like 'code-email:%'");
  });
}

/** The newest sign-in code emailed to `email` (the outbox is where the portal puts mail). */
export async function latestCodeFor(email: string): Promise<string | undefined> {
  return withClient(async (client) => {
    const result = await client.query(
      'select body from outbox_messages where recipient = $1 order by id desc limit 1',
      [email],
    );
    return result.rows[0]?.body?.match(/Kode masuk Anda: (\d{6})/)?.[1];
  });
}

/** The newest code sent to `email` to confirm it as an account's new address. */
export async function emailChangeCodeFor(email: string): Promise<string | undefined> {
  return withClient(async (client) => {
    const result = await client.query(
      'select body from outbox_messages where recipient = $1 order by id desc limit 1',
      [email],
    );
    return result.rows[0]?.body?.match(/akun Prakerja Anda: (\d{6})/)?.[1];
  });
}

/** Puts a NIK on the exclusion list, as an agency's file would. */
export async function excludeNik(nik: string, category: string): Promise<void> {
  await withClient(async (client) => {
    await client.query(
      "insert into exclusions (nik, category, source, imported_at) values ($1, $2, 'uji end-to-end', now()) on conflict (nik) do update set category = excluded.category",
      [nik, category],
    );
  });
}

/** The operator decisions recorded for an applicant: (actor, before status, after status). */
export async function decisionsFor(reference: string): Promise<Array<{ actor: string; before: string; after: string }>> {
  return withClient(async (client) => {
    const result = await client.query(
      "select actor, before->>'status' as before, after->>'status' as after from audit_log where action = 'verification.decide' and subject = $1 order by id",
      [reference],
    );
    return result.rows;
  });
}

/** The option that is right for a question of an attempt (the test's oracle; null for a
 *  motivation statement). */
export async function correctOption(attempt: string, position: number): Promise<number | null> {
  return withClient(async (client) => {
    const result = await client.query(
      'select q.correct_option from test_attempts t join test_questions q on q.id = t.question_ids[$2] where t.id = $1',
      [attempt, position],
    );
    return result.rows[0].correct_option;
  });
}

/** Moves an attempt back in time by `minutes`, as if the applicant had started that much earlier. */
export async function ageAttempt(attempt: string, minutes: number): Promise<void> {
  await withClient(async (client) => {
    await client.query(
      "update test_attempts set started_at = started_at - make_interval(mins => $2), deadline_at = deadline_at - make_interval(mins => $2) where id = $1",
      [attempt, minutes],
    );
  });
}

export async function answersSaved(attempt: string): Promise<number> {
  return withClient(async (client) => {
    const result = await client.query('select count(*)::int as n from test_answers where attempt_id = $1', [attempt]);
    return result.rows[0].n;
  });
}

/** Every question of the bank (prompts and their right answers live only on the server). */
export async function bankPrompts(): Promise<string[]> {
  return withClient(async (client) => {
    const result = await client.query('select prompt from test_questions');
    return result.rows.map((row) => row.prompt);
  });
}

/** The registration number of the applicant who made an attempt. */
export async function referenceOfAttempt(attempt: string): Promise<string> {
  return withClient(async (client) => {
    const result = await client.query(
      'select a.reference from test_attempts t join applicants a on a.id = t.applicant_id where t.id = $1',
      [attempt],
    );
    return result.rows[0].reference;
  });
}

/** Makes the applicant with this NIK a participant: a card with `balance` rupiah in the e2e wave,
 *  accepted the day before the open server's clock (the waves' draw will do this). */
export async function issueCard(nik: string, balance: number): Promise<void> {
  await withClient(async (client) => {
    const number = '8' + String(Math.floor(Math.random() * 1e15)).padStart(15, '0');
    await client.query(
      `insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at, first_purchase_due_at)
       select gen_random_uuid(), a.id, (select id from waves where name = 'Gelombang Uji'), $2, $3, $3,
              timestamptz '2026-12-01T10:00:00+07:00', timestamptz '2026-12-31T10:00:00+07:00'
       from applicants a where a.nik = $1`,
      [nik, number, balance],
    );
  });
}

/** The card balance of the applicant with this NIK. */
export async function balanceOf(nik: string): Promise<number> {
  return withClient(async (client) => {
    const result = await client.query(
      'select c.balance::int as balance from cards c join applicants a on a.id = c.applicant_id where a.nik = $1',
      [nik],
    );
    return result.rows[0].balance;
  });
}

/** One visible training of a platform as the platform would send it (a CSV line), and the
 *  platform's name: importing it again must change nothing. */
export async function trainingAsCsvLine(platform: string): Promise<{ platformName: string; line: string }> {
  return withClient(async (client) => {
    const result = await client.query(
      `select p.name as platform_name, t.platform_course_id, t.title, t.description, t.category_code,
              pr.name as provider, t.price::text as price, t.hours::text as hours, t.mode, t.level,
              array_to_string(t.outcomes, '|') as outcomes
       from trainings t join platforms p on p.code = t.platform_code join providers pr on pr.id = t.provider_id
       where t.platform_code = $1 and t.hidden_at is null order by t.id limit 1`,
      [platform],
    );
    const row = result.rows[0];
    const quoted = (value: string) => `"${value.replace(/"/g, '""')}"`;
    const fields = ['platform_course_id', 'title', 'description', 'category_code', 'provider', 'price', 'hours', 'mode', 'level', 'outcomes'];
    return { platformName: row.platform_name, line: fields.map((field) => quoted(row[field])).join(',') };
  });
}

/** Gives the applicant with this NIK a passed test in the e2e wave (the test has its own spec). */
export async function passTest(nik: string): Promise<void> {
  await withClient(async (client) => {
    await client.query(
      `insert into test_attempts (id, applicant_id, wave_id, question_ids, started_at, deadline_at, finished_at,
                                  ability_score, ability_total, pass_mark, passed)
       select gen_random_uuid(), a.id, (select id from waves where name = 'Gelombang Uji'), array_fill(1, array[18]),
              timestamptz '2026-12-01T09:00:00+07:00', timestamptz '2026-12-01T09:25:00+07:00',
              timestamptz '2026-12-01T09:20:00+07:00', 12, 14, 7, true
       from applicants a where a.nik = $1`,
      [nik],
    );
  });
}

/** Time passes for a wave: its joining closes before the open server's clock (2 December 10:00 WIB). */
export async function closeJoining(wave: string): Promise<void> {
  await withClient(async (client) => {
    await client.query("update waves set join_closes_at = timestamptz '2026-12-02T09:00:00+07:00' where name = $1", [wave]);
  });
}
