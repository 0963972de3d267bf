//! Building the site: the wasm bundle (wasm-bindgen, then wasm-opt in release), the stylesheet,
//! precompressed copies for the static file server, and the server binary.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::Command,
    time::SystemTime,
};

use crate::{
    process, target_dir,
    tools::{PendingTools, Profile, Tools},
    workspace_root, Result,
};

/// The bundle's name; `.cargo/config.toml` sets the same LEPTOS_OUTPUT_NAME for compilation.
pub const OUTPUT_NAME: &str = "prakerja";

/// The end-to-end servers run on a clock inside the registration window (a Wednesday morning)
/// and outside it (a Saturday), whatever the real time.
pub const E2E_CLOCK_OPEN: &str = "2026-12-02T10:00:00+07:00";
pub const E2E_CLOCK_CLOSED: &str = "2026-12-05T10:00:00+07:00";

pub struct Built {
    pub site_root: PathBuf,
    pub server_bin: PathBuf,
}

/// Builds the site and the server. The tools may still be installing while the two compile.
pub fn build(profile: Profile, tools: PendingTools) -> Result<(Built, Tools)> {
    let site_root = target_dir().join("site").join(profile.name());
    let pkg = site_root.join("pkg");
    let wasm_profile = profile.wasm_profile();
    let mut wasm_build = cargo_build(
        &["-p", "frontend", "--lib", "--target", "wasm32-unknown-unknown"],
        wasm_profile,
    );
    // The wasm target's flags in .cargo/config.toml, which RUSTFLAGS would replace.
    add_rustflags(&mut wasm_build, profile, "-Clink-args=--emit-relocs");
    process::run(wasm_build.env("SQLX_OFFLINE", "true"))?;
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join(wasm_profile)
        .join("frontend.wasm");

    let server_profile = profile.server_profile();
    let mut server_build = cargo_build(&["-p", "server", "--bin", "prakerja"], server_profile);
    let mut server_dir = target_dir();
    if !profile.rustflags().is_empty() {
        // With an explicit target, RUSTFLAGS reach only the server's own code and not the
        // proc macros and build scripts, which are then the ones the wasm build just compiled.
        let host = host_triple()?;
        server_build.args(["--target", &host]);
        server_dir.push(host);
    }
    add_rustflags(&mut server_build, profile, "");
    process::run(server_build.env("SQLX_OFFLINE", "true"))?;
    let server_bin = server_dir.join(server_profile).join("prakerja");
    let tools = tools.ready()?;

    // Everything of one build lives in its own directory, `pkg/<build id>/`: browsers may keep
    // these files forever, and a new build is new paths. It is staged first, because the id is
    // the digest of what ends up in it.
    let _ = fs::remove_dir_all(&pkg);
    let staging = pkg.join("staging");
    fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let main_wasm = split_lazy_code(&wasm, &staging)?;
    process::run(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The split modules link to the main module by these names.
                "--keep-lld-exports",
                "--no-demangle",
                "--out-name",
                OUTPUT_NAME,
                "--out-dir",
            ])
            .arg(&staging)
            .arg(&main_wasm),
    )?;
    fs::rename(
        staging.join(format!("{OUTPUT_NAME}_bg.wasm")),
        staging.join(format!("{OUTPUT_NAME}.wasm")),
    )
    .map_err(|e| e.to_string())?;
    if let Some(wasm_opt) = &tools.wasm_opt {
        for module in files_with_extension(&staging, "wasm")? {
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
                    .arg(&module)
                    .arg("-o")
                    .arg(&module),
            )?;
        }
    }
    fs::copy(
        workspace_root().join("style/main.css"),
        staging.join(format!("{OUTPUT_NAME}.css")),
    )
    .map_err(|e| e.to_string())?;

    let build_id = content_hash(&staging)?;
    fs::rename(&staging, pkg.join(&build_id)).map_err(|e| e.to_string())?;
    let bundle = pkg.join(&build_id);
    // The server reads the build's directory from here at start-up.
    fs::write(site_root.join("build.txt"), &build_id).map_err(|e| e.to_string())?;

    copy_dir(&workspace_root().join("public"), &site_root)?;
    write_service_worker(&site_root, &build_id)?;
    if profile == Profile::Release {
        precompress(&bundle)?;
    }
    // Compressed sizes are what the byte budgets are about, and they are for the release build;
    // compressing a dev bundle's megabytes at the best levels took a minute.
    report_sizes(&bundle, &build_id, profile == Profile::Release)?;

    Ok((Built { site_root, server_bin }, tools))
}

