#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| probescope_fuzz::entries::baseline(data));
