//! Who the audit log names for what is done on the command line.

/// `cli:<user>`: the shell user who ran the command.
pub fn actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}
