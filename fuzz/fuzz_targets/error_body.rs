//! Any bytes into the `ErrorBody` decoder: no panic, and a lossless round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billing_fuzz::decode_round_trip::<billing_models::ErrorBody>(data);
});
