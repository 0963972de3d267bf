//! The pinned tools, installed on first use. Versions live in one place: the workspace
//! Cargo.toml, `[workspace.metadata.tools]`. Nothing is downloaded from outside the package
//! registries (crates.io, npm, Debian).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::{process, target_dir, workspace_root, Result};

pub struct Versions {
    pub wasm_bindgen_cli: String,
    pub binaryen: String,
    pub playwright: String,
    pub pg: String,
}

pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: Option<PathBuf>,
    pub chromium: String,
    node_bin: PathBuf,
}

impl Tools {
    /// `npx` with the pinned npm packages and tools on the PATH, never installing anything.
    pub fn npx(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new("npx");
        command
            .arg("--no-install")
            .args(args)
            .env("PATH", self.path_with_tools());
        command
    }

    /// PATH with the project's npm tools first.
    pub fn path_with_tools(&self) -> String {
        let existing = std::env::var("PATH").unwrap_or_default();
        format!("{}:{existing}", self.node_bin.display())
    }
}

pub fn versions() -> Result<Versions> {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest: toml::Value = manifest.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let tools = manifest
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get("tools"))
        .ok_or("Cargo.toml has no [workspace.metadata.tools]")?;
    let version = |name: &str| -> Result<String> {
        tools
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or(format!("[workspace.metadata.tools] lacks {name}"))
    };
    Ok(Versions {
        wasm_bindgen_cli: version("wasm-bindgen-cli")?,
        binaryen: version("binaryen")?,
        playwright: version("@playwright/test")?,
        pg: version("pg")?,
    })
}

fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

/// The build profile of the server and its site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Quick to build, slower to run: the demo (`cargo xtask run`), `watch` and `end-to-end --dev`.
    Dev,
    /// What is deployed, tested end to end and benchmarked.
    Release,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }

    /// Cargo's profile for the server; also its directory under the target dir.
    pub fn server_profile(self) -> &'static str {
        match self {
            // Not `dev`: its flags differ from `cargo test`'s, which would rebuild everything
            // in target/debug each time one follows the other.
            Profile::Dev => "site-dev",
            Profile::Release => "release",
        }
    }

    /// Cargo's profile for the wasm bundle.
    pub fn wasm_profile(self) -> &'static str {
        match self {
            Profile::Dev => "site-dev",
            Profile::Release => "wasm-release",
        }
    }

    /// Extra compiler flags, for the server and the wasm alike (they must agree, or hydration
    /// fails). A dev build erases the views' types, as cargo-leptos does: the `app` crate's
    /// deeply nested view types are most of its compile time.
    pub fn rustflags(self) -> &'static str {
        match self {
            Profile::Dev => "--cfg erase_components",
            Profile::Release => "",
        }
    }
}

/// The build's tools, some perhaps still being installed while the site compiles.
pub struct PendingTools {
    tools: Tools,
    wasm_bindgen_install: Option<(std::process::Child, PathBuf)>,
}

impl From<Tools> for PendingTools {
    fn from(tools: Tools) -> Self {
        PendingTools {
            tools,
            wasm_bindgen_install: None,
        }
    }
}

impl PendingTools {
    /// Waits for the installs still running.
    pub fn ready(self) -> Result<Tools> {
        if let Some((mut child, log)) = self.wasm_bindgen_install {
            let status = child.wait().map_err(|e| e.to_string())?;
            if !status.success() {
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("installing wasm-bindgen-cli failed ({status}):\n{output}"));
            }
        }
        Ok(self.tools)
    }
}

pub fn ensure_build_tools(profile: Profile) -> Result<Tools> {
    start_build_tools(profile)?.ready()
}

/// Like `ensure_build_tools`, but a missing wasm-bindgen-cli compiles in the background: on
/// two cores it fills the gaps where the server's largest crates compile alone.
pub fn start_build_tools(profile: Profile) -> Result<PendingTools> {
    let versions = versions()?;
    ensure_wasm_target()?;
    let (wasm_bindgen, wasm_bindgen_install) = start_wasm_bindgen(&versions.wasm_bindgen_cli)?;
    let node_dir = tools_dir().join("node");
    let wasm_opt = match profile {
        Profile::Release => {
            ensure_npm_packages(&node_dir, &[("binaryen", &versions.binaryen)])?;
            Some(node_dir.join("node_modules/.bin/wasm-opt"))
        }
        Profile::Dev => None,
    };
    Ok(PendingTools {
        tools: Tools {
            wasm_bindgen,
            wasm_opt,
            chromium: String::new(),
            node_bin: node_dir.join("node_modules/.bin"),
        },
        wasm_bindgen_install,
    })
}