/// The triple of the machine building (and running) the server.
fn host_triple() -> Result<String> {
    let version = process::output(Command::new("rustc").arg("-vV")).ok_or("rustc -vV failed")?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV names no host".to_string())
}

/// `cargo build` of `what` with a cargo profile.
fn cargo_build(what: &[&str], cargo_profile: &str) -> Command {
    let mut build = process::cargo(&["build"]);
    build.args(what).args(["--profile", cargo_profile]);
    build
}

/// The profile's compiler flags, after the ones the build has from .cargo/config.toml.
fn add_rustflags(build: &mut Command, profile: Profile, configured: &str) {
    if !profile.rustflags().is_empty() {
        build.env("RUSTFLAGS", format!("{configured} {}", profile.rustflags()).trim());
    }
}

/// Which workspace last built in the target directory.
const BUILT_FROM: &str = "prakerja-built-from.txt";

/// Clones share one target directory (CARGO_TARGET_DIR, so a new clone reuses the build), and
/// cargo keys a workspace crate's build by its path inside the workspace: a clone's build serves
/// the others, which is right while their sources are newer than it. A file edited here shortly
/// before another clone built would look older than that build and be missed; so when another
/// workspace built last, this one's sources count as changed.
pub fn claim_build(target_dir: &Path) -> Result {
    let here = workspace_root().display().to_string();
    let marker = target_dir.join(BUILT_FROM);
    if fs::read_to_string(&marker).is_ok_and(|built_from| built_from != here) {
        for dir in ["app", "frontend", "server"] {
            touch_tree(&workspace_root().join(dir))?;
        }
    }
    fs::create_dir_all(target_dir).map_err(|e| e.to_string())?;
    fs::write(marker, here).map_err(|e| e.to_string())
}

/// Splits the code behind `#[lazy]` functions and `#[island(lazy)]` islands out of the main
/// module into modules of their own, fetched the first time they are needed (what cargo-leptos
/// does with `--split`). Writes them and their loader into `dir`; returns the main module, still
/// to go through wasm-bindgen. Needs the wasm linked with `--emit-relocs` (.cargo/config.toml).
fn split_lazy_code(wasm: &Path, dir: &Path) -> Result<PathBuf> {
    let input = fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let main_out = wasm.with_file_name("frontend_split.wasm");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = dir;
        options.main_out_path = &main_out;
        options.main_module = "./prakerja.js";
        // The name Leptos looks for when it preloads a split module.
        options.link_name = "./__wasm_split.______________________.js";
        options
    })
    .map_err(|e| format!("splitting the wasm: {e:#}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map).map_err(|e| e.to_string())?;
    fs::write(dir.join("__wasm_split_manifest.json"), manifest).map_err(|e| e.to_string())?;
    Ok(main_out)
}

fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    Ok(files)
}

/// A short hash of the files' names and contents (stable across runs of the same toolchain).
fn content_hash(dir: &Path) -> Result<String> {
    use std::hash::{DefaultHasher, Hasher};
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|entry| entry.path())
        .collect();
    names.sort();
    let mut hasher = DefaultHasher::new();
    for path in names {
        hasher.write(path.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.write(&fs::read(&path).map_err(|e| e.to_string())?);
    }
    Ok(format!("{:016x}", hasher.finish())[..10].to_owned())
}

