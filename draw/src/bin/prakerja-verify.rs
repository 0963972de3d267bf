//! Recomputes a wave's draw from its published files, without the portal or its database.
//!
//! prakerja-verify --pool pool.csv --seed "<seed as published>" --quota 1000000 \
//!     [--result hasil.csv] [--pool-digest <hex>] [--result-digest <hex>] [--rank-of <draw id>]
//!
//! Exit status: 0 when every given digest and file matches, 1 when one does not, 2 when the
//! arguments or files cannot be read.

use std::{process::ExitCode, str::FromStr};

use draw::{Digest, DrawId};

const USAGE: &str = "penggunaan: prakerja-verify --pool <berkas pool> --seed <seed> --quota <kuota> \
[--result <berkas hasil>] [--pool-digest <hex>] [--result-digest <hex>] [--rank-of <nomor undian>]";

#[derive(Default)]
struct Arguments {
    pool: Option<String>,
    seed: Option<String>,
    quota: Option<u64>,
    result: Option<String>,
    pool_digest: Option<Digest>,
    result_digest: Option<Digest>,
    rank_of: Option<DrawId>,
}

fn parse_arguments(mut args: impl Iterator<Item = String>) -> Result<Arguments, String> {
    let mut parsed = Arguments::default();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} perlu nilai"));
        match flag.as_str() {
            "--pool" => parsed.pool = Some(value()?),
            "--seed" => parsed.seed = Some(value()?),
            "--quota" => {
                parsed.quota = Some(u64::from_str(&value()?).map_err(|_| "--quota: bilangan bulat".to_owned())?)
            }
            "--result" => parsed.result = Some(value()?),
            "--pool-digest" => parsed.pool_digest = Some(Digest::parse(&value()?)?),
            "--result-digest" => parsed.result_digest = Some(Digest::parse(&value()?)?),
            "--rank-of" => parsed.rank_of = Some(DrawId::parse(&value()?)?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("argumen tidak dikenal: {other}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

/// Prints the report; `Ok(false)` when something does not match.
fn run() -> Result<bool, String> {
    let args = parse_arguments(std::env::args().skip(1))?;
    let (Some(pool_path), Some(seed), Some(quota)) = (args.pool, args.seed, args.quota) else {
        return Err(USAGE.to_owned());
    };
    let pool_file = std::fs::read_to_string(&pool_path).map_err(|e| format!("{pool_path}: {e}"))?;
    let result_file = match &args.result {
        Some(path) => Some(std::fs::read(path).map_err(|e| format!("{path}: {e}"))?),
        None => None,
    };
    let found = draw::verify(&pool_file, &seed, quota, result_file.as_deref())?;
    let mut all_match = true;
    let mut check = |label: &str, matches: bool| {
        println!("{label}: {}", if matches { "COCOK" } else { "TIDAK COCOK" });
        all_match &= matches;
    };
    println!("Pool: {} pendaftar", found.pool_size);
    for (tier, count) in &found.tier_counts {
        println!("  prioritas {tier}: {count}");
    }
    println!("Digest pool: {}", found.pool_digest);
    if let Some(expected) = args.pool_digest {
        check("Digest pool sama dengan yang diumumkan", expected == found.pool_digest);
    }
    println!("Terpilih: {} dari kuota {quota}", found.selected);
    println!("Digest hasil (dihitung ulang): {}", found.result_digest);
    if let Some(expected) = args.result_digest {
        check(
            "Digest hasil sama dengan yang diumumkan",
            expected == found.result_digest,
        );
    }
    if let Some(matches) = found.result_matches() {
        check("Berkas hasil yang diunduh sama dengan hasil hitung ulang", matches);
    }
    if let Some(draw_id) = args.rank_of {
        match found.ranking.rank_of(draw_id) {
            Some(rank) => println!(
                "Nomor undian {draw_id}: peringkat {rank}, {}",
                if rank <= quota { "terpilih" } else { "tidak terpilih" }
            ),
            None => println!("Nomor undian {draw_id} tidak ada di pool"),
        }
    }
    Ok(all_match)
}
