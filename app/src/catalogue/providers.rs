//! Which training providers a platform owns. A provider owned by the platform that sells its
//! trainings has a conflict of interest, which the catalogue shows beside each such training;
//! program admins keep the ownership true, one provider at a time or from a file
//! (`lembaga,platform` lines, the platform's code, or nothing for a provider no platform owns).
//! Every change is audited with what it was before.

/// One line of an ownership file: the provider's name and its owner's platform code (none: no
/// platform owns it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ownership {
    pub provider: String,
    pub platform: Option<String>,
}

/// A line of a file that was not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedOwnership {
    pub line: usize,
    pub reason: String,
}

/// The platform a form or a file names: empty, `-` or `tidak-ada` for none.
pub fn parse_platform(raw: &str) -> Result<Option<String>, String> {
    let code = raw.trim().trim_matches('"').trim().to_ascii_lowercase();
    if code.is_empty() || code == "-" || code == "tidak-ada" {
        return Ok(None);
    }
    let well_formed = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if well_formed {
        Ok(Some(code))
    } else {
        Err("kode platform tidak valid (contoh: tokopedia, atau kosong bila tidak dimiliki platform)".to_owned())
    }
}

/// A provider's name as a form or a file gives it.
pub fn parse_provider(raw: &str) -> Result<String, String> {
    let name = crate::domain::collapse_whitespace(raw.trim().trim_matches('"'));
    if (2..=150).contains(&name.chars().count()) {
        Ok(name)
    } else {
        Err("nama lembaga 2-150 karakter".to_owned())
    }
}

/// An ownership file: `lembaga,platform` a line, an optional header line (`lembaga,…`). A
/// provider whose name holds a comma is written in double quotes.
pub fn parse_file(text: &str) -> (Vec<(usize, Ownership)>, Vec<RejectedOwnership>) {
    let mut lines = Vec::new();
    let mut rejected = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim().trim_start_matches('\u{feff}');
        if raw.is_empty() || (line == 1 && raw.to_ascii_lowercase().starts_with("lembaga")) {
            continue;
        }
        // The last comma (or semicolon) separates the platform: a quoted name may hold commas.
        let Some(split) = raw.rfind([',', ';']) else {
            rejected.push(RejectedOwnership {
                line,
                reason: "harus dua kolom: lembaga,platform".to_owned(),
            });
            continue;
        };
        let parsed = parse_provider(&raw[..split])
            .and_then(|provider| parse_platform(&raw[split + 1..]).map(|platform| Ownership { provider, platform }));
        match parsed {
            Ok(ownership) => lines.push((line, ownership)),
            Err(reason) => rejected.push(RejectedOwnership { line, reason }),
        }
    }
    (lines, rejected)
}

#[cfg(feature = "ssr")]
pub mod db {
    use sqlx::PgPool;

    use super::{Ownership, RejectedOwnership};
    use crate::error::AppError;

    pub struct ProviderRow {
        pub id: i32,
        pub name: String,
        pub owner: Option<String>,
        pub trainings: i64,
    }

    pub async fn list(pool: &PgPool) -> Result<Vec<ProviderRow>, AppError> {
        Ok(sqlx::query_as!(
            ProviderRow,
            r#"select p.id, p.name, pl.name as "owner?", count(t.id) as "trainings!"
               from providers p
               left join platforms pl on pl.code = p.owned_by_platform
               left join trainings t on t.provider_id = p.id
               group by p.id, p.name, pl.name order by p.name"#
        )
        .fetch_all(pool)
        .await?)
    }

    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct OwnershipReport {
        pub changed: u64,
        pub unchanged: u64,
        pub rejected: Vec<RejectedOwnership>,
    }

    /// Applies the owners of `lines` (each with its line number), in one transaction; each
    /// change audited with the owner before. Unknown providers or platforms are rejected.
    pub async fn set_owners(
        pool: &PgPool,
        lines: &[(usize, Ownership)],
        actor: &str,
    ) -> Result<OwnershipReport, AppError> {
        let mut report = OwnershipReport::default();
        let mut tx = pool.begin().await?;
        let platforms: Vec<String> = sqlx::query_scalar!("select code from platforms")
            .fetch_all(&mut *tx)
            .await?;
        for (line, ownership) in lines {
            if let Some(platform) = &ownership.platform {
                if !platforms.contains(platform) {
                    report.rejected.push(RejectedOwnership {
                        line: *line,
                        reason: format!("platform {platform} tidak dikenal"),
                    });
                    continue;
                }
            }
            let before = sqlx::query!(
                "select id, name, owned_by_platform from providers where lower(name) = lower($1) for update",
                ownership.provider
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some(before) = before else {
                report.rejected.push(RejectedOwnership {
                    line: *line,
                    reason: format!("lembaga {} tidak ada di katalog", ownership.provider),
                });
                continue;
            };
            if before.owned_by_platform == ownership.platform {
                report.unchanged += 1;
                continue;
            }
            sqlx::query!(
                "update providers set owned_by_platform = $2 where id = $1",
                before.id,
                ownership.platform
            )
            .execute(&mut *tx)
            .await?;
            crate::audit::record(
                &mut *tx,
                actor,
                "katalog.pemilik-lembaga",
                &format!("lembaga:{}", before.id),
                Some(serde_json::json!({ "lembaga": before.name, "platform": before.owned_by_platform })),
                Some(serde_json::json!({ "lembaga": before.name, "platform": ownership.platform })),
            )
            .await?;
            report.changed += 1;
        }
        tx.commit().await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ownership_file_names_a_provider_and_its_platform_or_none() {
        let text = "lembaga,platform\n\
                    Lembaga Tokopedia Belajar,tokopedia\n\
                    \"Kursus Maju, Jaya\",\n\
                    Akademi Mandiri;tidak-ada\n\
                    X,tokopedia\n\
                    Akademi Baru,Toko Pedia!\n\
                    tanpa kolom\n";
        let (lines, rejected) = parse_file(text);
        assert_eq!(
            lines,
            vec![
                (
                    2,
                    Ownership {
                        provider: "Lembaga Tokopedia Belajar".into(),
                        platform: Some("tokopedia".into())
                    }
                ),
                (
                    3,
                    Ownership {
                        provider: "Kursus Maju, Jaya".into(),
                        platform: None
                    }
                ),
                (
                    4,
                    Ownership {
                        provider: "Akademi Mandiri".into(),
                        platform: None
                    }
                ),
            ]
        );
        let refused: Vec<usize> = rejected.iter().map(|r| r.line).collect();
        assert_eq!(refused, vec![5, 6, 7]);
    }
}
