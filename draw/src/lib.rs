//! The draw of a wave, defined precisely enough that anyone can reimplement it.
//!
//! * The **pool** is the applicants still eligible when the wave closes, each as a pseudonymous
//!   draw id (16 lowercase hexadecimal digits, drawn at random when the applicant joined the
//!   wave; never a NIK) and a priority tier (1 is served first). The pool file is the line
//!   `draw_id,tier` followed by one line `<draw id>,<tier>` per applicant, sorted by draw id,
//!   every line ending in `\n`. The **pool digest** is the SHA-256 of that file, byte for byte.
//! * The **seed** is a public randomness value committed to before it existed; it is used as
//!   the UTF-8 text that was entered (spaces at either end removed).
//! * **Ranking**: each applicant's key is SHA-256(seed `:` draw id), the draw id as its 16
//!   digits of text. Applicants are ordered by tier, then by key (as bytes), then by draw id;
//!   rank 1 is the first. The first `quota` ranks are selected.
//! * The **result file** is the line `rank,draw_id,tier` followed by one line
//!   `<rank>,<draw id>,<tier>` per selected applicant in rank order; the **result digest** is
//!   its SHA-256.
//!
//! The verifier (`prakerja-verify`) recomputes both digests from the downloaded pool, the seed
//! and the quota, without the database.

use std::{collections::BTreeMap, fmt, io::Write};

use sha2::{Digest as _, Sha256};

pub const POOL_HEADER: &str = "draw_id,tier\n";
pub const RESULT_HEADER: &str = "rank,draw_id,tier\n";
/// Tiers are numbered from 1 (served first).
pub const MAX_TIER: u16 = 99;
pub const MAX_SEED_CHARS: usize = 300;

/// An applicant's pseudonymous id in one wave: a random number below 2^63, written as 16
/// lowercase hexadecimal digits (so that text order and number order agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DrawId(u64);

impl DrawId {
    pub fn from_i64(value: i64) -> Option<DrawId> {
        u64::try_from(value).ok().map(DrawId)
    }

    pub fn as_i64(self) -> i64 {
        // Below 2^63 by construction.
        self.0 as i64
    }

    pub fn parse(text: &str) -> Result<DrawId, String> {
        let well_formed = text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(format!("draw id {text:?} is not 16 lowercase hexadecimal digits"));
        }
        let value = u64::from_str_radix(text, 16).map_err(|e| e.to_string())?;
        if value > i64::MAX as u64 {
            return Err(format!("draw id {text} is 2^63 or more"));
        }
        Ok(DrawId(value))
    }

    /// The 16 digits, as the ranking key and the files have them.
    pub fn digits(self) -> [u8; 16] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = HEX[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }
}

impl fmt::Display for DrawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A priority tier, 1 to `MAX_TIER`; lower numbers are served first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tier(u16);

