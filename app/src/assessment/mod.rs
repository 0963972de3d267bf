//! The short online test: basic ability (numeracy, verbal reasoning, logic) and motivation
//! (Likert statements), 18 questions drawn per applicant, one at a time, with a 25-minute
//! deadline that the server enforces (the countdown in the page only shows it).
//!
//! Answers are saved one by one, so a reload, a dropped connection or a closed tab resumes at
//! the first unanswered question with the time that is left. Without JavaScript each question
//! is a plain form and a page. Scoring happens on the server: the types sent to the browser
//! carry prompts and options, never which option is correct, and the bank with its keys
//! (`bank`) is compiled into the server only.

#[cfg(feature = "ssr")]
pub mod bank;
#[cfg(feature = "ssr")]
pub mod db;

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{
    domain::FieldErrors,
    error::AppError,
    forms::{ErrorSummary, FieldError, FormState, FormValues, ProgressiveForm, SubmissionStatus, Submitted},
};

const ANSWER_FORM: &str = "test-answer";
const START_FORM: &str = "test-start";

/// Questions in one test, by section, in the order they are shown.
pub const COMPOSITION: [(Section, usize); 4] = [
    (Section::Numeracy, 5),
    (Section::Verbal, 5),
    (Section::Logic, 4),
    (Section::Motivation, 4),
];
pub const QUESTIONS_PER_TEST: usize = 18;
pub const ABILITY_QUESTIONS: usize = 14;
pub const TIME_LIMIT_MINUTES: i64 = 25;
pub use crate::domain::DEFAULT_PASS_MARK;
/// The five points of the motivation scale, from "strongly disagree" to "strongly agree".
pub const LIKERT_SCALE: [&str; 5] = [
    "Sangat tidak setuju",
    "Tidak setuju",
    "Ragu-ragu",
    "Setuju",
    "Sangat setuju",
];

crate::domain::choice_enum! {
    /// The parts of the test (the database's `test_questions.section`).
    Section, SectionError, "Bagian tes tidak dikenal.",
    {
        Numeracy => ("numerasi", "Kemampuan berhitung"),
        Verbal => ("verbal", "Kemampuan verbal"),
        Logic => ("logika", "Penalaran logis"),
        Motivation => ("motivasi", "Motivasi diri"),
    }
}

/// The applicant's choice for one question: the index of an option the question shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerChoice(u8);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum AnswerChoiceError {
    #[error("Pilih salah satu jawaban.")]
    Missing,
}

impl AnswerChoice {
    /// `option_count`: how many options the question shows.
    pub fn parse(raw: &str, option_count: usize) -> Result<AnswerChoice, AnswerChoiceError> {
        match raw.trim().parse::<u8>() {
            Ok(index) if usize::from(index) < option_count => Ok(AnswerChoice(index)),
            _ => Err(AnswerChoiceError::Missing),
        }
    }

    pub fn index(self) -> u8 {
        self.0
    }
}

/// One question as the browser sees it: no answer key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub attempt: String,
    /// 1-based.
    pub position: u8,
    pub total: u8,
    pub section: Section,
    pub prompt: String,
    pub options: Vec<String>,
    pub remaining_seconds: i64,
    pub errors: FieldErrors,
}

/// A finished attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub ability_score: i16,
    pub ability_total: i16,
    pub pass_mark: i16,
    pub passed: bool,
    pub answered: i16,
    /// The deadline ended the attempt before every question was answered.
    pub timed_out: bool,
    pub wave_name: String,
}

/// What /tes shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TestView {
    NotRegistered,
    NotVerified,
    NoOpenWave,
    Ready { wave_name: String, retake: bool },
    Question(QuestionView),
    Finished(TestResult),
}

