//! The registration schedule in the operators' console (program admins): the weekly hours and
//! the dated exceptions (holidays, extra days), each change previewed as the next openings it
//! gives before it is saved; every change audited.

use std::collections::BTreeMap;

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use super::{ConsolePage, Notice};
use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{FieldError, Submitted},
    registration::schedule::{RawDayHours, RawException},
};

#[cfg(feature = "ssr")]
const WEEKLY: super::ConsoleForm = super::ConsoleForm::new("schedule-weekly", crate::paths::SCHEDULE_CONSOLE_PATH);
#[cfg(feature = "ssr")]
const EXCEPTION: super::ConsoleForm =
    super::ConsoleForm::new("schedule-exception", crate::paths::SCHEDULE_CONSOLE_PATH);
/// How many openings a preview lists.
#[cfg(feature = "ssr")]
const PREVIEWED: usize = 5;

/// One day of the weekly-hours form, as shown (saved, or as typed in a refused or previewed post).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    pub iso_weekday: u32,
    pub name: String,
    pub open: bool,
    pub opens: String,
    pub closes: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub id: i64,
    pub kind: String,
    pub window: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleConsole {
    /// "Dibuka sampai …" or "Ditutup; dibuka lagi …".
    pub status: String,
    pub days: Vec<DayRow>,
    pub exceptions: Vec<ExceptionRow>,
    /// The next openings of a previewed change, when one was asked for.
    pub preview: Vec<String>,
}

#[cfg(feature = "ssr")]
fn weekly_values(raw: &BTreeMap<String, RawDayHours>) -> BTreeMap<String, String> {
    raw.iter()
        .flat_map(|(day, hours)| {
            [
                (format!("hours[{day}][open]"), hours.open.clone()),
                (format!("hours[{day}][opens]"), hours.opens.clone()),
                (format!("hours[{day}][closes]"), hours.closes.clone()),
            ]
        })
        .chain([("weekly-typed".to_owned(), "1".to_owned())])
        .collect()
}

#[cfg(feature = "ssr")]
fn exception_values(raw: &RawException) -> BTreeMap<String, String> {
    crate::forms::values([
        ("kind", raw.kind.as_str()),
        ("date", raw.date.as_str()),
        ("from", raw.from.as_str()),
        ("until", raw.until.as_str()),
        ("note", raw.note.as_str()),
    ])
}

