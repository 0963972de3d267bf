//! PostgreSQL's binary COPY format, for the few bulk writes and reads that move millions of
//! rows (the close of a wave). Binary skips the server's text parsing: a million cards or four
//! million ranks go in as bytes the server copies, not numbers it reads digit by digit.
//! Format: <https://www.postgresql.org/docs/current/sql-copy.html> ("Binary Format").

use chrono::{DateTime, Utc};
use uuid::Uuid;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// The header: signature, flags (no OIDs), no extension area.
const HEADER_LEN: usize = 11 + 4 + 4;

/// Element type OIDs of the arrays written here (fixed in PostgreSQL's catalog).
const INT2_OID: u32 = 21;
const INT4_OID: u32 = 23;
const INT8_OID: u32 = 20;
const UUID_OID: u32 = 2950;

/// How much a bulk COPY gathers before sending it on (`BinaryCopyWriter::take`).
pub const SEND_AT: usize = 1 << 20;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Builds the body of a `COPY … FROM STDIN WITH (FORMAT binary)`, a row at a time.
pub struct BinaryCopyWriter {
    buffer: Vec<u8>,
}

impl BinaryCopyWriter {
    pub fn new() -> BinaryCopyWriter {
        let mut buffer = Vec::with_capacity(SEND_AT);
        buffer.extend_from_slice(SIGNATURE);
        buffer.extend_from_slice(&0u32.to_be_bytes());
        buffer.extend_from_slice(&0u32.to_be_bytes());
        BinaryCopyWriter { buffer }
    }

    /// Starts a row of `fields` fields; the caller then writes exactly that many.
    pub fn row(&mut self, fields: u16) {
        self.buffer.extend_from_slice(&fields.to_be_bytes());
    }

    fn field(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        self.buffer.extend_from_slice(bytes);
    }

    pub fn int4(&mut self, value: i32) {
        self.field(&value.to_be_bytes());
    }

    pub fn int8(&mut self, value: i64) {
        self.field(&value.to_be_bytes());
    }

    pub fn uuid(&mut self, value: Uuid) {
        self.field(value.as_bytes());
    }

    /// text, varchar or char(n) (whose binary form is the text itself).
    pub fn text(&mut self, value: &str) {
        self.field(value.as_bytes());
    }

    pub fn timestamptz(&mut self, value: DateTime<Utc>) {
        self.int8(value.timestamp_micros() - POSTGRES_EPOCH_MICROS);
    }

    fn array<const N: usize>(&mut self, element_oid: u32, values: impl ExactSizeIterator<Item = [u8; N]>) {
        let count = values.len();
        let length = 20 + count * (4 + N);
        self.buffer.extend_from_slice(&(length as u32).to_be_bytes());
        self.buffer.extend_from_slice(&1u32.to_be_bytes()); // one dimension
        self.buffer.extend_from_slice(&0u32.to_be_bytes()); // no nulls
        self.buffer.extend_from_slice(&element_oid.to_be_bytes());
        self.buffer.extend_from_slice(&(count as u32).to_be_bytes());
        self.buffer.extend_from_slice(&1u32.to_be_bytes()); // lower bound
        for value in values {
            self.buffer.extend_from_slice(&(N as u32).to_be_bytes());
            self.buffer.extend_from_slice(&value);
        }
    }

    pub fn int2_array(&mut self, values: impl ExactSizeIterator<Item = i16>) {
        self.array(INT2_OID, values.map(i16::to_be_bytes));
    }

    pub fn int4_array(&mut self, values: impl ExactSizeIterator<Item = i32>) {
        self.array(INT4_OID, values.map(i32::to_be_bytes));
    }

    pub fn int8_array(&mut self, values: impl ExactSizeIterator<Item = i64>) {
        self.array(INT8_OID, values.map(i64::to_be_bytes));
    }

    pub fn uuid_array(&mut self, values: impl ExactSizeIterator<Item = Uuid>) {
        self.array(UUID_OID, values.map(Uuid::into_bytes));
    }

    /// How much is waiting to be sent.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// What is written so far, to send as one chunk of the COPY; the writer goes on empty.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.buffer, Vec::with_capacity(SEND_AT))
    }

    /// The rest, with the trailer that ends the data.
    pub fn finish(mut self) -> Vec<u8> {
        self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
        self.buffer
    }
}

impl Default for BinaryCopyWriter {
    fn default() -> Self {
        BinaryCopyWriter::new()
    }
}

