//! The files a closed wave publishes, in the exact bytes the `draw` crate hashes.

use draw::{DrawId, PoolEntry, Tier};
use sqlx::PgPool;

use crate::error::AppError;

/// The files a closed wave publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedFile {
    Pool,
    Result,
}

/// A closed wave's pool or result file, streamed from the database in the exact bytes the
/// `draw` crate hashes; `None` when the wave does not exist or has not been drawn.
pub async fn published_file(
    pool: &PgPool,
    wave_id: i32,
    file: PublishedFile,
) -> Result<Option<impl futures_util::Stream<Item = Result<Vec<u8>, AppError>> + Send + 'static>, AppError> {
    let drawn = sqlx::query_scalar!(
        "select drawn_at is not null as \"drawn!\" from waves where id = $1",
        wave_id
    )
    .fetch_optional(pool)
    .await?;
    if drawn != Some(true) {
        return Ok(None);
    }
    const CHUNK: usize = 256 * 1024;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, AppError>>(4);
    let pool = pool.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut buffer = Vec::with_capacity(CHUNK + 64);
        // (first rank or 0, draw ids, tiers) per block, in file order.
        let blocks = match file {
            PublishedFile::Pool => {
                buffer.extend_from_slice(draw::POOL_HEADER.as_bytes());
                sqlx::query!(
                    "select draw_ids, tiers from wave_rank_blocks where wave_id = $1 order by first_draw_id",
                    wave_id
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (0, r.draw_ids, r.tiers)))
                .boxed()
            }
            PublishedFile::Result => {
                buffer.extend_from_slice(draw::RESULT_HEADER.as_bytes());
                sqlx::query!(
                    "select first_rank, draw_ids, tiers from wave_result_blocks where wave_id = $1 order by first_rank",
                    wave_id
                )
                .fetch(&pool)
                .map(|row| row.map(|r| (r.first_rank, r.draw_ids, r.tiers)))
                .boxed()
            }
        };
        let mut blocks = blocks;
        while let Some(block) = blocks.next().await {
            let written = block.map_err(AppError::from).and_then(|(first_rank, ids, tiers)| {
                let bad = || AppError::internal("stored draw block out of range");
                for (offset, (draw_id, tier)) in ids.into_iter().zip(tiers).enumerate() {
                    let entry = PoolEntry {
                        draw_id: DrawId::from_i64(draw_id).ok_or_else(bad)?,
                        tier: u16::try_from(tier).ok().and_then(Tier::new).ok_or_else(bad)?,
                    };
                    match file {
                        PublishedFile::Pool => draw::pool_line(&entry, &mut buffer),
                        PublishedFile::Result => {
                            let rank = u64::try_from(first_rank).map_err(|_| bad())? + offset as u64;
                            draw::result_line(rank, &entry, &mut buffer)
                        }
                    }
                }
                Ok(())
            });
            if let Err(error) = written {
                let _ = sender.send(Err(error)).await;
                return;
            }
            if buffer.len() >= CHUNK && sender.send(Ok(std::mem::take(&mut buffer))).await.is_err() {
                return; // The download was abandoned.
            }
        }
        let _ = sender.send(Ok(buffer)).await;
    });
    // A receiver may be asked again after its end (compression layers do), unlike `unfold`.
    let mut receiver = receiver;
    Ok(Some(futures_util::stream::poll_fn(move |context| {
        receiver.poll_recv(context)
    })))
}
