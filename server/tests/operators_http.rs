//! Operators' second factor and their management, over HTTP without JavaScript: enrolment with
//! a QR code at the first sign-in, codes used once and budgeted, recovery codes; program admins
//! change roles, disable, reset passwords and second factors, each audited and ending the
//! operator's sessions; the same from the command line.

mod support;

use app::operators::{admin, db, second_factor, OperatorRole, Password, Username};
use sqlx::PgPool;
use support::*;

async fn create(browser: &Browser, username: &str, role: OperatorRole) -> uuid::Uuid {
    db::create(
        &browser.pool,
        &Username::parse(username).unwrap(),
        "Petugas Baru",
        role,
        Password::parse(OPERATOR_PASSWORD).unwrap(),
        "test",
        wednesday_morning(),
    )
    .await
    .unwrap()
}

/// Posts the password step of the operators' sign-in; where the answer sends the browser.
async fn password(console: &mut Browser, username: &str, password: &str) -> String {
    let answer = console
        .post_form(
            "/api/operator-sign-in",
            &[("username", username), ("password", password)],
        )
        .await;
    answer.location().expect("a redirect after the password").to_owned()
}

/// Posts a code to enrol in the second factor; the enrolment page, where the answer sends the
/// browser back to.
async fn enrol(console: &mut Browser, code: &str) -> String {
    console
        .submit("/api/second-factor-enrol", &[("code", code)], "/operator/dua-langkah")
        .await
}

/// Posts a code (or a recovery code) at the second step of the sign-in; asserts where the
/// answer sends the browser and returns that page's body.
async fn second_step(console: &mut Browser, code: &str, back_to: &str) -> String {
    console.submit("/api/second-factor", &[("code", code)], back_to).await
}

/// The form that disables admin.petugas, whoever posts it (a verifier, or that admin).
const DISABLE_ADMIN: [(&str, &str); 2] = [("username", "admin.petugas"), ("action", "nonaktifkan")];

fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("{start} not in the page")) + start.len();
    &page[from..from + page[from..].find(end).unwrap()]
}

