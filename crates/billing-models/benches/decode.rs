//! Decode throughput: the typed `BillingUsageReport` against `serde_json::Value` on the same bytes,
//! at about 10 KB, 1 MB and 50 MB (results in `docs/performance.md`, section 1).
//!
//! `cargo bench -p billing-models --bench decode` runs criterion (throughput of each) and then an
//! interleaved ratio table: typed and `Value` timed alternately, round after round, so that a
//! noisy neighbour slows both alike. `BENCH_QUICK=1` skips the 50 MB size and shortens both
//! parts (a smoke run). The report JSON is generated here, shaped like the server's: licence
//! and device usages, user e-mail addresses and phone names as resources, dates inside the
//! period, compact as the API sends it. `BENCH_ONLY=typed|value BENCH_REPS=N [BENCH_SIZE=bytes]`
//! decodes one report (1 MB unless told) N times one way and nothing else, for
//! `valgrind --tool=callgrind`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use billing_models::BillingUsageReport;
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};

const USAGE_NAMES: &[(&str, bool)] = &[
    ("Genesys Cloud CX 3", true),
    ("Genesys Cloud CX 2", true),
    ("Genesys Cloud CX 1", true),
    ("Genesys Cloud CX 2 Digital", true),
    ("Genesys Cloud Communicate", true),
    ("Workforce Engagement Management Add-on", true),
    ("Genesys Cloud Voice - BYOC Cloud Phones", false),
    ("Genesys Cloud Edge Devices", false),
    ("Speech and Text Analytics Add-on", true),
    ("Genesys Cloud Collaborate", true),
    ("WebRTC Phones", false),
    ("Genesys Cloud CX 1 Digital Add-on II", true),
];
const FIRST: &[&str] = &[
    "olivia", "liam", "emma", "noah", "amelia", "oliver", "sophia", "elijah", "isabella", "lucas",
    "mia", "mateo", "ava", "levi", "harper", "james", "aisha", "wei", "priya", "kenji",
];
const LAST: &[&str] = &[
    "smith", "garcia", "nguyen", "muller", "rossi", "kowalski", "tanaka", "silva", "johnson",
    "okafor", "dubois", "patel", "kim", "hansen", "novak", "murphy", "lopez", "schmidt", "chen",
    "brown",
];
const DEVICES: &[&str] = &[
    "Polycom VVX 411",
    "Yealink T54W",
    "Poly Edge E350",
    "Cisco 8841",
    "AudioCodes C450HD",
];

