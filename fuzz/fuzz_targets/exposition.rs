//! Metric naming, label escaping and both exposition writers on arbitrary names and values.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cw_exporter::fuzzing::exposition(data));