#[server(prefix = "/api", endpoint = "test-page")]
pub async fn load_test_page() -> Result<TestView, AppError> {
    let state = crate::state::app_state()?;
    let (session, account_id) = crate::session::require_account(&state, crate::paths::TEST_PATH).await?;
    let errors = session
        .take_flash(&state.pool, ANSWER_FORM)
        .await?
        .map(|flash| flash.errors)
        .unwrap_or_default();
    let mut view = db::current_view(&state, account_id).await?;
    if let TestView::Question(question) = &mut view {
        question.errors = errors;
    }
    Ok(view)
}

/// Starts the attempt: draws the questions and sets the deadline.
#[server(prefix = "/api", endpoint = "start-test")]
pub async fn start_test() -> Result<Submitted, AppError> {
    crate::forms::handle_post(START_FORM, crate::paths::TEST_PATH, async |state| {
        let (_, account_id) = crate::session::require_account(state, crate::paths::TEST_PATH).await?;
        match db::start(state, account_id).await? {
            Ok(()) => {}
            Err(refusal) => {
                let errors = FieldErrors::single(crate::forms::FORM_ERROR, refusal.to_string());
                return crate::forms::reply(
                    state,
                    START_FORM,
                    crate::paths::TEST_PATH,
                    Submitted::Invalid(errors),
                    Default::default(),
                )
                .await;
            }
        }
        let next = Submitted::Accepted {
            next: crate::paths::TEST_PATH.to_owned(),
        };
        crate::forms::reply(state, START_FORM, crate::paths::TEST_PATH, next, Default::default()).await
    })
    .await
}

/// Saves one answer. The first answer to a question stands, so a replayed post changes nothing;
/// after the deadline nothing is saved and the attempt is scored as it stands.
#[server(prefix = "/api", endpoint = "answer-question")]
pub async fn answer_question(attempt: String, position: String, choice: Option<String>) -> Result<Submitted, AppError> {
    crate::forms::handle_post(ANSWER_FORM, crate::paths::TEST_PATH, async |state| {
        let (_, account_id) = crate::session::require_account(state, crate::paths::TEST_PATH).await?;
        let attempt = uuid::Uuid::parse_str(attempt.trim()).map_err(|_| AppError::BadRequest)?;
        let position: u8 = position.trim().parse().map_err(|_| AppError::BadRequest)?;
        let outcome = db::answer(state, account_id, attempt, position, choice.as_deref().unwrap_or("")).await?;
        let submitted = match outcome {
            db::AnswerOutcome::Saved => Submitted::Accepted {
                next: crate::paths::TEST_PATH.to_owned(),
            },
            db::AnswerOutcome::Invalid(message) => Submitted::Invalid(FieldErrors::single("choice", message)),
            db::AnswerOutcome::TooLate => Submitted::Accepted {
                next: format!("{}?waktu-habis=1", crate::paths::TEST_PATH),
            },
        };
        crate::forms::reply(
            state,
            ANSWER_FORM,
            crate::paths::TEST_PATH,
            submitted,
            Default::default(),
        )
        .await
    })
    .await
}

/// "12 menit 05 detik".
pub fn format_remaining(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!("{} menit {:02} detik", seconds / 60, seconds % 60)
}

#[component]
pub fn TestPage() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| load_test_page());
    let too_late = move || leptos_router::hooks::use_query_map().with(|q| q.get("waktu-habis").is_some());
    view! {
        <Title text="Tes kemampuan dasar dan motivasi — Prakerja"/>
        <h1>"Tes kemampuan dasar dan motivasi"</h1>
        {move || too_late().then(|| view! {
            <div class="notice notice-error" role="alert">
                <p>"Waktu tes sudah habis. Jawaban terakhir Anda tidak dicatat; tes dinilai dari jawaban yang sudah tersimpan."</p>
            </div>
        })}
        {crate::forms::loaded(page, |view| match view {
            TestView::NotRegistered => view! {
                <p>"Tes dapat diikuti setelah Anda mendaftar dan data Anda terverifikasi."</p>
                <p><a class="button" href=crate::paths::FIRST_STEP_PATH>"Isi formulir pendaftaran"</a></p>
            }.into_any(),
            TestView::NotVerified => view! {
                <p>"Tes dapat diikuti setelah data Anda terverifikasi. Lihat status verifikasi di "
                    <a href=crate::paths::DASHBOARD_PATH>"dasbor"</a> "."</p>
            }.into_any(),
            TestView::NoOpenWave => view! {
                <p>"Belum ada gelombang yang dibuka. Tes dapat diikuti saat pendaftaran gelombang berikutnya dibuka; "
                    "kami akan memberi kabar lewat email."</p>
            }.into_any(),
            TestView::Ready { wave_name, retake } => view! { <StartTestBody wave_name retake/> }.into_any(),
            TestView::Question(question) => view! { <QuestionBody question/> }.into_any(),
            TestView::Finished(result) => view! { <ResultView result/> }.into_any(),
        })}
    }
}

