//! PNG encoding of the RGB buffer plotters' bitmap backend draws into.

use crate::error::ChartError;

/// Encodes an 8-bit RGB buffer of `width` x `height` pixels as PNG. The encoder is deterministic: the same
/// pixels always give the same bytes.
pub(crate) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let encode_err = |e: png::EncodingError| ChartError::Encode(e.to_string());
    let mut out = Vec::with_capacity(rgb.len() / 16);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Charts are flat colour: the fast fdeflate path compresses them well at a fraction of the time.
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(encode_err)?;
    writer.write_image_data(rgb).map_err(encode_err)?;
    writer.finish().map_err(encode_err)?;
    Ok(out)
}