/// Reads the rows of a `COPY (…) TO STDOUT WITH (FORMAT binary)` whose columns are all of
/// fixed size (`field_sizes`, in bytes), fed chunk by chunk as they arrive.
pub struct FixedRowReader {
    field_sizes: Vec<usize>,
    pending: Vec<u8>,
    header_read: bool,
    finished: bool,
}

#[derive(Debug)]
pub struct CopyFormatError(&'static str);

impl std::fmt::Display for CopyFormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "binary COPY: {}", self.0)
    }
}

impl std::error::Error for CopyFormatError {}

impl FixedRowReader {
    pub fn new(field_sizes: &[usize]) -> FixedRowReader {
        FixedRowReader {
            field_sizes: field_sizes.to_vec(),
            pending: Vec::new(),
            header_read: false,
            finished: false,
        }
    }

    fn row_len(&self) -> usize {
        2 + self.field_sizes.iter().map(|size| 4 + size).sum::<usize>()
    }

    /// Hands each complete row's fields (without their length words, in column order) to
    /// `each_row`; keeps a row split across chunks for the next one.
    pub fn feed(&mut self, chunk: &[u8], mut each_row: impl FnMut(&[&[u8]])) -> Result<(), CopyFormatError> {
        self.pending.extend_from_slice(chunk);
        let mut at = 0;
        if !self.header_read {
            if self.pending.len() < HEADER_LEN {
                return Ok(());
            }
            if &self.pending[..11] != SIGNATURE || self.pending[15..19] != [0, 0, 0, 0] {
                return Err(CopyFormatError("unexpected header"));
            }
            self.header_read = true;
            at = HEADER_LEN;
        }
        let row_len = self.row_len();
        let mut fields: Vec<&[u8]> = Vec::with_capacity(self.field_sizes.len());
        while self.pending.len() - at >= 2 {
            let count = i16::from_be_bytes([self.pending[at], self.pending[at + 1]]);
            if count == -1 {
                self.finished = true;
                at += 2;
                break;
            }
            if count as usize != self.field_sizes.len() {
                return Err(CopyFormatError("unexpected number of columns"));
            }
            if self.pending.len() - at < row_len {
                break;
            }
            fields.clear();
            let mut field_at = at + 2;
            for size in &self.field_sizes {
                let length = i32::from_be_bytes(
                    self.pending[field_at..field_at + 4]
                        .try_into()
                        .map_err(|_| CopyFormatError("short field"))?,
                );
                if length != *size as i32 {
                    return Err(CopyFormatError("a field of unexpected size (or null)"));
                }
                fields.push(&self.pending[field_at + 4..field_at + 4 + size]);
                field_at += 4 + size;
            }
            each_row(&fields);
            at += row_len;
        }
        self.pending.drain(..at);
        Ok(())
    }

    /// Whether the trailer came and nothing is left over.
    pub fn finish(self) -> Result<(), CopyFormatError> {
        if self.finished && self.pending.is_empty() {
            Ok(())
        } else {
            Err(CopyFormatError("the data ended early"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_row_reads_back() {
        let mut writer = BinaryCopyWriter::new();
        writer.row(2);
        writer.int8(-5);
        writer.uuid(Uuid::from_u128(7));
        let bytes = writer.finish();
        let mut reader = FixedRowReader::new(&[8, 16]);
        let mut rows = Vec::new();
        // Byte by byte: every split of a row across chunks.
        for byte in &bytes {
            reader
                .feed(std::slice::from_ref(byte), |fields| {
                    rows.push((
                        i64::from_be_bytes(fields[0].try_into().unwrap()),
                        Uuid::from_slice(fields[1]).unwrap(),
                    ))
                })
                .unwrap();
        }
        reader.finish().unwrap();
        assert_eq!(rows, vec![(-5, Uuid::from_u128(7))]);
    }

    #[test]
    fn a_cut_off_copy_is_an_error() {
        let mut writer = BinaryCopyWriter::new();
        writer.row(1);
        writer.int8(1);
        let bytes = writer.finish();
        let mut reader = FixedRowReader::new(&[8]);
        reader.feed(&bytes[..bytes.len() - 2], |_| {}).unwrap();
        assert!(reader.finish().is_err());
    }

    #[test]
    fn timestamps_count_from_2000() {
        let mut writer = BinaryCopyWriter::new();
        writer.timestamptz(DateTime::parse_from_rfc3339("2000-01-01T00:00:01Z").unwrap().to_utc());
        assert_eq!(
            &writer.finish()[HEADER_LEN..HEADER_LEN + 12],
            &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]
        );
    }
}