/// The windows a schedule gives from `now`, in words.
#[cfg(feature = "ssr")]
fn openings(schedule: &crate::registration::schedule::Schedule, now: chrono::DateTime<chrono::Utc>) -> String {
    schedule
        .windows(now, PREVIEWED)
        .into_iter()
        .map(|(opens, closes)| match closes {
            Some(closes) => crate::domain::wib::format_window(opens, closes),
            None => format!("{} (belum ada jadwal tutup)", crate::domain::wib::format_wib(opens)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[server(prefix = "/api", endpoint = "schedule-console")]
pub async fn load_schedule_console() -> Result<ConsolePage<ScheduleConsole>, AppError> {
    use crate::registration::db;
    let (state, operator, flash) = super::open_page(super::PROGRAM_ADMINS, &[WEEKLY.id, EXCEPTION.id]).await?;
    let now = state.clock.now();
    let schedule = db::load_schedule(&state.pool, now).await?;
    let status = db::status_of(&schedule, now);
    let status = match (status.open, status.next_change_label) {
        (true, Some(until)) => format!("Pendaftaran dibuka sekarang, sampai {until}."),
        (true, None) => "Pendaftaran dibuka sekarang.".to_owned(),
        (false, Some(from)) => format!("Pendaftaran ditutup sekarang; dibuka lagi {from}."),
        (false, None) => "Pendaftaran ditutup, dan belum ada jadwal pembukaan dalam dua bulan ke depan.".to_owned(),
    };
    let typed = flash.values.contains_key("weekly-typed");
    let value = |name: String| flash.values.get(&name).cloned().unwrap_or_default();
    let days = crate::registration::schedule::WEEKDAYS
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let iso_weekday = index as u32 + 1;
            let saved = schedule.weekly.iter().find(|w| w.iso_weekday == iso_weekday);
            if typed {
                DayRow {
                    iso_weekday,
                    name: (*name).to_owned(),
                    open: !value(format!("hours[{iso_weekday}][open]")).is_empty(),
                    opens: value(format!("hours[{iso_weekday}][opens]")),
                    closes: value(format!("hours[{iso_weekday}][closes]")),
                }
            } else {
                DayRow {
                    iso_weekday,
                    name: (*name).to_owned(),
                    open: saved.is_some(),
                    opens: saved.map_or("08:00".to_owned(), |w| w.opens_at.format("%H:%M").to_string()),
                    closes: saved.map_or("16:00".to_owned(), |w| w.closes_at.format("%H:%M").to_string()),
                }
            }
        })
        .collect();
    let exceptions = db::upcoming_exceptions(&state.pool, now)
        .await?
        .into_iter()
        .map(|e| ExceptionRow {
            id: e.id,
            kind: match e.kind {
                Some(crate::registration::schedule::ExceptionKind::Closed) => "Tutup".to_owned(),
                Some(crate::registration::schedule::ExceptionKind::Open) => "Buka".to_owned(),
                None => "—".to_owned(),
            },
            window: crate::domain::wib::format_window(e.starts_at, e.ends_at),
            note: e.note,
        })
        .collect();
    let preview = flash
        .values
        .get("preview")
        .map(|lines| lines.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(ConsolePage::new(
        operator.identity,
        flash,
        ScheduleConsole {
            status,
            days,
            exceptions,
            preview,
        },
    ))
}

/// Previews or saves the weekly hours (`action`: "pratinjau" or "simpan").
#[server(prefix = "/api", endpoint = "save-weekly-hours")]
pub async fn save_weekly_hours(
    #[server(default)] hours: BTreeMap<String, RawDayHours>,
    action: String,
) -> Result<Submitted, AppError> {
    use crate::registration::{db, schedule::parse_weekly, ScheduleCache};
    WEEKLY
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let mut values = weekly_values(&hours);
            let weekly = match parse_weekly(&hours) {
                Ok(weekly) => weekly,
                Err(errors) => return WEEKLY.refuse(state, errors, values).await,
            };
            let now = state.clock.now();
            let mut proposed = db::load_schedule(&state.pool, now).await?;
            proposed.weekly = weekly.clone();
            if action == "pratinjau" {
                values.insert("preview".to_owned(), openings(&proposed, now));
                let notice = "Pratinjau jam mingguan: belum disimpan.".to_owned();
                return WEEKLY.accept(state, &operator.session, notice, values).await;
            }
            let mut tx = state.pool.begin().await?;
            db::replace_weekly(&mut tx, &weekly, &operator.actor()).await?;
            tx.commit().await?;
            state.services.get::<ScheduleCache>()?.forget();
            let notice = "Jam mingguan disimpan.".to_owned();
            let shown = crate::forms::values([("preview", openings(&proposed, now).as_str())]);
            WEEKLY.accept(state, &operator.session, notice, shown).await
        })
        .await
}

/// Previews or adds an exception (`action`: "pratinjau" or "simpan").
#[server(prefix = "/api", endpoint = "add-schedule-exception")]
pub async fn add_schedule_exception(
    #[server(default)] exception: RawException,
    action: String,
) -> Result<Submitted, AppError> {
    use crate::registration::{db, schedule::parse_exception, ScheduleCache};
    EXCEPTION
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let mut values = exception_values(&exception);
            let now = state.clock.now();
            let today = crate::domain::wib::date_in_program_tz(now);
            let parsed = match parse_exception(&exception, today) {
                Ok(parsed) => parsed,
                Err(errors) => return EXCEPTION.refuse(state, errors, values).await,
            };
            let mut proposed = db::load_schedule(&state.pool, now).await?;
            proposed.exceptions.push(parsed.exception.clone());
            if action == "pratinjau" {
                values.insert("preview".to_owned(), openings(&proposed, now));
                let notice = "Pratinjau pengecualian: belum disimpan.".to_owned();
                return EXCEPTION.accept(state, &operator.session, notice, values).await;
            }
            let mut tx = state.pool.begin().await?;
            let e = &parsed.exception;
            db::add_exception(&mut tx, e.kind, e.starts_at, e.ends_at, &parsed.note, &operator.actor()).await?;
            tx.commit().await?;
            state.services.get::<ScheduleCache>()?.forget();
            let notice = format!("Pengecualian disimpan: {}.", parsed.note);
            let shown = crate::forms::values([("preview", openings(&proposed, now).as_str())]);
            EXCEPTION.accept(state, &operator.session, notice, shown).await
        })
        .await
}

/// Removes an exception that is not over yet.
#[server(prefix = "/api", endpoint = "remove-schedule-exception")]
pub async fn remove_schedule_exception(exception: String) -> Result<Submitted, AppError> {
    use crate::registration::{db, ScheduleCache};
    EXCEPTION
        .handle(super::PROGRAM_ADMINS, async |state, operator| {
            let id: i64 = exception.trim().parse().map_err(|_| AppError::BadRequest)?;
            let mut tx = state.pool.begin().await?;
            let removed = db::remove_exception(&mut tx, id, state.clock.now(), &operator.actor()).await?;
            tx.commit().await?;
            if !removed {
                let errors = FieldErrors::single(
                    crate::forms::FORM_ERROR,
                    "Pengecualian itu sudah lewat atau sudah dihapus.",
                );
                return EXCEPTION.refuse(state, errors, BTreeMap::new()).await;
            }
            state.services.get::<ScheduleCache>()?.forget();
            EXCEPTION
                .accept(
                    state,
                    &operator.session,
                    "Pengecualian dihapus.".to_owned(),
                    BTreeMap::new(),
                )
                .await
        })
        .await
}