/// What the test is, and the button to start it.
#[component]
fn StartTestBody(wave_name: String, retake: bool) -> impl IntoView {
    view! {
        <p>"Tes untuk " <strong>{wave_name}</strong> ": " {QUESTIONS_PER_TEST} " soal, ditampilkan satu per satu, "
            "dengan waktu " {TIME_LIMIT_MINUTES} " menit sejak Anda menekan tombol mulai."</p>
        <ul>
            <li>"Soal kemampuan dasar (berhitung, verbal, penalaran) punya satu jawaban benar."</li>
            <li>"Soal motivasi tidak punya jawaban benar atau salah: pilih yang paling sesuai dengan diri Anda."</li>
            <li>"Setiap jawaban langsung tersimpan. Jika koneksi putus atau halaman tertutup, buka lagi halaman ini: "
                "tes berlanjut dari soal terakhir dengan sisa waktu yang ada."</li>
            <li>"Waktu tetap berjalan walaupun halaman ditutup."</li>
        </ul>
        {retake.then(|| view! { <p class="notice">"Petugas memberi Anda kesempatan mengulang tes pada gelombang ini."</p> })}
        <StartTest>
            <button type="submit" class="button">"Mulai tes"</button>
        </StartTest>
    }
}

#[island]
fn StartTest(children: Children) -> impl IntoView {
    let state = FormState::new(FieldErrors::new());
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=StartTest::url() id=START_FORM state keep_draft=false>
            {children()}
        </ProgressiveForm>
    }
}

/// One question, rendered by the server; the countdown and the form's behaviour are islands.
#[component]
fn QuestionBody(question: QuestionView) -> impl IntoView {
    let invalid = question.errors.get("choice").is_some();
    let shown = RwSignal::new(question.errors.clone());
    let is_likert = question.section == Section::Motivation;
    let option_count = question.options.len();
    let options = question
        .options
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let id = format!("choice-{index}");
            view! {
                <div class="field choice">
                    <input type="radio" id=id.clone() name="choice" value=index.to_string()/>
                    <label for=id>{text.clone()}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <Countdown remaining_seconds=question.remaining_seconds/>
        <p class="progress">{format!("Soal {} dari {} · {}", question.position, question.total, question.section.label())}</p>
        <AnswerForm errors=question.errors option_count>
            <input type="hidden" name="attempt" value=question.attempt/>
            <input type="hidden" name="position" value=question.position.to_string()/>
            // The error summary links here ("#choice").
            <fieldset id="choice" tabindex="-1" class="question" class:field-invalid=invalid
                aria-describedby=invalid.then_some("choice-error")>
                <legend id="question-prompt">{question.prompt}</legend>
                {is_likert.then(|| view! { <p class="hint">"Tidak ada jawaban benar atau salah."</p> })}
                <FieldError id="choice" errors=shown/>
                {options}
            </fieldset>
            <button type="submit" class="button">"Simpan jawaban dan lanjut"</button>
        </AnswerForm>
    }
}

