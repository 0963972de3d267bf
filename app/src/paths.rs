//! Every address of the portal, and the builders of addresses with a part in them. Features link
//! to one another through these strings, never by importing each other's modules. The router in
//! `lib.rs` declares the same paths (its `path!` macro takes literals); a test asks the router
//! for every one of `FIXED_PAGES`.

use uuid::Uuid;

pub const HOME_PATH: &str = "/";

// Applicants: signing in, signing up, the test, the dashboard.
pub const SIGN_IN_PATH: &str = "/masuk";
pub const SIGN_IN_CODE_PATH: &str = "/masuk/kode";
pub const SIGNUP_PATH: &str = "/daftar";
pub const FIRST_STEP_PATH: &str = "/daftar/identitas";
pub const CHECK_PATH: &str = "/daftar/periksa";
pub const DISPUTE_PATH: &str = "/daftar/sanggah-nik";
pub const DASHBOARD_PATH: &str = "/dasbor";
pub const TEST_PATH: &str = "/tes";

// Participants: the catalogue, purchases, reviews, certificates.
pub const CATALOGUE_PATH: &str = "/pelatihan";
pub const COMPARE_PATH: &str = "/pelatihan/banding";
pub const PURCHASES_PATH: &str = "/pembelian";
/// A participant's incentive: the payout account and each installment.
pub const INCENTIVE_PATH: &str = "/dasbor/insentif";
/// Everything held about the signed-in person, and its downloads.
pub const MY_DATA_PATH: &str = "/dasbor/data-saya";
pub const MY_DATA_JSON_PATH: &str = "/dasbor/data-saya.json";
pub const MY_DATA_PDF_PATH: &str = "/dasbor/data-saya.pdf";
/// The applicant's complaints, and a new one (`?tentang=` names the record it is about).
pub const COMPLAINTS_PATH: &str = "/pengaduan";
pub const NEW_COMPLAINT_PATH: &str = "/pengaduan/baru";
/// The catalogue as one JSON document, for the in-page filter.
pub const CATALOGUE_DOCUMENT_PATH: &str = "/api/katalog.json";

// Everyone: the waves' public audit pages and files.
pub const WAVES_PATH: &str = "/gelombang";

// Training platforms (signed API).
pub const EVENTS_PATH: &str = "/platform/v1/events";
pub const OPENAPI_PATH: &str = "/platform/v1/openapi.json";

// Operators.
pub const CONSOLE_PATH: &str = "/operator";
pub const OPERATOR_SIGN_IN_PATH: &str = "/operator/masuk";
pub const OPERATOR_CODE_PATH: &str = "/operator/masuk/kode";
pub const ENROL_PATH: &str = "/operator/dua-langkah";
pub const OPERATORS_CONSOLE_PATH: &str = "/operator/petugas";
pub const PASSWORD_PATH: &str = "/operator/kata-sandi";
pub const QUEUE_PATH: &str = "/operator/verifikasi";
pub const FUNNEL_PATH: &str = "/operator/corong";
pub const CATALOGUE_CONSOLE_PATH: &str = "/operator/katalog";
pub const WAVES_CONSOLE_PATH: &str = "/operator/gelombang";
pub const COMPLETION_CONSOLE_PATH: &str = "/operator/penyelesaian";
pub const DISPUTES_CONSOLE_PATH: &str = "/operator/sanggahan";
pub const PAYOUTS_CONSOLE_PATH: &str = "/operator/pencairan";
pub const SCHEDULE_CONSOLE_PATH: &str = "/operator/jadwal";
pub const AUDIT_CONSOLE_PATH: &str = "/operator/audit";
pub const EXCLUSIONS_CONSOLE_PATH: &str = "/operator/pengecualian";
pub const COMPLAINTS_CONSOLE_PATH: &str = "/operator/pengaduan";
/// The audit log's selection as CSV (program admins).
pub const AUDIT_CSV_PATH: &str = "/operator/audit.csv";

// Development only.
pub const DEV_MAILBOX_PATH: &str = "/dev/surat";

