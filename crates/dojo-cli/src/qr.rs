//! The checkout link as a QR code in the terminal, with the `qrcodegen-no-heap` encoder
//! (the same one works on a `no_std` kiosk) and half-block characters: two modules per
//! character cell, so the code stays square in a terminal.

use qrcodegen_no_heap::{QrCode, QrCodeEcc, Version};

/// The quiet zone the QR standard asks for, in modules.
const QUIET: i32 = 4;

/// Renders `text` as a QR code. Light modules (and the quiet zone) are drawn as blocks in
/// the terminal's foreground colour and dark modules left blank, which reads correctly on
/// the usual light-on-dark terminal (phone cameras also read the inverse). `None` when the
/// text does not fit a QR code.
pub(crate) fn render(text: &str) -> Option<String> {
    let mut out = vec![0u8; Version::MAX.buffer_len()];
    let mut tmp = vec![0u8; Version::MAX.buffer_len()];
    let qr = QrCode::encode_text(text, &mut tmp, &mut out, QrCodeEcc::Medium, Version::MIN, Version::MAX, None, true)
        .ok()?;
    let size = qr.size();
    // Light = true: drawn as a block, so the quiet zone and light modules are "ink".
    let light = |x: i32, y: i32| !(0..size).contains(&x) || !(0..size).contains(&y) || !qr.get_module(x, y);
    let mut s = String::new();
    let mut y = -QUIET;
    while y < size + QUIET {
        for x in -QUIET..size + QUIET {
            let top = light(x, y);
            let bottom = if y + 1 < size + QUIET { light(x, y + 1) } else { false };
            s.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        s.push('\n');
        y += 2;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_square_code() {
        let s = render("https://pay.dojo.tech/checkout/si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg").unwrap();
        let lines: Vec<&str> = s.lines().collect();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // A QR code is 4·version + 17 modules wide, plus the quiet zone; two modules per line.
        let modules = width - 2 * QUIET as usize;
        assert!(modules >= 21 && (modules - 17).is_multiple_of(4), "{modules}");
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(s.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ' | '\n')));
    }

    /// The drawing decodes back to the text with an independent decoder (rqrr): block
    /// halves are light modules, blanks dark, scaled up 4× as a camera would see it.
    #[test]
    fn decodes_back_to_the_link() {
        for text in [
            "https://pay.dojo.tech/checkout/si_sandbox_Xk3b9QmVfE2yLpR7tW0aHg",
            "http://127.0.0.1:46369/checkout/si_sandbox_r80dezmoIOL0Zbmhap54bg",
        ] {
            let drawn = render(text).unwrap();
            let rows: Vec<Vec<char>> = drawn.lines().map(|l| l.chars().collect()).collect();
            let width = rows[0].len();
            let height = rows.len() * 2;
            let light = |x: usize, y: usize| match rows[y / 2][x] {
                '█' => true,
                '▀' => y.is_multiple_of(2),
                '▄' => !y.is_multiple_of(2),
                _ => false,
            };
            const SCALE: usize = 4;
            let mut img = rqrr::PreparedImage::prepare_from_greyscale(width * SCALE, height * SCALE, |x, y| {
                if light(x / SCALE, y / SCALE) { 255 } else { 0 }
            });
            let grids = img.detect_grids();
            assert_eq!(grids.len(), 1, "one code found");
            let (_, content) = grids[0].decode().unwrap();
            assert_eq!(content, text);
        }
    }

    #[test]
    fn too_long_is_none() {
        assert!(render(&"x".repeat(4000)).is_none());
    }
}
