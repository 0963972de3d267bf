//! Production refuses to start with settings that are only safe in development.

use std::process::Command;

const SECRET: &str = "a-production-secret-of-at-least-32-characters";
const KEY_SECRETS: &str = "1:a-platform-key-master-secret-of-32-characters";

/// Runs the server binary with a production environment, changed by `overrides` (an empty
/// value removes the variable); returns whether it started past its checks and what it said.
fn start(command: &str, overrides: &[(&str, &str)]) -> (bool, String) {
    let mut env = vec![
        ("PRAKERJA_ENV", "production"),
        ("PRAKERJA_SECRET", SECRET),
        ("PRAKERJA_PLATFORM_KEY_SECRETS", KEY_SECRETS),
        ("PRAKERJA_SMTP_URL", "smtp://127.0.0.1:2525"),
        // Nothing listens there: a start that passes its checks fails on the database.
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:9/none?connect_timeout=2"),
        ("PRAKERJA_PUBLIC_URL", "https://prakerja.example"),
        ("PRAKERJA_REGISTRY_URL", "https://dukcapil.example"),
        ("PRAKERJA_REGISTRY_KEY", "a-registry-key-from-dukcapil"),
        ("PRAKERJA_RAIL_URL", "https://rail.example"),
        ("PRAKERJA_RAIL_KEY", "a-payout-rail-key-from-the-bank"),
    ];
    for (name, value) in overrides {
        env.retain(|(n, _)| n != name);
        if !value.is_empty() {
            env.push((name, value));
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_prakerja"))
        .arg(command)
        .env_clear()
        .envs(env)
        .output()
        .unwrap();
    assert!(!output.status.success(), "nothing can start without a database");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let refused = said.contains("production") || said.contains("required") || said.contains("must");
    (!refused, said)
}

#[test]
fn a_safe_production_configuration_passes_its_checks() {
    let (started, said) = start("serve", &[]);
    assert!(started, "{said}");
}

#[test]
fn production_refuses_the_development_mailbox() {
    let (started, said) = start("serve", &[("PRAKERJA_DEV_MAILBOX", "1")]);
    assert!(!started && said.contains("PRAKERJA_DEV_MAILBOX"), "{said}");
    let (started, said) = start("migrate", &[("PRAKERJA_DEV_MAILBOX", "1")]);
    assert!(!started && said.contains("PRAKERJA_DEV_MAILBOX"), "{said}");
}

#[test]
fn production_refuses_to_serve_without_smtp() {
    let (started, said) = start("serve", &[("PRAKERJA_SMTP_URL", "")]);
    assert!(!started && said.contains("PRAKERJA_SMTP_URL"), "{said}");
    // Commands that send no mail do not need it.
    let (started, said) = start("migrate", &[("PRAKERJA_SMTP_URL", "")]);
    assert!(started, "{said}");
}

#[test]
fn production_serves_only_with_a_payout_rail_over_https() {
    let (started, said) = start("serve", &[("PRAKERJA_RAIL_URL", ""), ("PRAKERJA_RAIL_KEY", "")]);
    assert!(!started && said.contains("PRAKERJA_RAIL_URL"), "{said}");
    let (started, said) = start("serve", &[("PRAKERJA_RAIL_URL", "http://rail.example")]);
    assert!(!started && said.contains("https://"), "{said}");
    let (started, said) = start("serve", &[("PRAKERJA_RAIL_KEY", "short")]);
    assert!(!started && said.contains("PRAKERJA_RAIL_KEY"), "{said}");
    let (started, said) = start("serve", &[("PRAKERJA_PAYOUT_COOLING_OFF_HOURS", "9999")]);
    assert!(!started && said.contains("PRAKERJA_PAYOUT_COOLING_OFF_HOURS"), "{said}");
    let (started, said) = start("migrate", &[("PRAKERJA_RAIL_URL", ""), ("PRAKERJA_RAIL_KEY", "")]);
    assert!(started, "{said}");
}

#[test]
fn production_serves_only_with_a_civil_registry_over_https() {
    let (started, said) = start("serve", &[("PRAKERJA_REGISTRY_URL", ""), ("PRAKERJA_REGISTRY_KEY", "")]);
    assert!(!started && said.contains("PRAKERJA_REGISTRY_URL"), "{said}");
    let (started, said) = start("serve", &[("PRAKERJA_REGISTRY_URL", "http://dukcapil.example")]);
    assert!(!started && said.contains("https://"), "{said}");
    let (started, said) = start("serve", &[("PRAKERJA_REGISTRY_KEY", "")]);
    assert!(!started && said.contains("PRAKERJA_REGISTRY_KEY"), "{said}");
    // Commands that verify nobody do not need it.
    let (started, said) = start(
        "migrate",
        &[("PRAKERJA_REGISTRY_URL", ""), ("PRAKERJA_REGISTRY_KEY", "")],
    );
    assert!(started, "{said}");
}

#[test]
fn production_refuses_development_and_shared_secrets() {
    for overrides in [
        &[("PRAKERJA_SECRET", "development-only-secret-not-for-production")][..],
        &[("PRAKERJA_SECRET", "")],
        &[("PRAKERJA_SECRET", "too-short")],
        &[("PRAKERJA_PLATFORM_KEY_SECRETS", "")],
        &[(
            "PRAKERJA_PLATFORM_KEY_SECRETS",
            "1:development-only-platform-key-secret-not-for-production",
        )],
        // Platform keys and sign-in codes must not hang on one secret.
        &[(
            "PRAKERJA_PLATFORM_KEY_SECRETS",
            "1:a-production-secret-of-at-least-32-characters",
        )],
    ] {
        let (started, said) = start("serve", overrides);
        assert!(!started && said.contains("PRAKERJA_"), "{overrides:?}: {said}");
    }
}

#[test]
fn production_refuses_demo_data() {
    let (started, said) = start("seed-demo", &[]);
    assert!(!started && said.contains("seed-demo"), "{said}");
}