/// Everything, including what the end-to-end tests need.
pub fn ensure_all() -> Result<Tools> {
    let versions = versions()?;
    let mut tools = ensure_build_tools(Profile::Release)?;
    ensure_npm_packages(
        &workspace_root().join("end2end"),
        &[("@playwright/test", &versions.playwright), ("pg", &versions.pg)],
    )?;
    tools.chromium = ensure_chromium()?;
    Ok(tools)
}

fn ensure_wasm_target() -> Result {
    let installed = process::output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("xtask: installing the wasm32-unknown-unknown target");
    process::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen binary, and the install of it when it is not there yet.
fn start_wasm_bindgen(version: &str) -> Result<(PathBuf, Option<(std::process::Child, PathBuf)>)> {
    let locked = locked_version("wasm-bindgen")?;
    if locked != version {
        return Err(format!(
            "Cargo.lock has wasm-bindgen {locked} but the tools table pins wasm-bindgen-cli {version}; they must be equal"
        ));
    }
    let root = tools_dir().join("cargo");
    let binary = root.join("bin/wasm-bindgen");
    let installed = process::output(Command::new(&binary).arg("--version")).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version) {
        return Ok((binary, None));
    }
    println!(
        "xtask: installing wasm-bindgen-cli {version} from crates.io (about 3 minutes, once; alongside the build)"
    );
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let log_path = root.join("install.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let child = process::spawn(
        // Not --locked: its lock file names a webpki-roots version the registry no longer has.
        process::cargo(&["install", "wasm-bindgen-cli", "--version", version, "--root"])
            .arg(&root)
            // Its own (temporary) target dir: the shared one is locked by the site's build.
            .env_remove("CARGO_TARGET_DIR")
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log),
    )?;
    Ok((binary, Some((child, log_path))))
}

fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).map_err(|e| e.to_string())?;
    let lock: toml::Value = lock.parse().map_err(|e| format!("Cargo.lock: {e}"))?;
    lock.get("package")
        .and_then(|p| p.as_array())
        .and_then(|packages| {
            packages
                .iter()
                .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(package))
        })
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or(format!("{package} is not in Cargo.lock"))
}

/// Installs an exact npm package version under `prefix` unless it is already there.
/// Installs exact npm package versions under `prefix` unless they are all there already. One
/// `npm install` for all of them: separate `--no-save` installs would prune each other.
fn ensure_npm_packages(prefix: &Path, packages: &[(&str, &str)]) -> Result {
    let installed = |name: &str, version: &str| {
        let manifest = prefix.join("node_modules").join(name).join("package.json");
        std::fs::read_to_string(manifest)
            .unwrap_or_default()
            .contains(&format!("\"version\": \"{version}\""))
    };
    if packages.iter().all(|(name, version)| installed(name, version)) {
        return Ok(());
    }
    let specs: Vec<String> = packages
        .iter()
        .map(|(name, version)| format!("{name}@{version}"))
        .collect();
    println!("xtask: installing {} from npm", specs.join(" "));
    std::fs::create_dir_all(prefix).map_err(|e| e.to_string())?;
    process::run(
        Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(prefix)
            .args(&specs),
    )
}

/// Debian's chromium (Playwright's own browser download cannot work here).
fn ensure_chromium() -> Result<String> {
    let path = std::env::var("PW_CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&path).exists() {
        return Ok(path);
    }
    println!("xtask: installing Debian's chromium");
    apt_install(&["chromium"])?;
    Ok(path)
}

/// `apt-get install`, as root directly or through sudo.
pub fn apt_install(packages: &[&str]) -> Result {
    let is_root = process::output(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    let apt_get = || {
        let mut command = Command::new(if is_root { "apt-get" } else { "sudo" });
        if !is_root {
            command.arg("apt-get");
        }
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    // A stale package index is the usual reason an install fails on a fresh machine.
    let _ = process::run(apt_get().args(["update", "-qq"]));
    process::run(
        apt_get()
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages),
    )
}
