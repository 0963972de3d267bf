//! The certificate as a one-page A4 PDF, written directly: PDF 1.4 with the two standard
//! Helvetica fonts every reader has (nothing embedded), text, and the QR code's modules as filled
//! squares. A few kilobytes, made in microseconds, with no PDF library or font file to ship.

use std::fmt::Write as _;

use super::printable::PrintableCertificate;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 72.0;
/// The portal's blue (#0b4f8a), as PDF colour components.
const BRAND: &str = "0.043 0.310 0.541";

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// The advance width of a character in thousandths of the font size (Adobe's metrics of
    /// Helvetica and Helvetica-Bold for ASCII; other letters are taken as an average one).
    fn width(self, c: char) -> u16 {
        const REGULAR: [u16; 95] = [
            278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
            556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
            500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
            556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
            278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        ];
        const BOLD: [u16; 95] = [
            278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
            556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278,
            556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584,
            556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
            333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
        ];
        let table = match self {
            Font::Regular => &REGULAR,
            Font::Bold => &BOLD,
        };
        (c as usize)
            .checked_sub(32)
            .and_then(|i| table.get(i))
            .copied()
            .unwrap_or(556)
    }

    fn text_width(self, size: f32, text: &str) -> f32 {
        text.chars().map(|c| f32::from(self.width(c))).sum::<f32>() * size / 1000.0
    }
}

/// A PDF string literal in WinAnsi (Latin-1 for the letters Indonesian names use); what the
/// standard fonts cannot show becomes `?`.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('(');
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{ff}' => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            _ => out.push('?'),
        }
    }
    out.push(')');
    out
}

