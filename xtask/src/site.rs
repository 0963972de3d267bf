//! Building the site: the wasm bundle (wasm-bindgen, then wasm-opt in release), the stylesheet,
//! precompressed copies for the static file server, and the server binary.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::Command,
    time::SystemTime,
};

use crate::{process, target_dir, tools::Tools, workspace_root, Result};

/// The bundle's name; `.cargo/config.toml` sets the same LEPTOS_OUTPUT_NAME for compilation.
pub const OUTPUT_NAME: &str = "prakerja";

/// The end-to-end servers run on a clock inside the registration window (a Wednesday morning)
/// and outside it (a Saturday), whatever the real time.
pub const E2E_CLOCK_OPEN: &str = "2026-12-02T10:00:00+07:00";
pub const E2E_CLOCK_CLOSED: &str = "2026-12-05T10:00:00+07:00";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }
}

pub struct Built {
    pub site_root: PathBuf,
    pub server_bin: PathBuf,
}

pub fn build(profile: Profile, tools: &Tools) -> Result<Built> {
    let site_root = target_dir().join("site").join(profile.name());
    let pkg = site_root.join("pkg");
    let (wasm_profile, wasm_dir) = match profile {
        Profile::Dev => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    process::run(
        process::cargo(&[
            "build",
            "-p",
            "frontend",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            wasm_profile,
        ])
        .env("SQLX_OFFLINE", "true"),
    )?;
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join(wasm_dir)
        .join("frontend.wasm");

    let _ = fs::remove_dir_all(&pkg);
    fs::create_dir_all(&pkg).map_err(|e| e.to_string())?;
    process::run(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                OUTPUT_NAME,
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&wasm),
    )?;
    let bundle = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    fs::rename(pkg.join(format!("{OUTPUT_NAME}_bg.wasm")), &bundle).map_err(|e| e.to_string())?;
    if let Some(wasm_opt) = &tools.wasm_opt {
        process::run(
            Command::new(wasm_opt)
                .args([
                    "-Oz",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                    "--enable-mutable-globals",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "--strip-debug",
                    "--strip-producers",
                ])
                .arg(&bundle)
                .arg("-o")
                .arg(&bundle),
        )?;
    }
    fs::copy(
        workspace_root().join("style/main.css"),
        pkg.join(format!("{OUTPUT_NAME}.css")),
    )
    .map_err(|e| e.to_string())?;

    // Content-hashed names: browsers may keep these files forever, and a new build is new files.
    let build_id = content_hash(&pkg, &["js", "wasm", "css"])?;
    let hashed = format!("{OUTPUT_NAME}.{build_id}");
    for extension in ["js", "wasm", "css"] {
        fs::rename(
            pkg.join(format!("{OUTPUT_NAME}.{extension}")),
            pkg.join(format!("{hashed}.{extension}")),
        )
        .map_err(|e| e.to_string())?;
    }
    // The server reads the bundle's name from here at start-up.
    fs::write(site_root.join("build.txt"), &hashed).map_err(|e| e.to_string())?;

    copy_dir(&workspace_root().join("public"), &site_root)?;
    write_service_worker(&site_root, &build_id, &hashed)?;
    if profile == Profile::Release {
        precompress(&pkg)?;
    }
    report_sizes(&pkg, &hashed)?;

    let mut server = process::cargo(&["build", "-p", "server", "--bin", "prakerja"]);
    if profile == Profile::Release {
        server.arg("--release");
    }
    process::run(server.env("SQLX_OFFLINE", "true"))?;
    let server_bin = target_dir()
        .join(if profile == Profile::Release {
            "release"
        } else {
            "debug"
        })
        .join("prakerja");
    Ok(Built { site_root, server_bin })
}