/// splitmix64: deterministic, so every run decodes the same bytes.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A Complete report for October 2026 with `usages` usages of `per_usage` resources each
/// (60–100 % of it for all but the first, as licences differ in head count).
fn report(usages: usize, per_usage: usize) -> Vec<u8> {
    let mut rng = 0x5EED_u64;
    let mut out = String::with_capacity(300 + usages * (120 + per_usage * 75));
    out.push_str(
        r#"{"id":"3f9a1c2e-8b47-4d0e-9c61-7a2b5e8d4f10","name":"Billable usage report","startDate":"2026-10-01T00:00:00.000Z","endDate":"2026-11-01T00:00:00.000Z","status":"Complete","usages":["#,
    );
    for k in 0..usages {
        let (base, user) = USAGE_NAMES[k % USAGE_NAMES.len()];
        let count = if k == 0 || per_usage < 2 {
            per_usage
        } else {
            let min = per_usage * 3 / 5;
            min + (next(&mut rng) % (per_usage - min + 1) as u64) as usize
        };
        if k > 0 {
            out.push(',');
        }
        out.push_str(r#"{"name":""#);
        out.push_str(base);
        if k >= USAGE_NAMES.len() {
            let _ = write!(out, " (bundle {})", k / USAGE_NAMES.len() + 1);
        }
        let _ = write!(out, r#"","totalUsage":"{count}","resources":["#);
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            let index = k * per_usage / 2 + i;
            out.push_str(r#"{"name":""#);
            if user {
                let generation = index / (FIRST.len() * LAST.len());
                out.push_str(FIRST[index % FIRST.len()]);
                out.push('.');
                out.push_str(LAST[(index / FIRST.len()) % LAST.len()]);
                if generation > 0 {
                    let _ = write!(out, "{}", generation + 1);
                }
                out.push_str("@example.com");
            } else {
                let mac = next(&mut rng) & 0xff_ffff;
                let _ = write!(
                    out,
                    "{} (00:04:f2:{:02x}:{:02x}:{:02x}) #{}",
                    DEVICES[index % DEVICES.len()],
                    mac >> 16,
                    (mac >> 8) & 0xff,
                    mac & 0xff,
                    index + 1
                );
            }
            // First seen early in the month, mostly: skewed towards its start.
            let u = (next(&mut rng) >> 11) as f64 / (1u64 << 53) as f64;
            let secs = (u * u * 31.0 * 86_400.0) as u64;
            let _ = write!(
                out,
                r#"","date":"2026-10-{:02}T{:02}:{:02}:{:02}.000Z"}}"#,
                1 + secs / 86_400,
                secs / 3600 % 24,
                secs / 60 % 60,
                secs % 60
            );
        }
        out.push_str("]}");
    }
    out.push_str(r#"],"selfUri":"/api/v2/billing/reports/billableusage"}"#);
    out.into_bytes()
}

/// A report of about `target` bytes: the number of usages grows with the size (a large org has
/// more licence types and bundles), resources per usage make up the rest.
fn report_of_size(target: usize) -> Vec<u8> {
    let usages = match target {
        0..=100_000 => 4,
        100_001..=10_000_000 => 12,
        _ => 24,
    };
    let small = report(usages, 10).len() as f64;
    let large = report(usages, 110).len() as f64;
    let per_resource = (large - small) / 100.0;
    let mut per_usage = (((target as f64 - small) / per_resource) + 10.0).max(1.0) as usize;
    // Head counts vary per usage (randomly), so correct proportionally a few times.
    for _ in 0..3 {
        let len = report(usages, per_usage).len() as f64;
        per_usage = ((per_usage as f64 * target as f64 / len).round() as usize).max(1);
    }
    report(usages, per_usage)
}

struct Case {
    label: &'static str,
    bytes: Vec<u8>,
}

fn cases(quick: bool) -> Vec<Case> {
    let mut sizes = vec![("10KB", 10_000), ("1MB", 1_000_000)];
    if !quick {
        sizes.push(("50MB", 50_000_000));
    }
    sizes
        .into_iter()
        .map(|(label, target)| {
            let bytes = report_of_size(target);
            // The same bytes must decode both ways before either is timed.
            let typed: BillingUsageReport = serde_json::from_slice(&bytes).expect("typed decode");
            let _: serde_json::Value = serde_json::from_slice(&bytes).expect("Value decode");
            let resources: usize = typed.usages.iter().map(|u| u.resources.len()).sum();
            eprintln!(
                "case {label}: {} bytes, {} usages, {resources} resources",
                bytes.len(),
                typed.usages.len()
            );
            Case { label, bytes }
        })
        .collect()
}

fn typed(bytes: &[u8]) -> BillingUsageReport {
    serde_json::from_slice(black_box(bytes)).expect("typed decode")
}

fn value(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(black_box(bytes)).expect("Value decode")
}

fn criterion_part(c: &mut Criterion, cases: &[Case], quick: bool) {
    for case in cases {
        let big = case.bytes.len() > 10_000_000;
        let mut group = c.benchmark_group(format!("decode/{}", case.label));
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        if big {
            group
                .sampling_mode(SamplingMode::Flat)
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(12));
        } else if quick {
            group
                .sample_size(10)
                .warm_up_time(Duration::from_millis(300))
                .measurement_time(Duration::from_secs(1));
        }
        group.bench_with_input(
            BenchmarkId::new("typed", case.label),
            &case.bytes,
            |b, bytes| b.iter_batched(|| (), |()| typed(bytes), BatchSize::PerIteration),
        );
        group.bench_with_input(
            BenchmarkId::new("value", case.label),
            &case.bytes,
            |b, bytes| b.iter_batched(|| (), |()| value(bytes), BatchSize::PerIteration),
        );
        group.finish();
    }
}

/// Seconds per decode, averaged over `reps` decodes. Each result is dropped outside the timed
/// part (as criterion's `iter_batched` does), one at a time, so the heap stays the size of one
/// decoded report rather than of hundreds.
fn time_per_decode<T>(bytes: &[u8], reps: usize, decode: fn(&[u8]) -> T) -> f64 {
    let mut total = Duration::ZERO;
    for _ in 0..reps {
        let start = Instant::now();
        let decoded = decode(bytes);
        total += start.elapsed();
        drop(decoded);
    }
    total.as_secs_f64() / reps as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Typed and `Value` alternately, `rounds` times; prints MB/s of each and the ratio per round and
/// the median ratio.
fn ratio_part(cases: &[Case], quick: bool) {
    let rounds = if quick { 3 } else { 7 };
    println!();
    println!("decode ratio (interleaved, {rounds} rounds; MB = 10^6 bytes)");
    println!(
        "{:>6} {:>12} {:>12} {:>12} {:>8}",
        "size", "bytes", "typed MB/s", "Value MB/s", "ratio"
    );
    for case in cases {
        let bytes = &case.bytes;
        // About 0.3 s per side per round, at least one decode.
        let probe = time_per_decode(bytes, 1, typed);
        let reps = ((0.3 / probe) as usize).clamp(1, 100_000);
        let mb = bytes.len() as f64 / 1e6;
        let mut ratios = Vec::new();
        let mut typed_rates = Vec::new();
        let mut value_rates = Vec::new();
        for round in 0..rounds {
            // Alternate which side goes first, so neither always gets the warmer cache.
            let (t, v) = if round % 2 == 0 {
                let t = time_per_decode(bytes, reps, typed);
                (t, time_per_decode(bytes, reps, value))
            } else {
                let v = time_per_decode(bytes, reps, value);
                (time_per_decode(bytes, reps, typed), v)
            };
            typed_rates.push(mb / t);
            value_rates.push(mb / v);
            ratios.push(v / t);
        }
        let per_round: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        println!(
            "{:>6} {:>12} {:>12.0} {:>12.0} {:>7.2}x   rounds: {}",
            case.label,
            bytes.len(),
            median(&mut typed_rates),
            median(&mut value_rates),
            median(&mut ratios),
            per_round.join(" ")
        );
    }
}

/// The server's own date-time form, `yyyy-MM-ddTHH:mm:ss.SSSZ`, read without chrono's general
/// RFC 3339 parser: a sketch of the fast path `docs/performance.md` recommends for
/// `wire::Timestamp` (anything else would fall back to `datetime::parse`). Used here only to
/// measure what that change would save.
fn fast_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let b = s.as_bytes();
    if b.len() != 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?)?;
    Some(time.and_utc())
}

/// How much of the typed decode is date-time parsing: every `date` of a report parsed with
/// `billing_models::datetime::parse` (what the decode does) and with the fast path above,
/// interleaved; printed next to the typed decode time of the same report.
fn datetime_part(cases: &[Case], quick: bool) {
    let rounds = if quick { 3 } else { 7 };
    println!();
    println!("date-time share of the typed decode (interleaved, {rounds} rounds)");
    println!(
        "{:>6} {:>9} {:>14} {:>14} {:>14} {:>16}",
        "size", "dates", "decode ms", "chrono ms", "fast path ms", "saved, % decode"
    );
    for case in cases {
        let report: BillingUsageReport = serde_json::from_slice(&case.bytes).expect("decode");
        let dates: Vec<String> = report
            .usages
            .iter()
            .flat_map(|u| u.resources.iter())
            .map(|r| billing_models::datetime::format(&r.date))
            .collect();
        for d in &dates {
            assert_eq!(fast_timestamp(d), billing_models::datetime::parse(d).ok());
        }
        // About 20 MB of JSON per side per round, so the 1 MB case is not two decodes.
        let reps = (20_000_000 / case.bytes.len()).clamp(1, 1000);
        let (mut decode, mut slow, mut fast) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            decode.push(time_per_decode(&case.bytes, reps, typed));
            let start = Instant::now();
            for _ in 0..reps {
                for d in &dates {
                    black_box(billing_models::datetime::parse(black_box(d)).ok());
                }
            }
            slow.push(start.elapsed().as_secs_f64() / reps as f64);
            let start = Instant::now();
            for _ in 0..reps {
                for d in &dates {
                    black_box(fast_timestamp(black_box(d)));
                }
            }
            fast.push(start.elapsed().as_secs_f64() / reps as f64);
        }
        let (decode, slow, fast) = (median(&mut decode), median(&mut slow), median(&mut fast));
        println!(
            "{:>6} {:>9} {:>14.3} {:>14.3} {:>14.3} {:>15.1}%",
            case.label,
            dates.len(),
            decode * 1e3,
            slow * 1e3,
            fast * 1e3,
            100.0 * (slow - fast) / decode
        );
    }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        // For `valgrind --tool=callgrind`: a report of BENCH_SIZE bytes (default 1 MB) decoded
        // BENCH_REPS times one way.
        let size = std::env::var("BENCH_SIZE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        let bytes = report_of_size(size);
        let reps: usize = std::env::var("BENCH_REPS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(5);
        // Leaked, not dropped, so that the profile holds the decode alone (as the timings do).
        for _ in 0..reps {
            if only == "value" {
                std::mem::forget(value(&bytes));
            } else {
                std::mem::forget(typed(&bytes));
            }
        }
        println!("{only}: {reps} decodes of {} bytes", bytes.len());
        return;
    }
    let cases = cases(quick);
    let mut criterion = Criterion::default().configure_from_args();
    if quick {
        criterion = criterion
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
    }
    criterion_part(&mut criterion, &cases, quick);
    criterion.final_summary();
    ratio_part(&cases, quick);
    datetime_part(&cases, quick);
}