impl Tier {
    pub fn new(value: u16) -> Option<Tier> {
        (1..=MAX_TIER).contains(&value).then_some(Tier(value))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    fn parse(text: &str) -> Result<Tier, String> {
        let canonical = !text.is_empty() && !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit());
        canonical
            .then(|| text.parse::<u16>().ok())
            .flatten()
            .and_then(Tier::new)
            .ok_or_else(|| format!("tier {text:?} is not a number from 1 to {MAX_TIER}"))
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    pub draw_id: DrawId,
    pub tier: Tier,
}

/// The public randomness the draw uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed(String);

impl Seed {
    pub fn parse(text: &str) -> Result<Seed, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the seed is empty".into());
        }
        if text.chars().count() > MAX_SEED_CHARS {
            return Err(format!("the seed is longer than {MAX_SEED_CHARS} characters"));
        }
        if text.chars().any(char::is_control) {
            return Err("the seed contains a line break or control character".into());
        }
        Ok(Seed(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SHA-256 digest, shown as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn parse(text: &str) -> Result<Digest, String> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| format!("{text:?} is not a SHA-256 digest in hexadecimal"))?;
        Ok(Digest(bytes))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// A line of a file that does not follow the format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// 1-based, the header being line 1.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for FileError {}

/// The frozen pool: entries sorted by draw id, each id once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    entries: Vec<PoolEntry>,
}

impl Pool {
    /// Sorts the entries; refuses a draw id given twice.
    pub fn new(mut entries: Vec<PoolEntry>) -> Result<Pool, DrawId> {
        entries.sort_unstable_by_key(|e| e.draw_id);
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].draw_id == pair[1].draw_id) {
            return Err(pair[0].draw_id);
        }
        Ok(Pool { entries })
    }

    /// Reads a pool file. It must be exactly what `write` produces: the header, canonical
    /// numbers, ids in increasing order, and `\n` after every line.
    pub fn parse(text: &str) -> Result<Pool, FileError> {
        let body = text.strip_prefix(POOL_HEADER).ok_or(FileError {
            line: 1,
            reason: format!("the first line must be {:?}", POOL_HEADER.trim_end()),
        })?;
        let mut entries = Vec::with_capacity(body.len() / 19);
        for (index, line) in split_lines(body)?.enumerate() {
            let number = index + 2;
            let error = |reason: String| FileError { line: number, reason };
            let (id, tier) = line
                .split_once(',')
                .ok_or_else(|| error("expected <draw id>,<tier>".into()))?;
            let entry = PoolEntry {
                draw_id: DrawId::parse(id).map_err(error)?,
                tier: Tier::parse(tier).map_err(error)?,
            };
            if let Some(previous) = entries.last().map(|e: &PoolEntry| e.draw_id) {
                if entry.draw_id <= previous {
                    return Err(error(format!(
                        "draw id {} is not greater than the line before",
                        entry.draw_id
                    )));
                }
            }
            entries.push(entry);
        }
        Ok(Pool { entries })
    }

    pub fn entries(&self) -> &[PoolEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many applicants each tier has.
    pub fn tier_counts(&self) -> BTreeMap<Tier, u64> {
        let mut counts = BTreeMap::new();
        for entry in &self.entries {
            *counts.entry(entry.tier).or_insert(0) += 1;
        }
        counts
    }

    /// The pool file, byte for byte.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(POOL_HEADER.as_bytes())?;
        let mut line = Vec::with_capacity(24);
        for entry in &self.entries {
            line.clear();
            pool_line(entry, &mut line);
            out.write_all(&line)?;
        }
        Ok(())
    }

    pub fn digest(&self) -> Digest {
        let mut hasher = HashingWriter::default();
        self.write(&mut hasher).expect("hashing never fails");
        hasher.finish()
    }
}

/// One line of the pool file.
pub fn pool_line(entry: &PoolEntry, out: &mut Vec<u8>) {
    out.extend_from_slice(&entry.draw_id.digits());
    out.push(b',');
    push_number(u64::from(entry.tier.0), out);
    out.push(b'\n');
}

/// One line of the result file.
pub fn result_line(rank: u64, entry: &PoolEntry, out: &mut Vec<u8>) {
    push_number(rank, out);
    out.push(b',');
    out.extend_from_slice(&entry.draw_id.digits());
    out.push(b',');
    push_number(u64::from(entry.tier.0), out);
    out.push(b'\n');
}

fn push_number(value: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Lines that each end in `\n` (a last line without one is refused: the digest depends on it).
fn split_lines(body: &str) -> Result<impl Iterator<Item = &str>, FileError> {
    if !body.is_empty() && !body.ends_with('\n') {
        return Err(FileError {
            line: body.matches('\n').count() + 2,
            reason: "the last line does not end with a line break".into(),
        });
    }
    Ok(body.split_terminator('\n'))
}

/// SHA-256 of everything written to it.
#[derive(Default)]
pub struct HashingWriter {
    hasher: Sha256,
}

impl HashingWriter {
    pub fn finish(self) -> Digest {
        Digest(self.hasher.finalize().into())
    }
}

impl Write for HashingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SHA-256(seed `:` draw id).
pub fn ranking_key(seed: &Seed, draw_id: DrawId) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed.0.as_bytes());
    hasher.update(b":");
    hasher.update(draw_id.digits());
    hasher.finalize().into()
}

