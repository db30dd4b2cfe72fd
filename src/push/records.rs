//! One Firehose record: base64, then a metric stream's JSON or OpenTelemetry 1.0 payload. The
//! format is told from the payload, so one endpoint takes streams of either format.

use base64::Engine;

use super::point::Point;
use super::{json, otel};

/// The payload formats a record may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Newline-delimited JSON objects.
    Json,
    /// Length-prefixed OpenTelemetry 1.0 protobufs.
    OpenTelemetry,
}

impl Format {
    /// The `format` label.
    pub fn label(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::OpenTelemetry => "opentelemetry1.0",
        }
    }
}

/// Why a record (or part of one) was not kept: the `reason` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The record's `data` is not base64.
    Base64,
    /// Neither JSON metric lines nor OpenTelemetry protobufs.
    Undecodable,
    /// A JSON line or an OpenTelemetry data point that is not a CloudWatch metric (fields
    /// missing or of the wrong type, too many dimensions).
    Malformed,
    /// The OpenTelemetry 0.7.0 format.
    OpenTelemetry07,
}

impl Reason {
    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Base64 => "base64",
            Reason::Undecodable => "undecodable",
            Reason::Malformed => "malformed_metric",
            Reason::OpenTelemetry07 => "opentelemetry0.7",
        }
    }

    /// What the log says, once per reason.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::Base64 => "a Firehose record's data is not base64; record skipped",
            Reason::Undecodable => {
                "a Firehose record is neither metric-stream JSON nor OpenTelemetry 1.0; record skipped"
            }
            Reason::Malformed => {
                "a metric in a Firehose record lacks a CloudWatch field (account, region, namespace, metric, dimensions, statistics); metric skipped"
            }
            Reason::OpenTelemetry07 => {
                "a metric stream sends OpenTelemetry 0.7.0, which cw-exporter does not read: set the stream's output format to opentelemetry1.0 or json"
            }
        }
    }
}

/// What one record held.
#[derive(Debug, Default)]
pub struct Decoded {
    /// Its points.
    pub points: Vec<Point>,
    /// Its format, if anything in it was readable.
    pub format: Option<Format>,
    /// Parts not kept, by reason (a whole record, or single metrics inside a good one).
    pub skipped: Vec<(Reason, u64)>,
}

/// Decodes one record's `data` field.
pub fn decode(data: &str) -> Decoded {
    let mut out = Decoded::default();
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else {
        out.skipped.push((Reason::Base64, 1));
        return out;
    };
    if bytes.is_empty() {
        return out;
    }
    let looks_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let mut json_bad = 0;
    if looks_json {
        let (points, bad) = json::decode(&bytes);
        json_bad = bad.max(1) as u64;
        if !points.is_empty() {
            out.format = Some(Format::Json);
            out.points = points;
            if bad > 0 {
                out.skipped.push((Reason::Malformed, bad as u64));
            }
            return out;
        }
        // A protobuf whose length prefix is 123 starts with `{` too: try it before giving up.
    }
    match otel::decode(&bytes) {
        Ok((points, bad)) => {
            out.format = Some(Format::OpenTelemetry);
            out.points = points;
            if bad > 0 {
                out.skipped.push((Reason::Malformed, bad as u64));
            }
        }
        Err(otel::OtelError::Version07) => out.skipped.push((Reason::OpenTelemetry07, 1)),
        Err(otel::OtelError::Protobuf) if looks_json => {
            // JSON lines, none of them a metric.
            out.format = Some(Format::Json);
            out.skipped.push((Reason::Malformed, json_bad));
        }
        Err(otel::OtelError::Protobuf) => out.skipped.push((Reason::Undecodable, 1)),
    }
    out
}
