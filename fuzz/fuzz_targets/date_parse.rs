//! Any text into `billing_models::date::parse`: no panic, and what it reads it can write and read back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billing_fuzz::date_round_trip(data);
});
