//! "Data saya" as an A4 PDF: a title, then each section's heading and its records, a label and
//! its value a line (long values wrapped under their label), on as many pages as it takes.

use std::fmt::Write as _;

use super::Section;
use crate::pdf::{literal, wrap, Font, MARGIN, PAGE_HEIGHT, PAGE_WIDTH};

const SIZE: f32 = 9.5;
const LEADING: f32 = 13.0;
const LABEL_WIDTH: f32 = 150.0;

/// Pages of text, a line at a time from the top; a new page when one is full.
struct Pages {
    done: Vec<String>,
    page: String,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            done: Vec::new(),
            page: String::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    /// Room for `lines` more lines, or a new page.
    fn room(&mut self, lines: usize) {
        if self.y - lines as f32 * LEADING < MARGIN {
            self.done.push(std::mem::take(&mut self.page));
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn text(&mut self, font: Font, size: f32, x: f32, text: &str) {
        let _ = writeln!(
            self.page,
            "BT /{} {size} Tf {x:.1} {:.1} Td {} Tj ET",
            font.resource(),
            self.y,
            literal(text)
        );
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.room(3);
        self.y -= LEADING * 0.5;
        self.text(Font::Bold, size, MARGIN, text);
        self.y -= LEADING * 1.4;
    }

    fn field(&mut self, label: &str, value: &str) {
        let value_width = PAGE_WIDTH - 2.0 * MARGIN - LABEL_WIDTH;
        let lines = wrap(Font::Regular, SIZE, value, value_width);
        let lines = if lines.is_empty() { vec![String::new()] } else { lines };
        self.room(1);
        for (index, line) in lines.iter().enumerate() {
            if index > 0 {
                self.room(1);
            }
            if index == 0 {
                self.text(Font::Bold, SIZE, MARGIN, label);
            }
            self.text(Font::Regular, SIZE, MARGIN + LABEL_WIDTH, line);
            self.y -= LEADING;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.page.is_empty() {
            self.done.push(self.page);
        }
        self.done
    }
}

pub fn document(title: &str, sections: &[Section]) -> Vec<u8> {
    let mut pages = Pages::new();
    pages.heading(title, 14.0);
    for section in sections {
        pages.heading(&section.heading, 12.0);
        if section.records.is_empty() {
            pages.field("", "Tidak ada.");
        }
        for (index, record) in section.records.iter().enumerate() {
            if index > 0 {
                pages.y -= LEADING * 0.5;
            }
            for (label, value) in record {
                pages.field(label, value);
            }
        }
    }
    crate::pdf::file(&pages.finish(), title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_document_runs_over_pages_and_keeps_every_value() {
        let records: Vec<Vec<(String, String)>> = (0..120)
            .map(|n| {
                vec![
                    ("Kode".to_owned(), format!("VOUCHER-{n:03}")),
                    ("Isi".to_owned(), "kata ".repeat(60)),
                ]
            })
            .collect();
        let sections = vec![Section {
            heading: "Pembelian pelatihan".into(),
            records,
        }];
        let file = document("Data saya · PK-AAAA-BBBB", &sections);
        let text = String::from_utf8_lossy(&file).into_owned();
        let pages = text.matches("/Type /Page ").count();
        assert!(pages > 3, "{pages} pages");
        assert!(text.contains(&format!("/Count {pages}")));
        for n in [0, 59, 119] {
            assert!(text.contains(&format!("(VOUCHER-{n:03}) Tj")), "{n}");
        }
        assert!(text.ends_with("%%EOF\n"));
    }
}