#[component]
pub fn ScheduleConsolePage() -> impl IntoView {
    super::console_page(super::SCHEDULE, load_schedule_console, |last, content| {
        let ScheduleConsole {
            status,
            days,
            exceptions,
            preview,
        } = content;
        let errors = RwSignal::new(last.errors.clone());
        let typed = |name: &str| last.typed(name);
        let kind = typed("kind");
        view! {
            <crate::forms::ErrorSummary state=last.form_state()/>
            <Notice notice=last.notice.clone()/>
            <p class="notice" role="status" data-schedule-status="">{status}</p>
            {(!preview.is_empty()).then(|| view! {
                <section aria-labelledby="pratinjau-heading" class="preview">
                    <h2 id="pratinjau-heading">"Pembukaan berikutnya"</h2>
                    <ol class="openings">{preview.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ol>
                </section>
            })}
            <h2>"Jam mingguan (WIB)"</h2>
            <form method="post" action=SaveWeeklyHours::url()>
                <div class="table-scroll">
                    <table class="weekly-hours">
                        <thead><tr><th scope="col">"Hari"</th><th scope="col">"Buka"</th><th scope="col">"Jam buka"</th><th scope="col">"Jam tutup"</th></tr></thead>
                        <tbody>
                            {days.into_iter().map(|day| {
                                let n = day.iso_weekday;
                                let field = format!("hours-{n}");
                                let error = errors.with_untracked(|e| e.get(&field).map(str::to_owned));
                                let invalid = error.is_some();
                                view! {
                                    <tr id=field.clone() class:field-invalid=invalid>
                                        <th scope="row">{day.name.clone()}
                                            {error.map(|message| view! {
                                                <p class="field-error" id=format!("{field}-error")><span class="visually-hidden">"Kesalahan: "</span>{message}</p>
                                            })}
                                        </th>
                                        <td><input type="checkbox" name=format!("hours[{n}][open]") value="1" checked=day.open
                                            aria-label=format!("{} buka", day.name)/></td>
                                        <td><input type="time" name=format!("hours[{n}][opens]") value=day.opens
                                            aria-label=format!("Jam buka {}", day.name)/></td>
                                        <td><input type="time" name=format!("hours[{n}][closes]") value=day.closes
                                            aria-label=format!("Jam tutup {}", day.name)/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <button type="submit" name="action" value="pratinjau" class="button button-secondary">"Pratinjau"</button>
                " "
                <button type="submit" name="action" value="simpan" class="button">"Simpan jam mingguan"</button>
            </form>
            <h2>"Pengecualian: hari libur dan hari tambahan"</h2>
            {super::item_list(exceptions, "Tidak ada pengecualian yang akan datang.", |e| view! {
                <li class="queue-item">
                    <strong>{format!("{} · {}", e.kind, e.window)}</strong>
                    <br/>{e.note}
                    <form method="post" action=RemoveScheduleException::url() class="inline-form">
                        <input type="hidden" name="exception" value=e.id.to_string()/>
                        <button type="submit" class="link-button">"Hapus"</button>
                    </form>
                </li>
            })}
            <form method="post" action=AddScheduleException::url()>
                <fieldset class="field choices" id="kind">
                    <legend>"Jenis"</legend>
                    <FieldError id="kind" errors/>
                    <label><input type="radio" name="exception[kind]" value="tutup" checked={kind == "tutup"}/>" Tutup (hari libur)"</label>
                    <label><input type="radio" name="exception[kind]" value="buka" checked={kind == "buka"}/>" Buka (hari tambahan)"</label>
                </fieldset>
                <ScheduleInput id="date" name="exception[date]" label="Tanggal" input_type="date" value=typed("date") errors/>
                <ScheduleInput id="from" name="exception[from]" label="Jam mulai (kosongkan: seharian untuk libur, 08:00 untuk hari tambahan)" input_type="time" value=typed("from") errors/>
                <ScheduleInput id="until" name="exception[until]" label="Jam selesai (kosongkan: sampai tengah malam, atau 16:00)" input_type="time" value=typed("until") errors/>
                <ScheduleInput id="note" name="exception[note]" label="Keterangan (dibaca pendaftar)" input_type="text" value=typed("note") errors/>
                <button type="submit" name="action" value="pratinjau" class="button button-secondary">"Pratinjau"</button>
                " "
                <button type="submit" name="action" value="simpan" class="button">"Simpan pengecualian"</button>
            </form>
        }
    })
}

/// A labelled input of the exception form, with its error after a refused post.
#[component]
fn ScheduleInput(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    input_type: &'static str,
    value: String,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let invalid = errors.with_untracked(|e| e.get(id).is_some());
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id>{label}</label>
            <FieldError id errors/>
            <input id=id name=name type=input_type value=value aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{id}-error"))/>
        </div>
    }
}