#[sqlx::test(migrations = "../migrations")]
async fn an_operator_enrols_a_second_factor_at_the_first_sign_in_and_keeps_recovery_codes(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    create(&browser, "petugas.baru", OperatorRole::Verifier).await;
    let mut console = browser.another();
    assert_eq!(
        password(&mut console, "petugas.baru", OPERATOR_PASSWORD).await,
        "/operator/dua-langkah"
    );
    // The password alone opens no console page.
    assert_eq!(
        console.get("/operator/verifikasi").await.location(),
        Some("/operator/dua-langkah")
    );

    let page = console.get("/operator/dua-langkah").await.body;
    assert!(page.contains("<svg"), "the QR code");
    let typed = between(&page, "class=\"totp-secret\">", "</code>").replace(' ', "");
    let secret = second_factor::secret_from_base32(&typed).expect("the secret to type in");
    assert!(
        console.get("/operator/dua-langkah").await.body.contains(&typed[..4]),
        "a reload shows the same secret"
    );
    let stored: Vec<u8> = sqlx::query_scalar("select totp_sealed from operators where username = 'petugas.baru'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, secret.to_vec(), "stored sealed, not as it is");

    let wrong = enrol(&mut console, "000000").await;
    assert!(wrong.contains("Kode salah"));

    let code = second_factor::code_at_step(&secret, second_factor::step_of(wednesday_morning()));
    let shown = enrol(&mut console, &code).await;
    let recovery: Vec<String> = shown
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10, "{shown}");
    assert_eq!(
        console.get("/operator/dua-langkah").await.location(),
        Some("/operator/verifikasi"),
        "the recovery codes are shown once"
    );
    assert_eq!(console.get("/operator/verifikasi").await.status, 200);

    // Next time: password, then a code. A recovery code works once.
    console.post_form("/api/operator-sign-out", &[]).await;
    let mut phone_lost = browser.another();
    assert_eq!(
        password(&mut phone_lost, "petugas.baru", OPERATOR_PASSWORD).await,
        "/operator/masuk/kode"
    );
    let console_page = second_step(&mut phone_lost, &recovery[0].to_lowercase(), "/operator/verifikasi").await;
    assert!(console_page.contains("kode pemulihan; tersisa 9"));
    let mut again = browser.another();
    password(&mut again, "petugas.baru", OPERATOR_PASSWORD).await;
    let reused = second_step(&mut again, &recovery[0], "/operator/masuk/kode").await;
    assert!(reused.contains("Kode salah atau sudah dipakai"));
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where actor = 'operator:petugas.baru' order by id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        actions.contains(&"operators.second-factor-enrol".to_owned()),
        "{actions:?}"
    );
    assert!(actions.contains(&"operators.second-factor-recovery-code".to_owned()));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_code_is_used_once_and_wrong_codes_lock_the_second_step(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    signed_in_operator(&browser, "admin.kode", OperatorRole::ProgramAdmin).await;
    // Someone with the password and the code just used, in the same 30 seconds: refused.
    let mut replay = browser.another();
    password(&mut replay, "admin.kode", OPERATOR_PASSWORD).await;
    let used = operator_code(&replay, 0);
    let refused = replay.post_form("/api/second-factor", &[("code", &used)]).await;
    assert_eq!(refused.location(), Some("/operator/masuk/kode"));
    assert_eq!(
        replay.get("/operator/verifikasi").await.location(),
        Some("/operator/masuk/kode")
    );

    // Guessing: five wrong codes, then even the right one waits.
    let mut guesser = browser.another();
    password(&mut guesser, "admin.kode", OPERATOR_PASSWORD).await;
    for guess in ["111111", "222222", "333333", "444444", "555555"] {
        guesser.post_form("/api/second-factor", &[("code", guess)]).await;
    }
    let right = operator_code(&guesser, 1);
    let locked = second_step(&mut guesser, &right, "/operator/masuk/kode").await;
    assert!(locked.contains("Terlalu banyak kode salah"));
    // After the window, the operator goes on.
    guesser.clock.advance(chrono::Duration::minutes(16));
    operator_sign_in(&mut guesser, "admin.kode").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn program_admins_change_roles_disable_and_reset_with_an_audit_record(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.petugas", OperatorRole::ProgramAdmin).await;
    let mut verifier = signed_in_operator(&browser, "verifikator.satu", OperatorRole::Verifier).await;
    let refused = verifier.get("/operator/petugas").await;
    assert_eq!(refused.status, axum::http::StatusCode::FORBIDDEN, "program admins only");
    assert!(refused.body.contains("Anda tidak berwenang"), "said in words too");
    assert!(!refused.body.contains("Atur ulang kata sandi"));
    verifier.post_form("/api/change-operator", &DISABLE_ADMIN).await;
    assert_eq!(
        count(&pool, "select count(*) from operators where disabled_at is not null").await,
        0,
        "a verifier cannot disable anyone"
    );
    let list = admin.get("/operator/petugas").await.body;
    assert!(list.contains("verifikator.satu") && list.contains("aktif (0 kode pemulihan tersisa)"));

    let change = |action: &'static str, role: &'static str| {
        vec![("username", "verifikator.satu"), ("action", action), ("role", role)]
    };
    // A new role takes effect at once: the session ends.
    admin
        .post_form("/api/change-operator", &change("peran", "admin-program"))
        .await;
    assert_eq!(
        verifier.get("/operator/verifikasi").await.location(),
        Some("/operator/masuk")
    );
    let role: String = sqlx::query_scalar("select role from operators where username = 'verifikator.satu'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "admin-program");

    // Disabled: the password no longer signs in. Enabled again: it does.
    admin
        .post_form("/api/change-operator", &change("nonaktifkan", ""))
        .await;
    let mut again = browser.another();
    assert_eq!(
        password(&mut again, "verifikator.satu", OPERATOR_PASSWORD).await,
        "/operator/masuk"
    );
    admin.post_form("/api/change-operator", &change("aktifkan", "")).await;
    again.clock.advance(chrono::Duration::seconds(30));
    operator_sign_in(&mut again, "verifikator.satu").await;

    // A new password, shown once to the admin; the old one stops working.
    admin.post_form("/api/change-operator", &change("sandi", "")).await;
    let notice = admin.get("/operator/petugas").await.body;
    let new_password = between(&notice, "Kata sandi baru verifikator.satu: ", " ").to_owned();
    assert_eq!(new_password.len(), 23, "{new_password}");
    assert!(
        !admin.get("/operator/petugas").await.body.contains(&new_password),
        "shown once"
    );
    assert_eq!(
        password(&mut again, "verifikator.satu", OPERATOR_PASSWORD).await,
        "/operator/masuk"
    );
    assert_eq!(
        password(&mut again, "verifikator.satu", &new_password).await,
        "/operator/masuk/kode"
    );

    // A lost phone: the second factor is enrolled again at the next sign-in.
    admin
        .post_form("/api/change-operator", &change("dua-langkah", ""))
        .await;
    assert_eq!(
        password(&mut again, "verifikator.satu", &new_password).await,
        "/operator/dua-langkah"
    );

    // An admin cannot lock themselves out here.
    admin.post_form("/api/change-operator", &DISABLE_ADMIN).await;
    assert!(admin.get("/operator/petugas").await.body.contains("akun Anda sendiri"));
    assert_eq!(
        count(&pool, "select count(*) from operators where disabled_at is not null").await,
        0
    );

    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where actor = 'operator:admin.petugas' and action <> 'operators.sign-in'
           and action <> 'operators.second-factor' order by id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "operators.role",
            "operators.disable",
            "operators.enable",
            "operators.reset-password",
            "operators.reset-second-factor"
        ]
    );
    let leaked = count(
        &pool,
        &format!("select count(*) from audit_log where after::text like '%{new_password}%'"),
    )
    .await;
    assert_eq!(leaked, 0, "the new password is not in the audit log");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_command_line_manages_operators_and_production_refuses_a_known_second_factor(pool: PgPool) {
    use server::cli::{operator, OperatorCommand};
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let id = create(&browser, "petugas.cli", OperatorRole::Verifier).await;
    let secret = app::state::Settings::for_tests().secret;
    operator(
        &pool,
        &secret,
        false,
        OperatorCommand::Disable {
            username: "petugas.cli".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        count(&pool, "select count(*) from operators where disabled_at is not null").await,
        1
    );
    operator(
        &pool,
        &secret,
        false,
        OperatorCommand::Role {
            username: "petugas.cli".into(),
            role: "admin-program".into(),
        },
    )
    .await
    .unwrap();
    let base32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let refused = operator(
        &pool,
        &secret,
        false,
        OperatorCommand::SetSecondFactor {
            username: "petugas.cli".into(),
            secret: base32.into(),
        },
    )
    .await;
    assert!(refused.is_err(), "production refuses a known second factor");
    operator(
        &pool,
        &secret,
        true,
        OperatorCommand::SetSecondFactor {
            username: "petugas.cli".into(),
            secret: base32.into(),
        },
    )
    .await
    .unwrap();
    let state = admin::second_factor_state(&pool, &secret, id).await.unwrap();
    assert!(state.enrolled);
    assert_eq!(state.secret, Some(*b"12345678901234567890"));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where actor like 'cli:%' order by id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        ["operators.disable", "operators.role", "operators.second-factor-set"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_operator_changes_their_own_password_and_signs_in_again_with_it(pool: PgPool) {
    const NEW: &str = "kalimat sandi baru yang panjang";
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut operator = signed_in_operator(&browser, "verifikator.sandi", OperatorRole::Verifier).await;
    let change = |current: &'static str, new: &'static str, repeated: &'static str| {
        vec![("current", current), ("new_password", new), ("repeated", repeated)]
    };
    for (fields, message) in [
        (change("bukan kata sandinya", NEW, NEW), "Kata sandi saat ini salah."),
        (
            change(OPERATOR_PASSWORD, "pendek", "pendek"),
            "Kata sandi minimal 12 karakter.",
        ),
        (
            change(OPERATOR_PASSWORD, OPERATOR_PASSWORD, OPERATOR_PASSWORD),
            "harus berbeda dari yang sekarang",
        ),
        (
            change(OPERATOR_PASSWORD, NEW, "kalimat sandi lain lagi"),
            "Ulangan kata sandi tidak sama",
        ),
    ] {
        let page = operator
            .submit("/api/operator-change-password", &fields, "/operator/kata-sandi")
            .await;
        assert!(page.contains(message), "{message}: {page}");
        assert!(
            !page.contains(NEW) && !page.contains(OPERATOR_PASSWORD),
            "passwords are never put back"
        );
    }

    let signed_out = operator
        .submit(
            "/api/operator-change-password",
            &change(OPERATOR_PASSWORD, NEW, NEW),
            "/operator/masuk",
        )
        .await;
    assert!(signed_out.contains("Kata sandi Anda sudah diubah"));
    assert_eq!(
        operator.get("/operator/verifikasi").await.location(),
        Some("/operator/masuk"),
        "every session ended, this one too"
    );
    assert_eq!(
        audit_entries(&pool, "operators.change-password", "operator:verifikator.sandi").await,
        1
    );
    assert_eq!(
        password(&mut operator, "verifikator.sandi", OPERATOR_PASSWORD).await,
        "/operator/masuk",
        "the old password no longer works"
    );
    assert_eq!(
        password(&mut operator, "verifikator.sandi", NEW).await,
        "/operator/masuk/kode"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_program_admin_creates_an_operator_who_signs_in_with_the_password_shown_once(pool: PgPool) {
    let browser = Browser::new(pool.clone(), wednesday_morning());
    let mut admin = signed_in_operator(&browser, "admin.petugas", OperatorRole::ProgramAdmin).await;
    let form = [
        ("username", "Verifikator.Baru"),
        ("display_name", "  Sari   Wulandari "),
        ("role", "verifikator"),
    ];
    // A verifier cannot create anyone.
    let mut verifier = signed_in_operator(&browser, "verifikator.satu", OperatorRole::Verifier).await;
    verifier.post_form("/api/create-operator", &form).await;
    assert_eq!(count(&pool, "select count(*) from operators").await, 2);

    let page = admin.submit("/api/create-operator", &form, "/operator/petugas").await;
    let temporary = between(&page, "Kata sandi sementara: ", " ").to_owned();
    assert_eq!(temporary.len(), 23, "{page}");
    assert!(page.contains("Akun verifikator.baru (Verifikator) dibuat."), "{page}");
    assert!(page.contains("Sari Wulandari · verifikator.baru"), "{page}");
    assert_eq!(
        audit_entries(&pool, "operators.create", "operator:admin.petugas").await,
        1
    );
    // Shown once: the page after it no longer has it.
    assert!(!admin.get("/operator/petugas").await.body.contains(&temporary));
    // The new operator signs in with it, and enrols a second factor first.
    let mut newcomer = browser.another();
    assert_eq!(
        password(&mut newcomer, "verifikator.baru", &temporary).await,
        "/operator/dua-langkah"
    );

    // The same username again, or a malformed form, is refused beside its fields, as typed.
    let taken = admin.submit("/api/create-operator", &form, "/operator/petugas").await;
    assert!(
        taken.contains("Nama pengguna ini sudah dipakai operator lain."),
        "{taken}"
    );
    let wrong = [("username", "x"), ("display_name", ""), ("role", "raja")];
    let refused = admin.submit("/api/create-operator", &wrong, "/operator/petugas").await;
    for message in [
        "Nama pengguna 3-40 karakter",
        "Tulis nama petugas, 1-100 karakter.",
        "Pilih peran operator.",
    ] {
        assert!(refused.contains(message), "{message}: {refused}");
    }
    assert!(refused.contains("value=\"x\""), "{refused}");
    assert_eq!(count(&pool, "select count(*) from operators").await, 3);
}