/// Every fixed address a browser opens (GET), besides the signup's steps
/// (`signup_step_path`). A test asks the router for each: none may be "not found".
pub const FIXED_PAGES: [&str; 37] = [
    HOME_PATH,
    SIGN_IN_PATH,
    SIGN_IN_CODE_PATH,
    SIGNUP_PATH,
    FIRST_STEP_PATH,
    CHECK_PATH,
    DISPUTE_PATH,
    DASHBOARD_PATH,
    TEST_PATH,
    CATALOGUE_PATH,
    COMPARE_PATH,
    PURCHASES_PATH,
    INCENTIVE_PATH,
    MY_DATA_PATH,
    COMPLAINTS_PATH,
    NEW_COMPLAINT_PATH,
    CATALOGUE_DOCUMENT_PATH,
    WAVES_PATH,
    OPENAPI_PATH,
    CONSOLE_PATH,
    OPERATOR_SIGN_IN_PATH,
    OPERATOR_CODE_PATH,
    ENROL_PATH,
    OPERATORS_CONSOLE_PATH,
    PASSWORD_PATH,
    QUEUE_PATH,
    FUNNEL_PATH,
    CATALOGUE_CONSOLE_PATH,
    WAVES_CONSOLE_PATH,
    COMPLETION_CONSOLE_PATH,
    DISPUTES_CONSOLE_PATH,
    PAYOUTS_CONSOLE_PATH,
    SCHEDULE_CONSOLE_PATH,
    AUDIT_CONSOLE_PATH,
    EXCLUSIONS_CONSOLE_PATH,
    COMPLAINTS_CONSOLE_PATH,
    DEV_MAILBOX_PATH,
];

/// Where a page sends an applicant to complain about one of its records.
pub fn new_complaint_path(about: &crate::domain::complaint::About) -> String {
    format!("{NEW_COMPLAINT_PATH}?tentang={}", about.code())
}

/// A step of the signup form, by its slug.
pub fn signup_step_path(slug: &str) -> String {
    format!("{SIGNUP_PATH}/{slug}")
}

/// Where a participant reviews a purchase.
pub fn review_path(purchase: Uuid) -> String {
    format!("{PURCHASES_PATH}/{purchase}/ulasan")
}

/// A training's reviews, for everyone.
pub fn training_reviews_path(training_id: i32) -> String {
    format!("{CATALOGUE_PATH}/{training_id}/ulasan")
}

/// The comparison page of these trainings.
pub fn compare_url(ids: &[i32]) -> String {
    let choice: Vec<String> = ids.iter().map(|id| format!("pilih={id}")).collect();
    format!("{COMPARE_PATH}?{}", choice.join("&"))
}

/// A certificate's public verification page.
pub fn certificate_path(code: &str) -> String {
    format!("/sertifikat/{code}")
}

/// A certificate as its holder prints it.
pub fn print_path(code: &str) -> String {
    format!("/sertifikat/{code}/cetak")
}

/// The PDF of a certificate (A4), for its holder.
pub fn pdf_path(code: &str) -> String {
    format!("/sertifikat/{code}/pdf")
}

/// A wave's public audit page.
pub fn audit_path(wave_id: i32) -> String {
    format!("{WAVES_PATH}/{wave_id}")
}

/// A drawn wave's frozen pool, as the `draw` crate writes it.
pub fn pool_file_path(wave_id: i32) -> String {
    format!("{WAVES_PATH}/{wave_id}/pool.csv")
}

/// A drawn wave's selected applicants in rank order, as the `draw` crate writes them.
pub fn result_file_path(wave_id: i32) -> String {
    format!("{WAVES_PATH}/{wave_id}/hasil.csv")
}

/// The purchases page's notices (a purchase made, a review written) are kept under this form
/// id: the features that send a participant back there leave their word for it.
pub const PURCHASES_NOTICE: &str = "beli-pelatihan";

/// Where a buy button posts (the cards feature's `buy_training`; a test checks they agree).
pub const BUY_TRAINING_PATH: &str = "/api/buy-training";
