//! Any text into `billing_models::decimal::parse_json_number`: no panic, and what it reads it can write and read back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billing_fuzz::decimal_round_trip(data);
});