/// The answer form's behaviour: the choice (its children) is checked before it is sent.
#[island]
fn AnswerForm(errors: FieldErrors, option_count: usize, children: Children) -> impl IntoView {
    let state = FormState::new(errors);
    let validate = Callback::new(move |values: FormValues| {
        FieldErrors::of("choice", AnswerChoice::parse(values.get("choice"), option_count))
    });
    view! {
        <ErrorSummary state/>
        <SubmissionStatus state/>
        <ProgressiveForm action=AnswerQuestion::url() id=ANSWER_FORM state validate keep_draft=false>
            {children()}
        </ProgressiveForm>
    }
}

/// The time left. Without JavaScript it is the time when the page was made; with WASM it counts
/// down. Either way the server decides: an answer after the deadline is not taken.
#[island]
fn Countdown(remaining_seconds: i64) -> impl IntoView {
    let remaining = RwSignal::new(remaining_seconds.max(0));
    #[cfg(feature = "hydrate")]
    {
        let loaded_at = js_sys::Date::now();
        let tick = move || {
            let elapsed = ((js_sys::Date::now() - loaded_at) / 1000.0) as i64;
            let left = (remaining_seconds - elapsed).max(0);
            // At the deadline the page asks the server again, which scores the attempt.
            if left == 0 && remaining.get_untracked() > 0 {
                crate::navigation::reload();
            }
            remaining.set(left);
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <p class="countdown" role="timer" data-remaining-seconds=move || remaining.get().to_string()>
            "Sisa waktu: " <strong>{move || format_remaining(remaining.get())}</strong>
        </p>
    }
}

#[component]
fn ResultView(result: TestResult) -> impl IntoView {
    let verdict = if result.passed {
        "Anda lulus tes."
    } else {
        "Anda belum lulus tes."
    };
    let next_step = if result.passed {
        format!(
            "Langkah berikutnya: bergabung dengan {} dari dasbor saat gelombang ditutup dan diundi. Hasil undian dapat \
             diperiksa siapa saja.",
            result.wave_name
        )
    } else {
        "Anda dapat mengikuti tes lagi pada gelombang berikutnya. Pelajari lagi soal hitungan sehari-hari, \
         persamaan kata dan penalaran sederhana."
            .to_owned()
    };
    view! {
        <section class="test-result" aria-labelledby="result-heading">
            <h2 id="result-heading">{verdict}</h2>
            <dl class="summary">
                <div><dt>"Nilai kemampuan dasar"</dt><dd class="score">{format!("{} dari {}", result.ability_score, result.ability_total)}</dd></div>
                <div><dt>"Batas lulus"</dt><dd>{result.pass_mark}</dd></div>
                <div><dt>"Soal dijawab"</dt><dd>{format!("{} dari {}", result.answered, QUESTIONS_PER_TEST)}</dd></div>
            </dl>
            {result.timed_out.then(|| view! {
                <p>"Waktu habis sebelum semua soal dijawab; soal yang tidak dijawab dihitung salah."</p>
            })}
            <p>{next_step}</p>
            <p><a href=crate::paths::DASHBOARD_PATH>"Kembali ke dasbor"</a></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_must_be_one_of_the_options() {
        assert_eq!(AnswerChoice::parse("2", 4).map(AnswerChoice::index), Ok(2));
        assert_eq!(AnswerChoice::parse(" 0 ", 5).map(AnswerChoice::index), Ok(0));
        for bad in ["", "4", "-1", "a", "256"] {
            assert_eq!(AnswerChoice::parse(bad, 4), Err(AnswerChoiceError::Missing), "{bad}");
        }
    }

    #[test]
    fn the_composition_adds_up() {
        assert_eq!(COMPOSITION.iter().map(|(_, n)| n).sum::<usize>(), QUESTIONS_PER_TEST);
        let ability: usize = COMPOSITION
            .iter()
            .filter(|(s, _)| *s != Section::Motivation)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(ability, ABILITY_QUESTIONS);
    }

    #[test]
    fn remaining_time_reads_in_minutes_and_seconds() {
        assert_eq!(format_remaining(25 * 60), "25 menit 00 detik");
        assert_eq!(format_remaining(65), "1 menit 05 detik");
        assert_eq!(format_remaining(-3), "0 menit 00 detik");
    }
}
