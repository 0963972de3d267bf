//! The catalogue in the operators' console: hide a training (with a reason, audited; it can no
//! longer be bought) and see what is hidden and why. Program admins only. Imports run on the
//! command line (`prakerja catalogue import`), where a platform's whole file fits.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::{ConsoleNav, OperatorIdentity};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, FormState, Submitted},
};

pub const CATALOGUE_CONSOLE_PATH: &str = "/operator/katalog";
#[cfg(feature = "ssr")]
const HIDE_FORM: &str = "catalogue-hide";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenTraining {
    pub id: i32,
    pub title: String,
    pub platform: String,
    pub reason: String,
    pub hidden_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueConsole {
    pub operator: OperatorIdentity,
    /// (platform, trainings shown, trainings hidden)
    pub platforms: Vec<(String, i64, i64)>,
    pub hidden: Vec<HiddenTraining>,
    pub notice: Option<String>,
    pub errors: FieldErrors,
    pub typed_training: String,
    pub typed_reason: String,
}

#[server(prefix = "/api", endpoint = "catalogue-console")]
pub async fn load_catalogue_console() -> Result<CatalogueConsole, AppError> {
    let state = crate::state::app_state()?;
    let operator = super::require_operator(&state).await?;
    operator.require_role(&[crate::operators::OperatorRole::ProgramAdmin])?;
    let flash = operator
        .session
        .take_flash(&state.pool, HIDE_FORM)
        .await?
        .unwrap_or_default();
    let platforms = sqlx::query!(
        r#"select p.name, count(t.id) filter (where t.hidden_at is null) as "shown!",
                  count(t.id) filter (where t.hidden_at is not null) as "hidden!"
           from platforms p left join trainings t on t.platform_code = p.code
           group by p.name order by p.name"#
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.name, r.shown, r.hidden))
    .collect();
    let hidden = sqlx::query!(
        r#"select t.id, t.title, p.name as platform, t.hidden_reason as "reason!", t.hidden_at as "hidden_at!"
           from trainings t join platforms p on p.code = t.platform_code
           where t.hidden_at is not null order by t.hidden_at desc limit 100"#
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| HiddenTraining {
        id: r.id,
        title: r.title,
        platform: r.platform,
        reason: r.reason,
        hidden_at: crate::registration::format_wib(r.hidden_at),
    })
    .collect();
    Ok(CatalogueConsole {
        operator: operator.identity,
        platforms,
        hidden,
        notice: flash.notice,
        typed_training: flash.values.get("training").cloned().unwrap_or_default(),
        typed_reason: flash.values.get("reason").cloned().unwrap_or_default(),
        errors: flash.errors,
    })
}

/// Hides a training from the catalogue, with the reason (audited).
#[server(prefix = "/api", endpoint = "hide-training")]
pub async fn hide_training(training: String, reason: String) -> Result<Submitted, AppError> {
    let state = crate::state::app_state()?;
    let result = async {
        let operator = super::require_operator(&state).await?;
        operator.require_role(&[crate::operators::OperatorRole::ProgramAdmin])?;
        let values = crate::forms::values([("training", training.as_str()), ("reason", reason.as_str())]);
        let mut errors = FieldErrors::new();
        let id = training
            .trim()
            .trim_start_matches("No.")
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|id| *id > 0);
        if id.is_none() {
            errors.push("training", "Tulis nomor pelatihan (angka, tertera pada katalog).");
        }
        let reason = errors.check("reason", crate::catalogue::HideReason::parse(&reason));
        let refuse = |errors: FieldErrors| {
            crate::forms::reply(
                &state,
                HIDE_FORM,
                CATALOGUE_CONSOLE_PATH,
                Submitted::Invalid(errors),
                values.clone(),
            )
        };
        let (Some(id), Some(reason)) = (id, reason) else {
            return refuse(errors).await;
        };
        let now = state.clock.now();
        if !crate::catalogue::import::hide(&state.pool, id, &reason, &operator.actor(), now).await? {
            return refuse(FieldErrors::single(
                "training",
                "Tidak ada pelatihan tampil dengan nomor itu.",
            ))
            .await;
        }
        let flash = crate::auth::session::Flash {
            form: HIDE_FORM.to_owned(),
            notice: Some(format!("Pelatihan No. {id} disembunyikan dari katalog.")),
            ..Default::default()
        };
        operator.session.set_flash(&state.pool, &flash).await?;
        let done = Submitted::Accepted {
            next: CATALOGUE_CONSOLE_PATH.to_owned(),
        };
        crate::forms::reply(&state, HIDE_FORM, CATALOGUE_CONSOLE_PATH, done, Default::default()).await
    }
    .await;
    crate::forms::answer(&state, HIDE_FORM, CATALOGUE_CONSOLE_PATH, result).await
}

#[component]
pub fn CatalogueConsolePage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_catalogue_console());
    view! {
        <Title text="Katalog — Konsol Prakerja"/>
        <h1>"Katalog pelatihan"</h1>
        {crate::forms::loaded(page, |console| {
            let CatalogueConsole { operator, platforms, hidden, notice, errors, typed_training, typed_reason } = console;
            let form = FormState::new(errors.clone());
            let invalid = |field: &str| errors.get(field).map(|_| "true");
            view! {
                <ConsoleNav identity=operator/>
                {notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                <ErrorSummary state=form/>
                <h2>"Sembunyikan pelatihan"</h2>
                <form method="post" action=HideTraining::url()>
                    <div class="field" class:field-invalid=errors.get("training").is_some()>
                        <label for="training">"Nomor pelatihan"</label>
                        <p class="hint">"Tertera pada katalog, di bawah judul (No. …)."</p>
                        <FieldError id="training" errors=form.errors/>
                        <input id="training" name="training" inputmode="numeric" value=typed_training aria-invalid=invalid("training")/>
                    </div>
                    <div class="field" class:field-invalid=errors.get("reason").is_some()>
                        <label for="reason">"Alasan"</label>
                        <FieldError id="reason" errors=form.errors/>
                        <input id="reason" name="reason" value=typed_reason aria-invalid=invalid("reason")/>
                    </div>
                    <button type="submit" class="button">"Sembunyikan"</button>
                </form>
                <h2>"Per platform"</h2>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Pelatihan per platform">
                    <table class="funnel">
                        <thead><tr><th scope="col">"Platform"</th><th scope="col">"Tampil"</th><th scope="col">"Disembunyikan"</th></tr></thead>
                        <tbody>{platforms.into_iter().map(|(name, shown, hidden)| view! {
                            <tr><th scope="row">{name}</th><td>{shown}</td><td>{hidden}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
                <h2>"Disembunyikan"</h2>
                {if hidden.is_empty() {
                    view! { <p>"Belum ada."</p> }.into_any()
                } else {
                    view! {
                        <ul class="queue">{hidden.into_iter().map(|h| view! {
                            <li class="queue-item">
                                <strong>{format!("No. {} · {}", h.id, h.title)}</strong>
                                <br/>{format!("{} · disembunyikan {} · alasan: {}", h.platform, h.hidden_at, h.reason)}
                            </li>
                        }).collect_view()}</ul>
                    }.into_any()
                }}
            }
        })}
    }
}
