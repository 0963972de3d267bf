//! The portal's own command line (`prakerja …`), run by the benchmarks with an environment of
//! their choosing.

use std::process::Stdio;

use tokio::process::Command;

use crate::Error;

pub struct PortalCli {
    bin: String,
    env: Vec<(&'static str, String)>,
}

impl PortalCli {
    /// `env` comes on top of `DATABASE_URL` and a quiet log.
    pub fn new(bin: &str, database_url: &str, env: &[(&'static str, &str)]) -> PortalCli {
        let mut all = vec![
            ("DATABASE_URL", database_url.to_owned()),
            ("RUST_LOG", "error".to_owned()),
        ];
        all.extend(env.iter().map(|(name, value)| (*name, (*value).to_owned())));
        PortalCli {
            bin: bin.to_owned(),
            env: all,
        }
    }

    /// `prakerja <args>` with the environment, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .envs(self.env.iter().map(|(name, value)| (*name, value.as_str())))
            .stdin(Stdio::null());
        command
    }

    /// Runs `prakerja <args>`, echoing its output; returns its standard output.
    pub async fn run(&self, args: &[&str]) -> Result<String, Error> {
        let output = self.command(args).output().await?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        print!("{stdout}");
        if !output.status.success() {
            return Err(format!(
                "prakerja {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(stdout)
    }
}