/// Stamps the build id and the application shell into the service worker. The split modules
/// are not in the shell: each is cached the first time a page needs it.
fn write_service_worker(site_root: &Path, build_id: &str) -> Result {
    let template = fs::read_to_string(workspace_root().join("public/sw.js")).map_err(|e| e.to_string())?;
    let shell = [
        format!("/pkg/{build_id}/{OUTPUT_NAME}.js"),
        format!("/pkg/{build_id}/{OUTPUT_NAME}.wasm"),
        format!("/pkg/{build_id}/{OUTPUT_NAME}.css"),
        format!("/pkg/{build_id}/__wasm_split.______________________.js"),
        "/favicon.svg".to_owned(),
    ];
    let shell = serde_json::to_string(&shell).map_err(|e| e.to_string())?;
    let worker = template.replace("__BUILD__", build_id).replace("__SHELL__", &shell);
    fs::write(site_root.join("sw.js"), worker).map_err(|e| e.to_string())
}

/// What each file of a release bundle may weigh, brotli-compressed, in KB: the build fails above
/// it. The main module is what every page with islands downloads (issue 22); a split module is
/// fetched only by the page whose island needs it.
const MAIN_WASM_BUDGET_KB: f64 = 150.0;
const SCRIPT_BUDGET_KB: f64 = 10.0;
const STYLESHEET_BUDGET_KB: f64 = 8.0;
const SPLIT_MODULE_BUDGET_KB: f64 = 90.0;

/// Prints what an applicant downloads: the main WASM, script and stylesheet, and each split
/// module (fetched only by the pages that need it), raw and compressed; in a release build,
/// fails when one is over its budget.
fn report_sizes(bundle: &Path, build_id: &str, compressed: bool) -> Result {
    println!("xtask: bundle {build_id}");
    let mut files = vec![
        (bundle.join(format!("{OUTPUT_NAME}.wasm")), MAIN_WASM_BUDGET_KB),
        (bundle.join(format!("{OUTPUT_NAME}.js")), SCRIPT_BUDGET_KB),
        (bundle.join(format!("{OUTPUT_NAME}.css")), STYLESHEET_BUDGET_KB),
    ];
    files.extend(
        files_with_extension(bundle, "wasm")?
            .into_iter()
            .filter(|path| !path.ends_with(format!("{OUTPUT_NAME}.wasm")))
            .map(|path| (path, SPLIT_MODULE_BUDGET_KB)),
    );
    let mut over = Vec::new();
    for (path, budget) in files {
        let bytes = fs::read(&path).map_err(|e| e.to_string())?;
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let kilobytes = |bytes: &[u8]| bytes.len() as f64 / 1024.0;
        if compressed {
            let brotli = kilobytes(&brotli(&bytes)?);
            let verdict = if brotli > budget { "OVER" } else { "ok" };
            println!(
                "xtask:   {name:<32} raw {:>7.1} KB   gzip {:>6.1} KB   brotli {brotli:>6.1} KB   budget {budget:>5.1} KB {verdict}",
                kilobytes(&bytes),
                kilobytes(&gzip(&bytes)?),
            );
            if brotli > budget {
                over.push(format!("{name} is {brotli:.1} KB brotli, over its {budget:.1} KB"));
            }
        } else {
            println!("xtask:   {name:<32} raw {:>7.1} KB", kilobytes(&bytes));
        }
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!("the bundle is over its size budget: {}", over.join("; ")))
    }
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
        // The journey spec plays a whole training in seconds through the simulator; the rule
        // that holds such a completion for an operator has tests of its own.
        env.vars.push(("PRAKERJA_MIN_STUDY_PERCENT", "0".into()));
        env
    }

    /// Sets (or overrides) one variable.
    pub fn set(&mut self, name: &'static str, value: &str) {
        self.vars.retain(|(kept, _)| *kept != name);
        self.vars.push((name, value.to_owned()));
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
