//! Incentives paid through the payout rail: a participant links a bank account or an e-wallet
//! (the holder's name asked of the rail simulator on a real socket, and matched against theirs),
//! an account in someone else's name waits for an operator, a change is audited and waits out a
//! cooling-off period; each installment is sent under a stable reference, and a rail that times
//! out, answers twice, or pays and then never answers still pays each installment once, with a
//! clean reconciliation. Also what the payout job did before: one payment per installment with
//! two workers, holds on participants no longer eligible, and fencing of a stalled worker.

mod support;

use std::{
    collections::{HashMap, HashSet},
    sync::{atomic::Ordering, Arc, Mutex},
    time::Duration,
};

use app::{
    domain::payout_account::PayoutDestination,
    payouts::{
        job::{run_payouts, PayoutRun},
        rail::{
            HttpRail, PayoutRail, RailUnavailable, Statement, Transfer, TransferRequest, TransferStatus,
            WireDestination,
        },
        reconciliation::reconcile,
    },
    state::FixedClock,
};
use server::rail_simulator::{Fault, RailSimulator, DEVELOPMENT_KEY};
use sqlx::PgPool;
use support::{participant::*, *};

const INCENTIVE_PAGE: &str = "/dasbor/insentif";
const LINK: &str = "/api/link-payout-account";
const CONSOLE: &str = "/operator/pencairan";

/// The rail simulator on a real socket, its faults hanging for `hang`; and the portal's client
/// of it, giving up on a call after `timeout`.
async fn rail_on_socket(hang: Duration, timeout: Duration) -> (Arc<RailSimulator>, Arc<HttpRail>) {
    let simulator = RailSimulator::new_with_hang(DEVELOPMENT_KEY, hang);
    let addr = simulator
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let client = HttpRail::new(&format!("http://{addr}"), DEVELOPMENT_KEY, timeout).unwrap();
    (simulator, Arc::new(client))
}

fn wallet(provider: &str, number: &str) -> WireDestination {
    WireDestination::from(&PayoutDestination::parse("dompet", "", "", provider, number).unwrap())
}

fn wallet_form<'a>(provider: &'a str, number: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("account[kind]", "dompet"),
        ("account[wallet]", provider),
        ("account[wallet_number]", number),
    ]
}

/// Rina with a reviewed training (her incentive scheduled), on a server that asks `rail`.
async fn rina_with_incentive(pool: &PgPool, rail: &Arc<HttpRail>) -> Browser {
    reviewed_training(pool).await.with_rail(rail.clone())
}

/// Moves the browser's clock to `when`; Rina signs in again (her idle session ended).
async fn rina_at(browser: &mut Browser, when: chrono::DateTime<chrono::Utc>) {
    browser.clock.set(when);
    browser.sign_in("rina@contoh.id").await;
}

/// When installment `n` falls due.
async fn due(pool: &PgPool, n: i16) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("select due_at from incentive_installments where installment = $1")
        .bind(n)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn pay(pool: &PgPool, rail: &impl PayoutRail, at: chrono::DateTime<chrono::Utc>) -> PayoutRun {
    run_payouts(pool, rail, &FixedClock::at(at), 10).await.unwrap()
}

