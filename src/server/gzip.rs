//! `Content-Encoding: gzip` for `/metrics`, chunk by chunk: the body is compressed as the
//! client reads it, never held whole (at W3 the text is ~30 MB).

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

/// The compression level. Measured at W3 (bench/reports/render.md): level 1 compresses the
/// text format about as well as the higher levels for a fraction of the CPU, since the body is
/// mostly repeated label blocks.
pub const LEVEL: u32 = 1;

/// Output is handed on once this much has gathered, so the client sees bytes early.
const FLUSH_AT: usize = 64 << 10;

/// Whether the client accepts gzip (`Accept-Encoding: gzip`, not with `q=0`).
pub fn accepted(headers: &axum::http::HeaderMap) -> bool {
    let codings = super::listed(headers, axum::http::header::ACCEPT_ENCODING);
    // gzip named explicitly decides; else a `*` that is not refused.
    match codings.iter().find(|(c, _)| c == "gzip") {
        Some((_, refused)) => !refused,
        None => codings.iter().any(|(c, refused)| c == "*" && !refused),
    }
}

/// The gzip stream of `chunks`, as chunks.
pub struct GzChunks<I> {
    inner: I,
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl<I: Iterator<Item = Bytes>> GzChunks<I> {
    /// Compresses `inner` at `level` (0–9).
    pub fn new(inner: I, level: u32) -> Self {
        GzChunks {
            inner,
            encoder: Some(GzEncoder::new(
                Vec::with_capacity(FLUSH_AT * 2),
                Compression::new(level),
            )),
        }
    }
}

impl<I: Iterator<Item = Bytes>> Iterator for GzChunks<I> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let enc = self.encoder.as_mut()?;
        for chunk in self.inner.by_ref() {
            enc.write_all(&chunk).expect("writing to a Vec cannot fail");
            if enc.get_ref().len() >= FLUSH_AT {
                let out = std::mem::replace(enc.get_mut(), Vec::with_capacity(FLUSH_AT * 2));
                return Some(Bytes::from(out));
            }
        }
        let rest = self
            .encoder
            .take()?
            .finish()
            .expect("writing to a Vec cannot fail");
        (!rest.is_empty()).then(|| Bytes::from(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header};
    use std::io::Read;

    #[test]
    fn the_stream_decodes_to_the_input() {
        let parts: Vec<Bytes> = (0..5000)
            .map(|i| Bytes::from(format!("metric{{n=\"{i}\"}} {i}\n")))
            .collect();
        let plain: Vec<u8> = parts.iter().flat_map(|b| b.to_vec()).collect();
        let gz: Vec<Bytes> = GzChunks::new(parts.into_iter(), LEVEL).collect();
        assert!(!gz.is_empty());
        let all: Vec<u8> = gz.iter().flat_map(|b| b.to_vec()).collect();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&all[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain);
        assert!(all.len() < plain.len() / 3);
        // Nothing in, a valid empty gzip stream out.
        let empty: Vec<u8> = GzChunks::new(std::iter::empty(), LEVEL)
            .flat_map(|b| b.to_vec())
            .collect();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&empty[..])
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn accept_encoding_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!accepted(&h));
        for (v, want) in [
            ("gzip", true),
            ("deflate, gzip;q=1.0, *;q=0.5", true),
            ("GZIP", true),
            ("gzip;q=0", false),
            ("gzip; q=0.0", false),
            ("identity", false),
            ("br", false),
            ("*", true),
            ("gzip;q=0, *", false),
            ("*;q=0", false),
        ] {
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            assert_eq!(accepted(&h), want, "{v}");
        }
    }
}
