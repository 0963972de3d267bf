//! The certificate as a one-page A4 PDF (`crate::pdf`): text, and the QR code's modules as
//! filled squares. A few kilobytes, made in microseconds.

use std::fmt::Write as _;

use super::printable::PrintableCertificate;
use crate::pdf::{literal, wrap, Font, BRAND, MARGIN, PAGE_WIDTH};

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
    crate::pdf::file(&[page.0], &format!("Sertifikat Prakerja {}", certificate.code))
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