/// The whole pool in rank order (rank 1 first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking {
    ranked: Vec<PoolEntry>,
    /// Where each ranked entry is in the pool (`pool.entries()[pool_positions[0]]` has rank 1).
    pool_positions: Vec<usize>,
}

/// What sorting compares: tier, then key, then id. The pool position comes last and never
/// decides anything (draw ids are unique in a pool); it is carried along for the caller.
type SortKey = (Tier, [u8; 32], DrawId, usize);

impl Ranking {
    /// Ranks the pool with the seed. The keys are hashed and sorted on every core; the order
    /// does not depend on how the work is split.
    pub fn new(pool: &Pool, seed: &Seed) -> Ranking {
        let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
        let chunk = pool.entries.len().div_ceil(threads).max(1);
        let mut sorted_chunks: Vec<Vec<SortKey>> = std::thread::scope(|scope| {
            let workers: Vec<_> = pool
                .entries
                .chunks(chunk)
                .enumerate()
                .map(|(number, entries)| {
                    scope.spawn(move || {
                        let first = number * chunk;
                        let mut keys: Vec<SortKey> = entries
                            .iter()
                            .enumerate()
                            .map(|(i, e)| (e.tier, ranking_key(seed, e.draw_id), e.draw_id, first + i))
                            .collect();
                        keys.sort_unstable();
                        keys
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("ranking thread")).collect()
        });
        while sorted_chunks.len() > 1 {
            let right = sorted_chunks.pop().expect("two chunks");
            let left = sorted_chunks.pop().expect("two chunks");
            sorted_chunks.push(merge(left, right));
            sorted_chunks.rotate_right(1);
        }
        let sorted = sorted_chunks.pop().unwrap_or_default();
        let ranked = sorted
            .iter()
            .map(|(tier, _, draw_id, _)| PoolEntry {
                draw_id: *draw_id,
                tier: *tier,
            })
            .collect();
        let pool_positions = sorted.iter().map(|(_, _, _, position)| *position).collect();
        Ranking { ranked, pool_positions }
    }

    /// Where each entry is in the pool, in rank order: `pool_positions()[0]` is the position
    /// in `pool.entries()` of rank 1.
    pub fn pool_positions(&self) -> &[usize] {
        &self.pool_positions
    }

    /// The rank (1-based) of each pool entry, in the pool's order.
    pub fn ranks_in_pool_order(&self) -> Vec<u64> {
        let mut ranks = vec![0; self.pool_positions.len()];
        for (index, position) in self.pool_positions.iter().enumerate() {
            ranks[*position] = index as u64 + 1;
        }
        ranks
    }

    /// Everyone, in rank order: `ranked()[0]` has rank 1.
    pub fn ranked(&self) -> &[PoolEntry] {
        &self.ranked
    }

    /// The selected applicants: the first `quota` ranks.
    pub fn selected(&self, quota: u64) -> &[PoolEntry] {
        let taken = usize::try_from(quota).unwrap_or(usize::MAX).min(self.ranked.len());
        &self.ranked[..taken]
    }

    /// The rank of one draw id (1-based).
    pub fn rank_of(&self, draw_id: DrawId) -> Option<u64> {
        self.ranked
            .iter()
            .position(|e| e.draw_id == draw_id)
            .map(|i| i as u64 + 1)
    }

    /// The result file, byte for byte.
    pub fn write_result(&self, quota: u64, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(RESULT_HEADER.as_bytes())?;
        let mut line = Vec::with_capacity(32);
        for (index, entry) in self.selected(quota).iter().enumerate() {
            line.clear();
            result_line(index as u64 + 1, entry, &mut line);
            out.write_all(&line)?;
        }
        Ok(())
    }

    pub fn result_digest(&self, quota: u64) -> Digest {
        let mut hasher = HashingWriter::default();
        self.write_result(quota, &mut hasher).expect("hashing never fails");
        hasher.finish()
    }
}

fn merge(left: Vec<SortKey>, right: Vec<SortKey>) -> Vec<SortKey> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => l <= r,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return merged,
        };
        let next = if take_left { left.next() } else { right.next() };
        merged.extend(next);
    }
}

