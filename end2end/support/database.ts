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
