//! A drawn wave's public files (the frozen pool and the result, CSV) kept on this machine's disk
//! and served as static files: a slow reader holds a file handle, never a database connection.
//!
//! Each file is stored under its SHA-256 digest, the one the wave publishes (`pool_digest`,
//! `result_digest`): its name says what it holds, so a file can never be served for the wrong
//! wave or a recreated database, and the digest is its ETag. Every portal process writes its own
//! copy once, right after the close (a job looks for drawn waves every few seconds), or at the
//! first request if that comes sooner; a gzip copy sits beside it for clients that take it.
//! Which digest a wave has is asked of the database once per process and then remembered (a
//! drawn wave never changes).

use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
    sync::Mutex,
};

use app::{error::AppError, waves::db::PublishedFile};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

#[derive(Debug)]
pub struct PublishedFiles {
    dir: PathBuf,
    /// (wave, file) → digest, for drawn waves.
    digests: Mutex<HashMap<(i32, Kind), String>>,
    /// One file written at a time per process: writing streams from the database, and a crowd
    /// asking for a new file waits for the one copy rather than each streaming its own.
    writing: tokio::sync::Mutex<()>,
}

/// `PublishedFile`, hashable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Pool,
    Result,
}

impl From<PublishedFile> for Kind {
    fn from(file: PublishedFile) -> Kind {
        match file {
            PublishedFile::Pool => Kind::Pool,
            PublishedFile::Result => Kind::Result,
        }
    }
}

/// A file ready to be served.
pub struct Ready {
    pub path: PathBuf,
    pub digest: String,
}

impl PublishedFiles {
    pub fn new(dir: PathBuf) -> PublishedFiles {
        PublishedFiles {
            dir,
            digests: Mutex::new(HashMap::new()),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// The default place: under the system's temporary directory. Files are named by their
    /// digest, so processes and databases may share it.
    pub fn in_temp_dir() -> PublishedFiles {
        PublishedFiles::new(std::env::temp_dir().join("prakerja-published"))
    }

    fn path_of(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.csv"))
    }

    /// The file on disk, written first if this process has not yet; `None` when the wave does
    /// not exist or has not been drawn.
    pub async fn ready(&self, pool: &PgPool, wave_id: i32, file: PublishedFile) -> Result<Option<Ready>, AppError> {
        let Some(digest) = self.digest(pool, wave_id, file).await? else {
            return Ok(None);
        };
        let path = self.path_of(&digest);
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            let _one_writer = self.writing.lock().await;
            if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
                self.write(pool, wave_id, file, &digest, &path).await?;
            }
        }
        Ok(Some(Ready { path, digest }))
    }

    async fn digest(&self, pool: &PgPool, wave_id: i32, file: PublishedFile) -> Result<Option<String>, AppError> {
        let key = (wave_id, Kind::from(file));
        if let Some(digest) = self.digests.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(Some(digest.clone()));
        }
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("select pool_digest, result_digest from waves where id = $1 and drawn_at is not null")
                .bind(wave_id)
                .fetch_optional(pool)
                .await?;
        let Some((Some(pool_digest), Some(result_digest))) = row else {
            return Ok(None);
        };
        let mut digests = self.digests.lock().unwrap_or_else(|e| e.into_inner());
        digests.insert((wave_id, Kind::Pool), pool_digest.clone());
        digests.insert((wave_id, Kind::Result), result_digest.clone());
        Ok(Some(match file {
            PublishedFile::Pool => pool_digest,
            PublishedFile::Result => result_digest,
        }))
    }

    /// Streams the file from the database into a temporary name with its gzip copy, checks the
    /// digest, then renames: a file under its final name is always whole and right.
    async fn write(
        &self,
        pool: &PgPool,
        wave_id: i32,
        file: PublishedFile,
        digest: &str,
        path: &Path,
    ) -> Result<(), AppError> {
        use futures_util::StreamExt;
        let Some(mut stream) = app::waves::db::published_file(pool, wave_id, file).await? else {
            return Err(AppError::internal("a drawn wave without its file"));
        };
        let io = |error: std::io::Error| AppError::internal(format!("writing a published file: {error}"));
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        let partial = path.with_extension(format!("csv.partial-{}", std::process::id()));
        let partial_gz = path.with_extension(format!("csv.gz.partial-{}", std::process::id()));
        let mut plain = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(io)?);
        let mut gzip = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(std::fs::File::create(&partial_gz).map_err(io)?),
            flate2::Compression::default(),
        );
        let mut hasher = Sha256::new();
        let written: Result<(), AppError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                // A chunk is compressed in milliseconds: fine inline for a job that runs once
                // per wave and process.
                plain.write_all(&chunk).map_err(io)?;
                gzip.write_all(&chunk).map_err(io)?;
            }
            Ok(())
        }
        .await;
        let finished = written.and_then(|()| {
            plain
                .into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
            gzip.finish()
                .map_err(io)?
                .into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
            if hex::encode(hasher.finalize()) != digest {
                return Err(AppError::internal(format!(
                    "wave {wave_id}: the file does not match its published digest"
                )));
            }
            let gz_path = path.with_extension("csv.gz");
            std::fs::rename(&partial_gz, gz_path).map_err(io)?;
            std::fs::rename(&partial, path).map_err(io)
        });
        if finished.is_err() {
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(&partial_gz);
        }
        finished
    }

    /// Writes the files of every drawn wave this process has not written yet (the job after a
    /// close). Returns how many waves were looked at.
    pub async fn write_drawn(&self, pool: &PgPool) -> Result<usize, AppError> {
        let drawn: Vec<i32> = sqlx::query_scalar("select id from waves where drawn_at is not null order by id")
            .fetch_all(pool)
            .await?;
        for &wave_id in &drawn {
            for file in [PublishedFile::Pool, PublishedFile::Result] {
                self.ready(pool, wave_id, file).await?;
            }
        }
        Ok(drawn.len())
    }
}
