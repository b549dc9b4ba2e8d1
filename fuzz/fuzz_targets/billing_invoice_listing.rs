//! Any bytes into the `BillingInvoiceListing` decoder: no panic, and a lossless round trip (exact decimals
//! included).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    billing_fuzz::decode_round_trip::<billing_models::BillingInvoiceListing>(data);
});