/// The state the participant's page shows for installment `n` (its `data-state`).
fn installment_state(page: &str, n: i16) -> String {
    let marker = format!("data-installment=\"{n}\" data-state=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("installment {n} on {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn rina_reference(pool: &PgPool) -> String {
    sqlx::query_scalar("select reference from applicants where full_name = 'Rina Wulandari'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Reconciles every day the ledger settled a transfer on; (rail's transfers, differences).
async fn reconcile_all(pool: &PgPool, rail: &HttpRail) -> (usize, usize) {
    let days: Vec<chrono::NaiveDate> = sqlx::query_scalar(
        "select distinct (settled_at at time zone 'Asia/Jakarta')::date from incentive_transfers
         where settled_at is not null",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut totals = (0, 0);
    for day in days {
        let done = reconcile(pool, rail, day, chrono::Utc::now()).await.unwrap();
        totals.0 += done.rail_transfers;
        totals.1 += done.differences.len();
    }
    totals
}

/// Every participant gets an active e-wallet in their own name (fixtures for the tests of the
/// job itself, whose participants are made with SQL).
async fn active_accounts_for_everyone(pool: &PgPool) {
    sqlx::query(
        "insert into payout_accounts (applicant_id, kind, provider, number, holder_name, name_match, status,
             linked_at, usable_from)
         select id, 'dompet', 'dana', '+62811' || lpad((row_number() over (order by id))::text, 8, '0'), full_name,
             'sama', 'aktif', registered_at, registered_at
         from applicants where id not in (select applicant_id from payout_accounts)",
    )
    .execute(pool)
    .await
    .unwrap();
}

/// The participant whose account the rail always refuses (closed, say).
const CLOSED_ACCOUNT: &str = "10000000-0000-4000-8000-000000000007";

/// An in-process rail for the job's own tests: it records every transfer, refuses one
/// participant's always, and (made with `busy_at_first`) turns about one in five away unanswered
/// the first time.
#[derive(Default)]
struct RecordingRail {
    busy_at_first: bool,
    transfers: Mutex<HashMap<String, Transfer>>,
    paid: Mutex<Vec<String>>,
    turned_away: Mutex<HashSet<String>>,
}

impl RecordingRail {
    fn busy_at_first() -> Self {
        Self {
            busy_at_first: true,
            ..Self::default()
        }
    }

    fn outcome(request: &TransferRequest, status: TransferStatus, reason: Option<&str>) -> Transfer {
        Transfer {
            reference: request.reference.clone(),
            amount: request.amount,
            status,
            reason: reason.map(str::to_owned),
            rail_reference: format!("UJI-{}", request.reference),
            at: chrono::Utc::now(),
        }
    }
}

impl PayoutRail for RecordingRail {
    async fn inquire(&self, _: &PayoutDestination) -> Result<Option<String>, RailUnavailable> {
        Ok(None)
    }

    async fn transfer(&self, request: &TransferRequest) -> Result<Transfer, RailUnavailable> {
        let closed = uuid::Uuid::parse_str(CLOSED_ACCOUNT).unwrap().simple().to_string();
        let last_byte = u8::from_str_radix(&request.reference[8 + 30..8 + 32], 16).unwrap();
        if self.busy_at_first
            && last_byte.is_multiple_of(5)
            && self.turned_away.lock().unwrap().insert(request.reference.clone())
        {
            return Err(RailUnavailable::Status(503));
        }
        let mut transfers = self.transfers.lock().unwrap();
        if let Some(first) = transfers.get(&request.reference) {
            return Ok(first.clone());
        }
        let outcome = if request.reference.contains(&closed) {
            Self::outcome(request, TransferStatus::Refused, Some("rekening ditutup"))
        } else {
            self.paid.lock().unwrap().push(request.reference.clone());
            Self::outcome(request, TransferStatus::Paid, None)
        };
        transfers.insert(request.reference.clone(), outcome.clone());
        Ok(outcome)
    }

    async fn transfer_status(&self, reference: &str) -> Result<Option<Transfer>, RailUnavailable> {
        Ok(self.transfers.lock().unwrap().get(reference).cloned())
    }

    async fn statement(&self, day: chrono::NaiveDate) -> Result<Statement, RailUnavailable> {
        let transfers = self
            .transfers
            .lock()
            .unwrap()
            .values()
            .filter(|t| app::domain::wib::date_in_program_tz(t.at) == day)
            .cloned()
            .collect();
        Ok(Statement { day, transfers })
    }
}

/// Two payout workers side by side until neither has had anything to do for a while, on one
/// clock that moves ten seconds each pass (so refused and unanswered payouts come round again).
async fn pay_with_two_workers(pool: &PgPool, rail: &Arc<RecordingRail>, from: chrono::DateTime<chrono::Utc>) {
    use std::sync::atomic::AtomicI64;
    let passes = Arc::new(AtomicI64::new(0));
    let worker = |pool: PgPool, rail: Arc<RecordingRail>, passes: Arc<AtomicI64>| async move {
        let mut idle = 0;
        while idle < 40 {
            let pass = passes.fetch_add(1, Ordering::SeqCst);
            let now = from + chrono::Duration::seconds(10 * pass);
            let run = run_payouts(&pool, &*rail, &FixedClock::at(now), 16).await.unwrap();
            idle = if run.queued == 0 && run.paid == 0 && run.asked == 0 {
                idle + 1
            } else {
                0
            };
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(worker(pool.clone(), rail.clone(), passes.clone())),
        tokio::spawn(worker(pool.clone(), rail.clone(), passes.clone()))
    );
    a.unwrap();
    b.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_incentive_ledger_pays_each_installment_once_even_with_two_workers(pool: PgPool) {
    let mut browser = reviewed_training(&pool).await;
    // 99 more participants like Rina, each with a finished and reviewed training.
    let participants = 99;
    for statement in [
        "insert into accounts (id, email) select ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
             'peserta' || n || '@contoh.invalid' from generate_series(1, $1) n",
        "insert into applicants (id, account_id, reference, nik, kk, full_name, birth_date, gender, birth_place,
             province_code, city, mobile, education, employment_status, interests, registered_at)
         select ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
             ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'PK-UJI0-0000-' || lpad(n::text, 4, '0'),
             '3171' || lpad(n::text, 12, '0'), '3172' || lpad(n::text, 12, '0'), full_name, birth_date, gender,
             birth_place, province_code, city, '+62812' || lpad(n::text, 8, '0'), education, employment_status,
             interests, registered_at
         from applicants a, generate_series(1, $1) n
         where a.id = (select c.applicant_id from cards c join purchases p on p.card_id = c.id)",
        "insert into cards (id, applicant_id, wave_id, card_number, initial_balance, balance, accepted_at,
             first_purchase_due_at, first_purchased_at)
         select ('20000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
             ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, wave_id, '8' || lpad(n::text, 15, '0'),
             initial_balance, balance, accepted_at, first_purchase_due_at, first_purchased_at
         from cards c, generate_series(1, $1) n where exists (select 1 from purchases p where p.card_id = c.id)",
        "insert into purchases (id, card_id, training_id, price, idempotency_key, voucher_code, purchased_at,
             started_at, progress_percent, completed_at)
         select ('30000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
             ('20000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, training_id, price, gen_random_uuid(),
             'UJIX-UJIX-UJIX-' || lpad(n::text, 4, '0'), purchased_at, started_at, 100, completed_at
         from purchases, generate_series(1, $1) n",
        "insert into certificates (code, purchase_id, issued_at)
         select 'UJIX-UJIX-UJIX-UJIX-' || lpad(n::text, 4, '0'),
             ('30000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, issued_at
         from certificates, generate_series(1, $1) n",
        "insert into reviews (purchase_id, training_stars, service_stars, body, written_at)
         select ('30000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 4, 4, body, written_at
         from reviews, generate_series(1, $1) n",
    ] {
        sqlx::query(statement).bind(participants).execute(&pool).await.unwrap();
    }
    let written_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select written_at from reviews limit 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let plan = app::incentive::IncentivePlan::default();
    for n in 1..=participants {
        let id = |prefix: &str| uuid::Uuid::parse_str(&format!("{prefix}-0000-4000-8000-{n:012}")).unwrap();
        let mut tx = pool.begin().await.unwrap();
        assert!(
            app::incentive::db::schedule(&mut tx, id("10000000"), id("30000000"), &plan, written_at)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
    }
    active_accounts_for_everyone(&pool).await;
    let everyone = i64::from(participants) + 1;
    assert_eq!(
        count(&pool, "select count(*) from incentive_installments").await,
        everyone * 4
    );

    // Nothing is paid during the holding period after the reviews; then the first installments
    // are due. One participant's rail account refuses every payout, about one in five payouts
    // goes unanswered the first time (and is asked about before anything is sent again), and
    // the others are paid all the same.
    let rail = std::sync::Arc::new(RecordingRail::busy_at_first());
    pay_with_two_workers(&pool, &rail, written_at).await;
    assert!(rail.paid.lock().unwrap().is_empty(), "held for the first week");
    pay_with_two_workers(&pool, &rail, written_at + chrono::Duration::days(7)).await;
    assert_eq!(rail.paid.lock().unwrap().len() as i64, everyone - 1);
    assert!(
        rail.turned_away.lock().unwrap().len() > 5,
        "some payouts went unanswered and were settled by asking"
    );
    // Four months on, the rest; then nothing more, however often the job runs. A payout
    // refused sixty times is still retried (under a new reference each time), a day apart.
    pay_with_two_workers(&pool, &rail, written_at + chrono::Duration::days(125)).await;
    sqlx::query("update incentive_payouts set attempts = 60 where sent_at is null")
        .execute(&pool)
        .await
        .unwrap();
    pay_with_two_workers(&pool, &rail, written_at + chrono::Duration::days(200)).await;
    let paid = rail.paid.lock().unwrap().clone();
    let distinct: std::collections::HashSet<&String> = paid.iter().collect();
    assert_eq!(paid.len() as i64, (everyone - 1) * 4);
    assert_eq!(distinct.len(), paid.len(), "no installment paid twice");
    assert_eq!(
        count(
            &pool,
            "select count(*) from incentive_transfers where outcome = 'dibayar'"
        )
        .await,
        (everyone - 1) * 4
    );
    assert_eq!(
        count(&pool, "select count(*) from incentive_transfers where outcome is null").await,
        0,
        "every unanswered transfer was settled"
    );
    let waiting: (i64, Option<i32>, Option<String>) =
        sqlx::query_as("select count(*), max(attempts), max(last_error) from incentive_payouts where sent_at is null")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(waiting, (4, Some(61), Some("rekening ditutup".to_owned())));

    // The ledger balances: everything scheduled was paid once, but the refused account's.
    let (scheduled, paid_total, outstanding): (i64, i64, i64) = sqlx::query_as(
        "select sum(scheduled)::bigint, sum(paid)::bigint, sum(outstanding)::bigint from incentive_balances",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (scheduled, paid_total, outstanding),
        (everyone * 2_400_000, (everyone - 1) * 2_400_000, 2_400_000)
    );
    // The database itself refuses a second payout of an installment, or one of another amount.
    let second = sqlx::query(
        "insert into incentive_payouts (applicant_id, installment, amount, queued_at, available_at)
         select applicant_id, installment, amount, now(), now() from incentive_installments limit 1",
    )
    .execute(&pool)
    .await;
    assert!(second.is_err());
    let dashboard = browser.get("/dasbor").await;
    assert!(
        dashboard.body.contains("Rp2.400.000 (4 dari 4 kali)"),
        "{}",
        dashboard.body
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_payout_is_held_when_the_participant_is_no_longer_eligible(pool: PgPool) {
    reviewed_training(&pool).await;
    active_accounts_for_everyone(&pool).await;
    // Put on the exclusion list after the review (found to be a civil servant, say).
    sqlx::query(
        "insert into exclusions (nik, category, source, imported_at)
         select a.nik, 'asn', 'BKN', now() from applicants a join cards c on c.applicant_id = a.id
         join purchases p on p.card_id = c.id",
    )
    .execute(&pool)
    .await
    .unwrap();
    let rail = RecordingRail::default();
    let clock = FixedClock::at(wednesday_morning() + chrono::Duration::days(8));
    let run = run_payouts(&pool, &rail, &clock, 10).await.unwrap();
    assert_eq!((run.queued, run.paid, run.held), (1, 0, 1), "{run:?}");
    assert!(rail.paid.lock().unwrap().is_empty());
    let reason: String = sqlx::query_scalar("select held_reason from incentive_payouts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reason, "NIK ada di daftar pengecualian");
    // Taken off the list (a mistake), but now someone disputes the NIK: still held.
    sqlx::query("delete from exclusions").execute(&pool).await.unwrap();
    let nik: String = sqlx::query_scalar(
        "select a.nik from applicants a join cards c on c.applicant_id = a.id join purchases p on p.card_id = c.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    dispute_nik(&pool, &nik).await;
    clock.advance(chrono::Duration::days(1));
    let run = run_payouts(&pool, &rail, &clock, 10).await.unwrap();
    assert_eq!((run.paid, run.held), (0, 1), "{run:?}");
    let reason: String = sqlx::query_scalar("select held_reason from incentive_payouts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reason, "NIK sedang disanggah");
    // The dispute refused: paid on the next check, a day later.
    sqlx::query(
        "insert into operators (id, username, display_name, password_hash, role, created_at)
         values (gen_random_uuid(), 'verifikator.sanggah', 'Petugas', '$argon2id$uji', 'verifikator', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "update nik_disputes set status = 'ditolak', decided_at = now(), decision_note = 'NIK milik pemegang.',
                decided_by = (select id from operators limit 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    clock.advance(chrono::Duration::days(1));
    let run = run_payouts(&pool, &rail, &clock, 10).await.unwrap();
    assert_eq!((run.paid, run.held), (1, 0), "{run:?}");
}

/// A rail whose first transfer blocks until released: the worker making it stalls.
#[derive(Default)]
struct StallingRail {
    stalled: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    calls: Mutex<Vec<String>>,
    transfers: Mutex<HashMap<String, Transfer>>,
}

impl PayoutRail for StallingRail {
    async fn inquire(&self, _: &PayoutDestination) -> Result<Option<String>, RailUnavailable> {
        Ok(None)
    }

    async fn transfer(&self, request: &TransferRequest) -> Result<Transfer, RailUnavailable> {
        let stall = self.stalled.lock().unwrap().take();
        if let Some(release) = stall {
            // Worker A runs on a thread and runtime of its own: blocking here stalls only it.
            let _ = release.recv();
        }
        self.calls.lock().unwrap().push(request.reference.clone());
        let mut transfers = self.transfers.lock().unwrap();
        let outcome = transfers
            .entry(request.reference.clone())
            .or_insert_with(|| RecordingRail::outcome(request, TransferStatus::Paid, None));
        Ok(outcome.clone())
    }

    async fn transfer_status(&self, reference: &str) -> Result<Option<Transfer>, RailUnavailable> {
        Ok(self.transfers.lock().unwrap().get(reference).cloned())
    }

    async fn statement(&self, day: chrono::NaiveDate) -> Result<Statement, RailUnavailable> {
        Ok(Statement {
            day,
            transfers: Vec::new(),
        })
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stalled_payout_worker_cannot_record_after_its_lease_passed_to_another(pool: PgPool) {
    reviewed_training(&pool).await;
    active_accounts_for_everyone(&pool).await;
    let due = due(&pool, 1).await;
    let (release, stalled) = std::sync::mpsc::channel();
    let rail = Arc::new(StallingRail {
        stalled: Mutex::new(Some(stalled)),
        ..StallingRail::default()
    });
    // Worker A takes the payout, writes its transfer down and stalls inside the rail call, its
    // clock running on.
    let clock = Arc::new(FixedClock::at(due));
    let worker_a = {
        // A process of its own: its own runtime and connections.
        let (options, rail, clock) = (pool.connect_options(), rail.clone(), clock.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .connect_with((*options).clone())
                    .await
                    .unwrap();
                run_payouts(&pool, &*rail, &*clock, 10).await
            })
        })
    };
    while count(&pool, "select count(*) from incentive_transfers").await == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Its lease runs out; worker B takes the payout over, asks the rail about the transfer (never
    // received: A is still stuck), and sends it under the same reference: paid.
    let run_b = pay(&pool, &*rail, due + chrono::Duration::minutes(16)).await;
    assert_eq!((run_b.asked, run_b.paid), (1, 1), "{run_b:?}");
    // A wakes up: the rail answers it too (the same outcome), but A records nothing.
    clock.advance(chrono::Duration::minutes(17));
    release.send(()).unwrap();
    let run_a = tokio::task::spawn_blocking(move || worker_a.join().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((run_a.paid, run_a.fenced), (0, 1), "{run_a:?}");
    let calls = rail.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "both workers reached the rail");
    assert_eq!(calls[0], calls[1], "under one reference: the rail pays it once");
    assert_eq!(rail.transfers.lock().unwrap().len(), 1);
    assert_eq!(
        count(
            &pool,
            "select count(*) from incentive_payouts where sent_at is not null"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_participant_links_an_e_wallet_in_their_name_and_sees_each_installment_paid(pool: PgPool) {
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_secs(2)).await;
    let mut browser = rina_with_incentive(&pool, &rail).await;
    let page = browser.get(INCENTIVE_PAGE).await.body;
    assert!(page.contains("data-account=\"belum-ada\""), "{page}");
    assert_eq!(installment_state(&page, 1), "belum");

    // Due, but no account yet: the payout waits, and says what for.
    let first_due = due(&pool, 1).await;
    let run = pay(&pool, &*rail, first_due).await;
    assert_eq!((run.queued, run.held, run.paid), (1, 1, 0), "{run:?}");
    rina_at(&mut browser, first_due).await;
    let page = browser.get(INCENTIVE_PAGE).await.body;
    assert_eq!(installment_state(&page, 1), "jatuh-tempo");
    assert!(page.contains("menunggu: belum ada rekening pencairan"), "{page}");

    // Her e-wallet, opened at the rail in her name: linked at once, and the payout goes out.
    simulator.open_account(&wallet("dana", "081234567890"), "RINA WULANDARI");
    let answer = browser
        .submit(LINK, &wallet_form("dana", "0812-3456-7890"), INCENTIVE_PAGE)
        .await;
    assert!(answer.contains("tersambung atas nama Anda"), "{answer}");
    assert!(answer.contains("DANA 0812***890"), "the number is masked: {answer}");
    assert!(!answer.contains("081234567890") && !answer.contains("+6281234567890"));
    assert!(answer.contains("data-account=\"aktif\""), "{answer}");
    let reference = rina_reference(&pool).await;
    assert_eq!(
        audit_entries(&pool, "payout_accounts.link", &format!("peserta:{reference}")).await,
        1
    );
    let run = pay(&pool, &*rail, first_due + chrono::Duration::seconds(1)).await;
    assert_eq!(run.paid, 1, "released as soon as the account is active: {run:?}");
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 1);
    let page = browser.get(INCENTIVE_PAGE).await.body;
    assert_eq!(installment_state(&page, 1), "dibayar");
    assert_eq!(installment_state(&page, 2), "belum");

    // The rest, month by month; the ledger and the rail's statement agree.
    for n in 2..=4 {
        let run = pay(&pool, &*rail, due(&pool, n).await).await;
        assert_eq!(run.paid, 1, "installment {n}: {run:?}");
    }
    rina_at(&mut browser, due(&pool, 4).await).await;
    let page = browser.get(INCENTIVE_PAGE).await.body;
    for n in 1..=4 {
        assert_eq!(installment_state(&page, n), "dibayar");
    }
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 4);
    assert_eq!(reconcile_all(&pool, &rail).await, (4, 0));
    // Without a session, the page and the form send the visitor to sign in.
    let mut stranger = browser.another();
    assert_eq!(stranger.get(INCENTIVE_PAGE).await.location(), Some("/masuk"));
    let posted = stranger.post_form(LINK, &wallet_form("dana", "081234567890")).await;
    assert_eq!(posted.location(), Some("/masuk"));
}

/// Posts a console decision on account `id`; returns the console page it leads back to.
async fn decide_account(operator: &mut Browser, id: i64, decision: &str, note: &str) -> String {
    let id = id.to_string();
    let form = [("account", id.as_str()), ("decision", decision), ("note", note)];
    operator.submit("/api/decide-payout-account", &form, CONSOLE).await
}

async fn current_account(pool: &PgPool) -> (i64, String) {
    sqlx::query_as("select id, status from payout_accounts where replaced_at is null")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_account_in_another_name_waits_for_an_operator_who_sees_both_names(pool: PgPool) {
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_secs(2)).await;
    let mut browser = rina_with_incentive(&pool, &rail).await;
    let mut verifier = signed_in_operator(&browser, "verifikator.rek", app::operators::OperatorRole::Verifier).await;

    // A bank account whose holder is someone else: to an operator, and the participant is not
    // told whose it is (the form is no oracle of account holders).
    simulator.open_account(
        &WireDestination::from(&PayoutDestination::parse("bank", "014", "5270012345", "", "").unwrap()),
        "Joko Susilo",
    );
    let bank = [
        ("account[kind]", "bank"),
        ("account[bank]", "014"),
        ("account[number]", "527 001 2345"),
    ];
    let answer = browser.submit(LINK, &bank, INCENTIVE_PAGE).await;
    assert!(answer.contains("petugas memeriksanya"), "{answer}");
    assert!(answer.contains("data-account=\"diperiksa\""), "{answer}");
    assert!(!answer.contains("Joko"), "{answer}");
    let (joko, status) = current_account(&pool).await;
    assert_eq!(status, "diperiksa");
    let run = pay(&pool, &*rail, due(&pool, 1).await).await;
    assert_eq!((run.held, run.paid), (1, 0), "{run:?}");

    // The verifier sees both names side by side; a refusal needs a note, which Rina reads.
    let console = verifier.get(CONSOLE).await.body;
    assert!(
        console.contains("Rina Wulandari") && console.contains("Joko Susilo"),
        "{console}"
    );
    assert!(
        console.contains("BCA ••••2345") && !console.contains("5270012345"),
        "{console}"
    );
    let refused = decide_account(&mut verifier, joko, "ditolak", "").await;
    assert!(refused.contains(&format!("id=\"note-{joko}-error\"")), "{refused}");
    let refused = decide_account(&mut verifier, joko, "ditolak", "Rekening atas nama orang lain.").await;
    assert!(refused.contains("ditolak; peserta diminta"), "{refused}");
    let page = browser.get(INCENTIVE_PAGE).await.body;
    assert!(
        page.contains("Ditolak petugas: Rekening atas nama orang lain."),
        "{page}"
    );
    // Decided once: a second decision (a replayed post) changes nothing.
    let again = decide_account(&mut verifier, joko, "disetujui", "").await;
    assert!(again.contains("sudah diputuskan"), "{again}");

    // Her own e-wallet, registered with a typo in her name: near, so again to the operator, who
    // approves it; the payout held for it is paid at once.
    simulator.open_account(&wallet("gopay", "085711112222"), "Rina Wulandri");
    browser
        .submit(LINK, &wallet_form("gopay", "0857 1111 2222"), INCENTIVE_PAGE)
        .await;
    let (near, status) = current_account(&pool).await;
    assert_eq!(status, "diperiksa");
    let console = verifier.get(CONSOLE).await.body;
    assert!(
        console.contains("Rina Wulandri") && console.contains("Namanya mirip"),
        "{console}"
    );
    assert!(console.contains("sudah 1 kali menautkan rekening lain"), "{console}");
    let approved = decide_account(&mut verifier, near, "disetujui", "").await;
    assert!(approved.contains("disetujui"), "{approved}");
    assert_eq!(current_account(&pool).await.1, "aktif");
    assert_eq!(
        audit_entries(&pool, "payout_accounts.decide", "operator:verifikator.rek").await,
        2
    );
    let run = pay(&pool, &*rail, due(&pool, 1).await + chrono::Duration::minutes(1)).await;
    assert_eq!(run.paid, 1, "{run:?}");
    // A participant's own page cannot reach the console's decision.
    let forbidden = browser
        .post_form(
            "/api/decide-payout-account",
            &[("account", "1"), ("decision", "disetujui")],
        )
        .await;
    assert!(
        forbidden.status.is_redirection() || forbidden.status.is_client_error(),
        "{}",
        forbidden.status
    );
    assert_eq!(
        count(&pool, "select count(*) from payout_accounts where status = 'aktif'").await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_the_account_is_audited_told_by_email_and_waits_out_the_cooling_off(pool: PgPool) {
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_secs(2)).await;
    let mut browser = rina_with_incentive(&pool, &rail).await;
    simulator.open_account(&wallet("dana", "081234567890"), "Rina Wulandari");
    simulator.open_account(&wallet("ovo", "081298765432"), "Rina Wulandari");
    browser
        .submit(LINK, &wallet_form("dana", "081234567890"), INCENTIVE_PAGE)
        .await;
    // The same account again (a double click, a resent form): nothing changes, nobody is asked.
    let again = browser
        .submit(LINK, &wallet_form("dana", "0812 3456 7890"), INCENTIVE_PAGE)
        .await;
    assert!(again.contains("tidak ada yang berubah"), "{again}");
    assert_eq!(count(&pool, "select count(*) from payout_accounts").await, 1);

    // A day before the first installment falls due, the account is changed.
    let first_due = due(&pool, 1).await;
    rina_at(&mut browser, first_due - chrono::Duration::days(1)).await;
    let changed = browser
        .submit(LINK, &wallet_form("ovo", "081298765432"), INCENTIVE_PAGE)
        .await;
    assert!(changed.contains("Demi keamanan"), "{changed}");
    assert!(changed.contains("Aktif mulai"), "{changed}");
    let reference = rina_reference(&pool).await;
    assert_eq!(
        audit_entries(&pool, "payout_accounts.change", &format!("peserta:{reference}")).await,
        1
    );
    let (recipient, body): (String, String) = sqlx::query_as(
        "select recipient, body from outbox_messages where subject = 'Rekening pencairan insentif Anda diganti'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recipient, "rina@contoh.id");
    assert!(
        body.contains("OVO 0812***432") && !body.contains("081298765432"),
        "{body}"
    );

    // Due, but within the 72 hours: held until they pass, then paid into the new account.
    let run = pay(&pool, &*rail, first_due).await;
    assert_eq!((run.held, run.paid), (1, 0), "{run:?}");
    let held: String = sqlx::query_scalar("select held_reason from incentive_payouts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(held, "masa tunggu setelah rekening diganti");
    let usable_from = first_due - chrono::Duration::days(1) + chrono::Duration::hours(72);
    let run = pay(&pool, &*rail, usable_from - chrono::Duration::minutes(1)).await;
    assert_eq!(run.paid, 0, "not a minute early: {run:?}");
    let run = pay(&pool, &*rail, usable_from).await;
    assert_eq!(run.paid, 1, "{run:?}");
    let paid_into: String = sqlx::query_scalar(
        "select a.provider from incentive_transfers t join payout_accounts a on a.id = t.payout_account_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(paid_into, "ovo");
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_input_unknown_accounts_a_rail_away_and_a_guessing_script_are_refused_plainly(pool: PgPool) {
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_secs(2)).await;
    let mut browser = rina_with_incentive(&pool, &rail).await;

    // Every wrong field named beside itself, and what was typed kept.
    let wrong = [
        ("account[kind]", "bank"),
        ("account[bank]", "999"),
        ("account[number]", "12ab"),
    ];
    let page = browser.submit(LINK, &wrong, INCENTIVE_PAGE).await;
    assert!(page.contains("Pilih bank Anda."), "{page}");
    assert!(page.contains("Nomor rekening hanya berisi angka."), "{page}");
    assert!(page.contains("value=\"12ab\""), "{page}");
    assert!(page.contains("error-summary"), "{page}");

    // An account the rail does not know: said beside the number.
    let closed = PayoutDestination::parse("bank", "002", "0011223344", "", "").unwrap();
    simulator.close_account(&WireDestination::from(&closed));
    let unknown = [
        ("account[kind]", "bank"),
        ("account[bank]", "002"),
        ("account[number]", "0011223344"),
    ];
    let page = browser.submit(LINK, &unknown, INCENTIVE_PAGE).await;
    assert!(page.contains("tidak ditemukan di bank yang dipilih"), "{page}");
    assert_eq!(count(&pool, "select count(*) from payout_accounts").await, 0);

    // The rail away: an honest message, nothing saved, what was typed kept.
    let away = Arc::new(HttpRail::new("http://127.0.0.1:9", DEVELOPMENT_KEY, Duration::from_millis(300)).unwrap());
    let mut offline = browser.another_tab().with_rail(away);
    let page = offline
        .submit(LINK, &wallet_form("dana", "081234567890"), INCENTIVE_PAGE)
        .await;
    assert!(page.contains("Layanan bank sedang tidak dapat dihubungi"), "{page}");
    assert!(page.contains("value=\"081234567890\""), "{page}");
    assert_eq!(count(&pool, "select count(*) from payout_accounts").await, 0);

    // A script trying numbers to learn whose they are: five inquiries a day, then no more.
    for n in 3..=5 {
        let number = format!("08120000000{n}");
        let page = browser.submit(LINK, &wallet_form("ovo", &number), INCENTIVE_PAGE).await;
        assert!(!page.contains("sudah 5 kali"), "inquiry {n}: {page}");
    }
    let page = browser
        .submit(LINK, &wallet_form("ovo", "081200000009"), INCENTIVE_PAGE)
        .await;
    assert!(page.contains("sudah 5 kali mencoba"), "{page}");
    assert_eq!(count(&pool, "select count(*) from payout_accounts").await, 3);

    // Someone without a card (Budi has only signed up) links nothing.
    let mut budi = browser.another();
    budi.sign_in("budi@contoh.id").await;
    let page = budi.get(INCENTIVE_PAGE).await.body;
    assert!(page.contains("setelah Anda menerima Kartu Prakerja"), "{page}");
    let page = budi
        .submit(LINK, &wallet_form("dana", "081377778888"), INCENTIVE_PAGE)
        .await;
    assert!(page.contains("hanya untuk peserta"), "{page}");
    assert_eq!(count(&pool, "select count(*) from payout_accounts").await, 3);
}

/// Rina with her e-wallet linked; the simulator, its client (whose calls give up after 200 ms,
/// before a hanging rail answers) and her browser.
async fn rina_linked(pool: &PgPool) -> (Arc<RailSimulator>, Arc<HttpRail>, Browser) {
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_millis(200)).await;
    let mut browser = rina_with_incentive(pool, &rail).await;
    simulator.open_account(&wallet("dana", "081234567890"), "Rina Wulandari");
    browser
        .submit(LINK, &wallet_form("dana", "081234567890"), INCENTIVE_PAGE)
        .await;
    (simulator, rail, browser)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rail_that_times_out_pays_late_or_pays_and_never_answers_pays_each_installment_once(pool: PgPool) {
    let (simulator, rail, mut browser) = rina_linked(&pool).await;
    for (n, fault) in [(1, Fault::Hangs), (2, Fault::PaysLate), (3, Fault::PaysThenHangs)] {
        let paid_before = simulator.paid.load(Ordering::SeqCst);
        let at = due(&pool, n).await;
        simulator.set_fault(fault);
        let run = pay(&pool, &*rail, at).await;
        assert_eq!((run.unknown, run.paid), (1, 0), "{fault:?}: {run:?}");
        rina_at(&mut browser, at).await;
        let page = browser.get(INCENTIVE_PAGE).await.body;
        assert_eq!(installment_state(&page, n), "dikirim", "{fault:?}");
        // The rail recovers; the next pass asks about the reference before anything else.
        simulator.set_fault(Fault::None);
        let run = pay(&pool, &*rail, at + chrono::Duration::minutes(2)).await;
        assert_eq!((run.asked, run.paid), (1, 1), "{fault:?}: {run:?}");
        assert_eq!(
            simulator.paid.load(Ordering::SeqCst),
            paid_before + 1,
            "{fault:?}: paid once"
        );
        let run = pay(&pool, &*rail, at + chrono::Duration::minutes(10)).await;
        assert_eq!(run, PayoutRun::default(), "nothing left to do");
    }
    pay(&pool, &*rail, due(&pool, 4).await).await;
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 4);
    assert_eq!(
        count(&pool, "select count(*) from incentive_transfers").await,
        4,
        "no new reference for an unknown outcome"
    );
    assert_eq!(reconcile_all(&pool, &rail).await, (4, 0), "the reconciliation is clean");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_transfer_answered_twice_is_recorded_once(pool: PgPool) {
    // The rail pays, then answers the first worker late (600 ms, within its 2 s); meanwhile the
    // payout's lease has passed to a second worker, which asks and is answered too.
    let (simulator, rail) = rail_on_socket(Duration::from_millis(600), Duration::from_secs(2)).await;
    let mut browser = rina_with_incentive(&pool, &rail).await;
    simulator.open_account(&wallet("dana", "081234567890"), "Rina Wulandari");
    browser
        .submit(LINK, &wallet_form("dana", "081234567890"), INCENTIVE_PAGE)
        .await;
    simulator.set_fault(Fault::PaysLate);
    let at = due(&pool, 1).await;
    let first = tokio::spawn({
        let (pool, rail) = (pool.clone(), rail.clone());
        async move { run_payouts(&pool, &*rail, &FixedClock::at(at), 10).await.unwrap() }
    });
    while simulator.paid.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = pay(&pool, &*rail, at + chrono::Duration::minutes(16)).await;
    assert_eq!((second.asked, second.paid), (1, 1), "{second:?}");
    let first = first.await.unwrap();
    assert_eq!((first.paid, first.fenced), (0, 1), "{first:?}");
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 1);
    assert_eq!(
        count(
            &pool,
            "select count(*) from incentive_transfers where outcome = 'dibayar'"
        )
        .await,
        1
    );
    assert_eq!(reconcile_all(&pool, &rail).await, (1, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_transfer_shows_its_reason_and_is_tried_again_under_a_new_reference(pool: PgPool) {
    let (simulator, rail, mut browser) = rina_linked(&pool).await;
    let at = due(&pool, 1).await;
    simulator.set_fault(Fault::Refuses);
    let run = pay(&pool, &*rail, at).await;
    assert_eq!(run.refused, 1, "{run:?}");
    rina_at(&mut browser, at).await;
    let page = browser.get(INCENTIVE_PAGE).await.body;
    assert_eq!(installment_state(&page, 1), "ditolak");
    assert!(page.contains("Rekening tujuan ditutup atau diblokir."), "{page}");
    simulator.set_fault(Fault::None);
    let run = pay(&pool, &*rail, at + chrono::Duration::minutes(2)).await;
    assert_eq!(run.paid, 1, "{run:?}");
    let references: Vec<(String, String)> =
        sqlx::query_as("select reference, outcome from incentive_transfers order by requested_at, reference")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(references.len(), 2);
    assert!(
        references[0].0.ends_with("-1-1") && references[0].1 == "ditolak",
        "{references:?}"
    );
    assert!(
        references[1].0.ends_with("-1-2") && references[1].1 == "dibayar",
        "{references:?}"
    );
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 1);
    // The statement lists both (the refusal and the payment); the ledger agrees.
    assert_eq!(reconcile_all(&pool, &rail).await, (2, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_reconciliation_lists_what_the_ledger_has_not_learnt_and_operators_see_it(pool: PgPool) {
    let (simulator, rail, browser) = rina_linked(&pool).await;
    let at = due(&pool, 1).await;
    simulator.set_fault(Fault::PaysThenHangs);
    let run = pay(&pool, &*rail, at).await;
    assert_eq!(run.unknown, 1, "{run:?}");
    let today = app::domain::wib::date_in_program_tz(chrono::Utc::now());
    let found = reconcile(&pool, &*rail, today, chrono::Utc::now()).await.unwrap();
    assert_eq!((found.rail_transfers, found.ledger_transfers), (1, 0));
    assert_eq!(found.differences.len(), 1, "{found:?}");
    let reference = found.differences[0].reference.clone();
    let mut admin = signed_in_operator(&browser, "admin.rekon", app::operators::OperatorRole::ProgramAdmin).await;
    let console = admin.get(CONSOLE).await.body;
    assert!(
        console.contains("Hanya di rail") && console.contains(&reference),
        "{console}"
    );
    assert!(console.contains("belum diketahui"), "{console}");
    // The job asks, learns it was paid; reconciled again, the day is clean.
    simulator.set_fault(Fault::None);
    let run = pay(&pool, &*rail, at + chrono::Duration::minutes(2)).await;
    assert_eq!((run.asked, run.paid), (1, 1), "{run:?}");
    let found = reconcile(&pool, &*rail, today, chrono::Utc::now()).await.unwrap();
    assert_eq!(found.differences, vec![]);
    let console = admin.get(CONSOLE).await.body;
    assert!(console.contains("data-reconciliation=\"cocok\""), "{console}");
    assert_eq!(
        count(&pool, "select count(*) from reconciliations").await,
        1,
        "a day reconciled again replaces its findings"
    );
}
