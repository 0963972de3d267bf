//! Running commands.

use std::{
    borrow::BorrowMut,
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Command},
    time::{Duration, Instant},
};

use crate::Result;

/// Runs a command to completion (accepts a `Command` or the `&mut Command` its builders return).
pub fn run(mut command: impl BorrowMut<Command>) -> Result {
    let command = command.borrow_mut();
    let status = command.status().map_err(|e| format!("{}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

pub fn spawn(mut command: impl BorrowMut<Command>) -> Result<Child> {
    let command = command.borrow_mut();
    command.spawn().map_err(|e| format!("{}: {e}", describe(command)))
}

pub fn output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program().to_string_lossy().into_owned())
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(crate::workspace_root());
    command
}

/// Child processes killed when this is dropped (also when a test run fails).
pub struct Servers(pub Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits until `url` (http://host:port/path) answers 200.
pub fn wait_for_http(url: &str) -> Result {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (authority, path) = rest
        .split_once('/')
        .map(|(a, p)| (a, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(authority) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut response).is_ok()
                && response.starts_with("HTTP/1.1 200")
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Err(format!("{url} did not come up within 90 s"))
}