/// A short hash of the files' contents (stable across runs of the same toolchain).
fn content_hash(dir: &Path, extensions: &[&str]) -> Result<String> {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    for extension in extensions {
        hasher.write(&fs::read(dir.join(format!("{OUTPUT_NAME}.{extension}"))).map_err(|e| e.to_string())?);
    }
    Ok(format!("{:016x}", hasher.finish())[..10].to_owned())
}

/// Stamps the build id and the application shell into the service worker.
fn write_service_worker(site_root: &Path, build_id: &str, hashed: &str) -> Result {
    let template = fs::read_to_string(workspace_root().join("public/sw.js")).map_err(|e| e.to_string())?;
    let shell = format!(r#"["/pkg/{hashed}.js", "/pkg/{hashed}.wasm", "/pkg/{hashed}.css", "/favicon.svg"]"#);
    let worker = template.replace("__BUILD__", build_id).replace("__SHELL__", &shell);
    fs::write(site_root.join("sw.js"), worker).map_err(|e| e.to_string())
}

/// Prints what an applicant downloads: the WASM, script and stylesheet, raw and compressed.
fn report_sizes(pkg: &Path, hashed: &str) -> Result {
    println!("xtask: bundle {hashed}");
    for extension in ["wasm", "js", "css"] {
        let bytes = fs::read(pkg.join(format!("{hashed}.{extension}"))).map_err(|e| e.to_string())?;
        println!(
            "xtask:   {extension:<4} raw {:>7.1} KB   gzip {:>6.1} KB   brotli {:>6.1} KB",
            bytes.len() as f64 / 1024.0,
            gzip(&bytes)?.len() as f64 / 1024.0,
            brotli(&bytes)?.len() as f64 / 1024.0
        );
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let Ok(entries) = fs::read_dir(from) else {
        return Ok(());
    };
    fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Writes `.br` and `.gz` next to each text and wasm asset; the server sends them as they are.
fn precompress(dir: &Path) -> Result {
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        if !path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "wasm" | "js" | "css" | "svg" | "json"))
        {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| e.to_string())?;
        fs::write(with_suffix(&path, "gz"), gzip(&bytes)?).map_err(|e| e.to_string())?;
        fs::write(with_suffix(&path, "br"), brotli(&bytes)?).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    path.with_file_name(name)
}

/// The environment a server process runs with.
pub struct ServerEnv {
    bin: PathBuf,
    vars: Vec<(&'static str, String)>,
}

impl ServerEnv {
    pub fn development(built: &Built, database_url: &str, addr: &str) -> ServerEnv {
        ServerEnv {
            bin: built.server_bin.clone(),
            vars: vec![
                ("PRAKERJA_ENV", "development".into()),
                ("DATABASE_URL", database_url.into()),
                ("PRAKERJA_ADDR", addr.into()),
                ("LEPTOS_SITE_ROOT", built.site_root.display().to_string()),
            ],
        }
    }

    pub fn end_to_end(built: &Built, database_url: &str, addr: &str, clock_start: &str) -> ServerEnv {
        let mut env = ServerEnv::development(built, database_url, addr);
        env.vars.push(("PRAKERJA_CLOCK_START", clock_start.into()));
        env.vars.push(("RUST_LOG", "warn".into()));
        env
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.args(args).current_dir(workspace_root());
        for (name, value) in &self.vars {
            command.env(name, value);
        }
        command
    }
}

/// The newest modification time among the sources `watch` rebuilds for.
pub fn newest_source_change() -> Result<SystemTime> {
    fn newest(dir: &Path, best: &mut SystemTime) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                newest(&path, best);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                *best = (*best).max(modified);
            }
        }
    }
    let mut best = SystemTime::UNIX_EPOCH;
    for dir in ["app", "frontend", "server", "style", "public", "migrations"] {
        newest(&workspace_root().join(dir), &mut best);
    }
    Ok(best)
}

/// Sets the modification time of every file under `dir` to now (cargo then rebuilds them).
pub fn touch_tree(dir: &Path) -> Result {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            touch_tree(&path)?;
        } else {
            fs::File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(SystemTime::now()))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
