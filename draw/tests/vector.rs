//! The published test vector (docs/waves.md, "The algorithm"): computed independently with Python's
//! hashlib and coreutils' sha256sum, and checked here against the library and the verifier.

use std::process::Command;

use draw::{ranking_key, DrawId, Pool, Ranking, Seed};

const POOL: &str = include_str!("vector/pool.csv");
const RESULT: &str = include_str!("vector/result.csv");
const SEED: &str = "contoh seed: 5f2c9e";
const QUOTA: u64 = 3;
const POOL_DIGEST: &str = "cd5016962f9fc3a84e247741ced92201842b08eb611daf1778c460e754dc8c4e";
const RESULT_DIGEST: &str = "bc149ad2a3374444a432b532a65c3e534b2260f44987736ca78b1a43fb536d22";

#[test]
fn the_library_reproduces_the_published_vector() {
    let pool = Pool::parse(POOL).unwrap();
    let seed = Seed::parse(SEED).unwrap();
    assert_eq!(pool.digest().to_string(), POOL_DIGEST);
    assert_eq!(
        hex::encode(ranking_key(&seed, DrawId::parse("2d00000000000007").unwrap())),
        "5381e1c5271e0d9f4acb365f63a8c4acfc65d1fcf080bc91839f786e759a26ec"
    );
    let ranking = Ranking::new(&pool, &seed);
    let mut result = Vec::new();
    ranking.write_result(QUOTA, &mut result).unwrap();
    assert_eq!(String::from_utf8(result).unwrap(), RESULT);
    assert_eq!(ranking.result_digest(QUOTA).to_string(), RESULT_DIGEST);
    // Tier 1 is served first even where a tier-2 key is smaller (5381… < b3bb…).
    let order: Vec<String> = ranking.ranked().iter().map(|e| e.draw_id.to_string()).collect();
    assert_eq!(
        order,
        [
            "3e0000000000beef",
            "0000000000000b02",
            "2d00000000000007",
            "0000000000000a01",
            "1c3f0000000000aa",
            "7fffffffffffffff"
        ]
    );
}

fn verifier(extra: &[&str]) -> (i32, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vector");
    let output = Command::new(env!("CARGO_BIN_EXE_prakerja-verify"))
        .args(["--pool", &format!("{dir}/pool.csv"), "--seed", SEED, "--quota", "3"])
        .args(extra.iter().map(|a| a.replace("{dir}", dir)))
        .output()
        .unwrap();
    (output.status.code().unwrap(), String::from_utf8(output.stdout).unwrap())
}

#[test]
fn the_verifier_confirms_the_published_files_and_digests() {
    let (status, out) = verifier(&[
        "--result",
        "{dir}/result.csv",
        "--pool-digest",
        POOL_DIGEST,
        "--result-digest",
        RESULT_DIGEST,
        "--rank-of",
        "0000000000000a01",
    ]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains(&format!("Digest pool: {POOL_DIGEST}")), "{out}");
    assert!(
        out.contains(&format!("Digest hasil (dihitung ulang): {RESULT_DIGEST}")),
        "{out}"
    );
    assert!(!out.contains("TIDAK COCOK"), "{out}");
    assert!(
        out.contains("Nomor undian 0000000000000a01: peringkat 4, tidak terpilih"),
        "{out}"
    );
}

#[test]
fn the_verifier_says_so_when_a_digest_or_the_result_differs() {
    let (status, out) = verifier(&["--result-digest", POOL_DIGEST]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("Digest hasil sama dengan yang diumumkan: TIDAK COCOK"),
        "{out}"
    );

    // A result file with two winners swapped is caught.
    let tampered = std::env::temp_dir().join(format!("prakerja-vector-{}.csv", std::process::id()));
    std::fs::write(&tampered, RESULT.replace("1,3e0000000000beef", "1,0000000000000a01")).unwrap();
    let (status, out) = verifier(&["--result", tampered.to_str().unwrap()]);
    std::fs::remove_file(&tampered).unwrap();
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("Berkas hasil yang diunduh sama dengan hasil hitung ulang: TIDAK COCOK"),
        "{out}"
    );

    // Another seed gives another result.
    let output = Command::new(env!("CARGO_BIN_EXE_prakerja-verify"))
        .args(["--pool", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vector/pool.csv")])
        .args(["--seed", "seed lain", "--quota", "3", "--result-digest", RESULT_DIGEST])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_verifier_refuses_an_unreadable_pool() {
    let output = Command::new(env!("CARGO_BIN_EXE_prakerja-verify"))
        .args(["--pool", "/nonexistent/pool.csv", "--seed", SEED, "--quota", "3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