/// Splits text into lines no wider than `width` (a word longer than a line stays whole).
fn wrap(font: Font, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && font.text_width(size, &candidate) > width {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The page's drawing instructions.
#[derive(Default)]
struct Content(String);

impl Content {
    fn centred(&mut self, font: Font, size: f32, y: f32, text: &str) {
        let x = ((PAGE_WIDTH - font.text_width(size, text)) / 2.0).max(MARGIN / 2.0);
        let _ = writeln!(
            self.0,
            "BT /{} {size} Tf {x:.1} {y:.1} Td {} Tj ET",
            font.resource(),
            literal(text)
        );
    }

    /// Centred lines from `y` down; returns the baseline below the last.
    fn paragraph(&mut self, font: Font, size: f32, mut y: f32, text: &str) -> f32 {
        for line in wrap(font, size, text, PAGE_WIDTH - 2.0 * MARGIN) {
            self.centred(font, size, y, &line);
            y -= size * 1.3;
        }
        y
    }
}

/// The certificate's PDF: the holder's full name, the training, and a QR code of the public
/// verification page with its address and the code written under it.
pub fn certificate(certificate: &PrintableCertificate, qr: &qrcode::QrCode) -> Vec<u8> {
    let mut page = Content::default();
    // A frame in the portal's colour.
    let _ = writeln!(page.0, "{BRAND} RG 3 w 36 36 523 770 re S 0 g");
    page.centred(Font::Regular, 12.0, 770.0, "PROGRAM PRAKERJA");
    page.centred(Font::Bold, 24.0, 725.0, "Sertifikat Penyelesaian Pelatihan");
    page.centred(Font::Regular, 13.0, 670.0, "Diberikan kepada");
    let mut y = page.paragraph(Font::Bold, 22.0, 638.0, &certificate.holder);
    page.centred(Font::Regular, 13.0, y - 8.0, "yang telah menyelesaikan pelatihan");
    y = page.paragraph(Font::Bold, 16.0, y - 44.0, &certificate.training);
    let by = format!(
        "oleh {} melalui {}, selesai {}.",
        certificate.provider, certificate.platform, certificate.completed_on
    );
    y = page.paragraph(Font::Regular, 12.0, y - 10.0, &by);
    if certificate.revoked {
        let _ = writeln!(page.0, "0.75 0 0 rg");
        page.centred(
            Font::Bold,
            14.0,
            y - 20.0,
            "SERTIFIKAT INI SUDAH DICABUT DAN TIDAK BERLAKU",
        );
        let _ = writeln!(page.0, "0 g");
    }
    // The QR code, with its four-module quiet zone, centred near the foot of the page.
    let size = 150.0_f32;
    let modules = qr.width();
    let module = size / (modules + 8) as f32;
    let (left, bottom) = ((PAGE_WIDTH - size) / 2.0, 150.0_f32);
    for (index, colour) in qr.to_colors().into_iter().enumerate() {
        if colour == qrcode::Color::Dark {
            let (column, row) = ((index % modules) as f32, (index / modules) as f32);
            let x = left + (column + 4.0) * module;
            let y = bottom + size - (row + 5.0) * module;
            let _ = writeln!(page.0, "{x:.2} {y:.2} {module:.2} {module:.2} re f");
        }
    }
    page.centred(
        Font::Regular,
        10.0,
        130.0,
        &format!("Periksa keaslian: {}", certificate.verify_url),
    );
    page.centred(
        Font::Regular,
        10.0,
        115.0,
        &format!("Kode sertifikat: {}", certificate.code),
    );
    document(&page.0, &format!("Sertifikat Prakerja {}", certificate.code))
}

/// The file around one page's content: catalogue, page tree, page, fonts, content, information,
/// and the cross-reference table of their byte offsets.
fn document(content: &str, title: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
             /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        format!("<< /Title {} /Producer (Portal Prakerja) >>", literal(title)),
    ];
    // The second line's high bytes tell tools the file is binary.
    let mut file: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (number, body) in objects.iter().enumerate() {
        offsets.push(file.len());
        file.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", number + 1).as_bytes());
    }
    let xref = file.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    file.extend_from_slice(table.as_bytes());
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(holder: &str, revoked: bool) -> PrintableCertificate {
        PrintableCertificate {
            code: "ABCD-EFGH-JKLM-NPQR-STUV".into(),
            holder: holder.into(),
            training: "Barista Pemula: Espresso dan Manual Brew (Kelas Daring)".into(),
            provider: "Akademi Kopi Nusantara".into(),
            platform: "Pintaria".into(),
            completed_on: "2 Desember 2026".into(),
            verify_url: "https://prakerja.example/sertifikat/ABCD-EFGH-JKLM-NPQR-STUV".into(),
            qr_svg: String::new(),
            revoked,
        }
    }

    fn pdf(certificate: &PrintableCertificate) -> Vec<u8> {
        let qr = qrcode::QrCode::new(certificate.verify_url.as_bytes()).unwrap();
        super::certificate(certificate, &qr)
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let file = pdf(&sample("Rina Wulandari", false));
        let text = String::from_utf8_lossy(&file);
        assert!(file.starts_with(b"%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(file[startxref..].starts_with(b"xref\n0 8\n"));
        let table = String::from_utf8_lossy(&file[startxref..]);
        for (number, line) in table.lines().skip(3).take(7).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            let expected = format!("{} 0 obj\n", number + 1);
            assert!(file[offset..].starts_with(expected.as_bytes()), "object {}", number + 1);
        }
        let length: usize = text
            .split("/Length ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let stream_start = file.windows(7).position(|w| w == b"stream\n").unwrap() + 7;
        assert!(file[stream_start + length..].starts_with(b"endstream"));
    }

    #[test]
    fn the_page_says_whose_certificate_and_how_to_check_it() {
        let text = String::from_utf8_lossy(&pdf(&sample("Rina Wulandari", false))).into_owned();
        assert!(text.contains("(Rina Wulandari) Tj"));
        assert!(text.contains("(Kode sertifikat: ABCD-EFGH-JKLM-NPQR-STUV) Tj"));
        assert!(text.contains("re f"), "the QR code's modules");
        assert!(!text.contains("DICABUT"));
        let revoked = String::from_utf8_lossy(&pdf(&sample("Rina Wulandari", true))).into_owned();
        assert!(revoked.contains("DICABUT"));
    }

    #[test]
    fn text_is_escaped_and_letters_outside_latin_1_are_replaced() {
        assert_eq!(literal("Siti (Ani) \\ Nur"), "(Siti \\(Ani\\) \\\\ Nur)");
        assert_eq!(literal("Zoë"), "(Zo\\353)");
        assert_eq!(literal("Ẓ"), "(?)");
    }

    #[test]
    fn long_titles_wrap_within_the_margins() {
        let title = "Pelatihan Pemasaran Digital untuk Usaha Mikro, Kecil dan Menengah di Media Sosial";
        let lines = wrap(Font::Bold, 16.0, title, PAGE_WIDTH - 2.0 * MARGIN);
        assert!(lines.len() >= 2);
        assert_eq!(lines.join(" "), title);
        for line in &lines {
            assert!(Font::Bold.text_width(16.0, line) <= PAGE_WIDTH - 2.0 * MARGIN);
        }
        // H e l v e t i c a: 722 + 556 + 222 + 500 + 556 + 278 + 222 + 500 + 556 thousandths.
        assert!((Font::Regular.text_width(10.0, "Helvetica") - 41.12).abs() < 0.01);
    }
}
