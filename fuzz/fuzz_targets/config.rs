//! The config parser (both YACE dialects) on arbitrary input.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cw_exporter::fuzzing::config(data));
