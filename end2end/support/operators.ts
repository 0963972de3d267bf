/** The operators `cargo xtask end-to-end` creates on its test database (see xtask/src/main.rs). */
export const OPERATOR_PASSWORD = 'kata sandi uji end-to-end';
export const VERIFIER = 'verifikator.uji';
export const PROGRAM_ADMIN = 'admin.uji';
