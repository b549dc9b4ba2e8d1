//! Any text into `billing_models::datetime::parse`: no panic, and what it reads it can write
//! and read back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billing_fuzz::datetime_round_trip(data);
});