/// What the verifier found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub pool_digest: Digest,
    pub pool_size: usize,
    pub tier_counts: BTreeMap<Tier, u64>,
    pub selected: usize,
    /// The result recomputed from the pool and the seed.
    pub result_digest: Digest,
    /// The digest of the downloaded result file, when one was given.
    pub downloaded_result_digest: Option<Digest>,
    pub ranking: Ranking,
}

impl Verification {
    /// Whether the downloaded result (if any) is exactly the recomputed one.
    pub fn result_matches(&self) -> Option<bool> {
        self.downloaded_result_digest.map(|d| d == self.result_digest)
    }
}

/// Recomputes a draw from its published pool file, seed and quota; compares with the
/// published result file when given.
pub fn verify(pool_file: &str, seed: &str, quota: u64, result_file: Option<&[u8]>) -> Result<Verification, String> {
    let pool = Pool::parse(pool_file).map_err(|e| format!("pool file: {e}"))?;
    let seed = Seed::parse(seed)?;
    let ranking = Ranking::new(&pool, &seed);
    let downloaded_result_digest = result_file.map(|bytes| {
        let mut hasher = HashingWriter::default();
        hasher.write_all(bytes).expect("hashing never fails");
        hasher.finish()
    });
    Ok(Verification {
        pool_digest: pool.digest(),
        pool_size: pool.len(),
        tier_counts: pool.tier_counts(),
        selected: ranking.selected(quota).len(),
        result_digest: ranking.result_digest(quota),
        downloaded_result_digest,
        ranking,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, tier: u16) -> PoolEntry {
        PoolEntry {
            draw_id: DrawId(id),
            tier: Tier::new(tier).unwrap(),
        }
    }

    fn seed(text: &str) -> Seed {
        Seed::parse(text).unwrap()
    }

    #[test]
    fn draw_ids_are_sixteen_lowercase_digits_below_two_to_the_63() {
        assert_eq!(DrawId(0x1f).to_string(), "000000000000001f");
        assert_eq!(std::str::from_utf8(&DrawId(0x1f).digits()).unwrap(), "000000000000001f");
        assert_eq!(DrawId::parse("7fffffffffffffff"), Ok(DrawId(i64::MAX as u64)));
        assert!(DrawId::parse("8000000000000000").is_err());
        assert!(DrawId::parse("000000000000001F").is_err());
        assert!(DrawId::parse("00000000000001f").is_err());
        assert!(DrawId::from_i64(-1).is_none());
    }

    #[test]
    fn the_ranking_key_is_sha256_of_seed_colon_id() {
        // printf 'contoh:0000000000000001' | sha256sum
        assert_eq!(
            hex::encode(ranking_key(&seed("contoh"), DrawId(1))),
            "ebda22cd886fa6a85d45be3d14026cd5abfaa7406571e4c5ec08708fbebef596"
        );
    }

    #[test]
    fn tiers_come_first_then_keys_then_ids() {
        let pool = Pool::new((1..=50).map(|i| entry(i, if i % 5 == 0 { 1 } else { 2 })).collect()).unwrap();
        let ranking = Ranking::new(&pool, &seed("s"));
        let ranked = ranking.ranked();
        assert_eq!(ranked.len(), 50);
        assert!(ranked[..10].iter().all(|e| e.tier.get() == 1));
        assert!(ranked[10..].iter().all(|e| e.tier.get() == 2));
        for pair in ranked.windows(2) {
            if pair[0].tier == pair[1].tier {
                assert!(ranking_key(&seed("s"), pair[0].draw_id) < ranking_key(&seed("s"), pair[1].draw_id));
            }
        }
    }

    #[test]
    fn the_ranking_does_not_depend_on_input_order_or_threads() {
        let entries: Vec<PoolEntry> = (0..10_001)
            .map(|i| entry(i * 7919 % 100_003, 1 + (i % 3) as u16))
            .collect();
        let mut reversed = entries.clone();
        reversed.reverse();
        let a = Ranking::new(&Pool::new(entries).unwrap(), &seed("x"));
        let b = Ranking::new(&Pool::new(reversed).unwrap(), &seed("x"));
        assert_eq!(a, b);
        let mut single: Vec<(Tier, [u8; 32], DrawId)> = a
            .ranked()
            .iter()
            .map(|e| (e.tier, ranking_key(&seed("x"), e.draw_id), e.draw_id))
            .collect();
        single.sort_unstable();
        assert_eq!(
            single.iter().map(|k| k.2).collect::<Vec<_>>(),
            a.ranked().iter().map(|e| e.draw_id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn another_seed_gives_another_order() {
        let pool = Pool::new((0..100).map(|i| entry(i, 1)).collect()).unwrap();
        assert_ne!(Ranking::new(&pool, &seed("a")), Ranking::new(&pool, &seed("b")));
    }

    #[test]
    fn the_quota_takes_the_first_ranks_or_everyone_when_the_pool_is_smaller() {
        let pool = Pool::new((0..10).map(|i| entry(i, 1)).collect()).unwrap();
        let ranking = Ranking::new(&pool, &seed("q"));
        assert_eq!(ranking.selected(3), &ranking.ranked()[..3]);
        assert_eq!(ranking.selected(100).len(), 10);
        assert_eq!(ranking.selected(0).len(), 0);
        assert_eq!(ranking.rank_of(ranking.ranked()[4].draw_id), Some(5));
    }

    #[test]
    fn pool_positions_and_ranks_point_at_the_same_entries() {
        let pool = Pool::new((0..5_000).map(|i| entry(i * 13 + 7, 1 + (i % 2) as u16)).collect()).unwrap();
        let ranking = Ranking::new(&pool, &seed("posisi"));
        let ranks = ranking.ranks_in_pool_order();
        for (index, entry) in ranking.ranked().iter().enumerate() {
            let position = ranking.pool_positions()[index];
            assert_eq!(pool.entries()[position], *entry);
            assert_eq!(ranks[position], index as u64 + 1);
            assert_eq!(ranking.rank_of(entry.draw_id), Some(index as u64 + 1));
        }
    }

    #[test]
    fn a_pool_file_reads_back_to_the_same_bytes() {
        let pool = Pool::new(vec![entry(0xabc, 2), entry(5, 1), entry(0x7fff_ffff_ffff_ffff, 1)]).unwrap();
        let mut file = Vec::new();
        pool.write(&mut file).unwrap();
        let text = String::from_utf8(file).unwrap();
        assert_eq!(
            text,
            "draw_id,tier\n0000000000000005,1\n0000000000000abc,2\n7fffffffffffffff,1\n"
        );
        assert_eq!(Pool::parse(&text).unwrap(), pool);
    }

    #[test]
    fn pool_files_that_would_hash_differently_are_refused() {
        let refused = [
            ("draw_id,tier\n0000000000000005,1", 2),     // no final line break
            ("draw_id,tier\r\n0000000000000005,1\n", 1), // CRLF
            ("draw_id,tier\n0000000000000005,01\n", 2),  // leading zero
            ("draw_id,tier\n0000000000000006,1\n0000000000000005,1\n", 3), // not sorted
            ("draw_id,tier\n0000000000000005,1\n0000000000000005,2\n", 3), // twice
            ("draw_id,tier\n0000000000000005,1,x\n", 2),
            ("draw_id,tier\n0000000000000005,100\n", 2),
        ];
        for (text, line) in refused {
            assert_eq!(Pool::parse(text).map_err(|e| e.line), Err(line), "{text:?}");
        }
        assert!(Pool::new(vec![entry(1, 1), entry(1, 2)]).is_err());
    }

    #[test]
    fn seeds_are_trimmed_and_must_be_one_printable_line() {
        assert_eq!(seed("  abc ").as_str(), "abc");
        assert!(Seed::parse("").is_err());
        assert!(Seed::parse("a\nb").is_err());
        assert!(Seed::parse(&"x".repeat(MAX_SEED_CHARS + 1)).is_err());
    }
}
