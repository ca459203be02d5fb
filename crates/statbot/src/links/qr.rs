//! QR codes of entry links, drawn the same for the CLI (`statbot links qr`) and the dashboard
//! (`/links/{name}/qr.png|svg`): error correction M (a printed code still reads with some of it
//! smudged), dark modules on white, [`MODULE_PX`] pixels a module and a quiet zone of
//! [`QUIET_ZONE`] modules on every side, as scanners expect.

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module.
pub const MODULE_PX: u32 = 8;
/// Light modules around the code.
pub const QUIET_ZONE: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the text does not fit in a QR code: {0}")]
    Encode(String),
    #[error("cannot write the PNG: {0}")]
    Png(String),
}

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| QrError::Encode(e.to_string()))
}

/// The code of `text` as an SVG document.
pub fn svg(text: &str) -> Result<String, QrError> {
    let code = code(text)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .module_dimensions(MODULE_PX, MODULE_PX)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The code of `text` as a greyscale PNG.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = ((i as u32 % modules + QUIET_ZONE) * MODULE_PX, (i as u32 / modules + QUIET_ZONE) * MODULE_PX);
        for row in y..y + MODULE_PX {
            let start = (row * side + x) as usize;
            pixels[start..start + MODULE_PX as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let error = |e: png::EncodingError| QrError::Png(e.to_string());
    let mut writer = encoder.write_header().map_err(error)?;
    writer.write_image_data(&pixels).map_err(error)?;
    writer.finish().map_err(error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_draws_with_its_quiet_zone() {
        let text = "https://m.me/statbotshop?ref=spring";
        let png = png(text).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
        let modules = QrCode::with_error_correction_level(text, EcLevel::M).unwrap().width() as u32;
        assert_eq!(reader.info().width, (modules + 2 * QUIET_ZONE) * MODULE_PX);
        let svg = svg(text).unwrap();
        assert!(svg.contains(&format!("width=\"{}\"", (modules + 2 * QUIET_ZONE) * MODULE_PX)), "{svg}");
    }

    #[test]
    fn too_much_text_is_an_error_not_a_panic() {
        assert!(matches!(png(&"x".repeat(5000)), Err(QrError::Encode(_))));
    }
}
