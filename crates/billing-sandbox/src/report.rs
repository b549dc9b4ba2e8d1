//! The billable usage report (`BillingUsageReport`): deterministic, realistic data for a period,
//! written straight to bytes so that a report of tens of megabytes builds in about a second.

use std::fmt::Write as _;

use bytes::Bytes;
use http::StatusCode;

use crate::fault::Variation;
use crate::reply::Reply;
use crate::router::Ctx;
use crate::wire::{self, ApiError, Rng, format_millis, push_millis, uuid_from};

/// `selfUri` of a report as the platform writes it: the report's path, without the query.
pub(crate) const REPORT_SELF_URI: &str = "/api/v2/billing/reports/billableusage";

/// The report `status` written by [`crate::Fault::UnknownEnumValues`]: not in the spec's enum.
pub const UNKNOWN_REPORT_STATUS: &str = "Archived";

#[derive(Clone, Copy, PartialEq, Eq)]
enum ResourceKind {
    User,
    Device,
}

/// Licence and device usages a Genesys Cloud organization is billed for.
const USAGES: &[(&str, ResourceKind)] = &[
    ("Genesys Cloud CX 3", ResourceKind::User),
    ("Genesys Cloud CX 2", ResourceKind::User),
    ("Genesys Cloud CX 1", ResourceKind::User),
    ("Genesys Cloud CX 2 Digital", ResourceKind::User),
    ("Genesys Cloud Communicate", ResourceKind::User),
    ("Workforce Engagement Management Add-on", ResourceKind::User),
    (
        "Genesys Cloud Voice - BYOC Cloud Phones",
        ResourceKind::Device,
    ),
    ("Genesys Cloud Edge Devices", ResourceKind::Device),
    ("Speech and Text Analytics Add-on", ResourceKind::User),
    ("Genesys Cloud Collaborate", ResourceKind::User),
    ("WebRTC Phones", ResourceKind::Device),
    ("Genesys Cloud CX 1 Digital Add-on II", ResourceKind::User),
];

const FIRST_NAMES: &[&str] = &[
    "olivia", "liam", "emma", "noah", "amelia", "oliver", "sophia", "elijah", "isabella", "lucas",
    "mia", "mateo", "ava", "levi", "harper", "james", "aisha", "wei", "priya", "kenji",
];
const LAST_NAMES: &[&str] = &[
    "smith", "garcia", "nguyen", "muller", "rossi", "kowalski", "tanaka", "silva", "johnson",
    "okafor", "dubois", "patel", "kim", "hansen", "novak", "murphy", "lopez", "schmidt", "chen",
    "brown",
];
const DEVICE_MODELS: &[&str] = &[
    "Polycom VVX 411",
    "Yealink T54W",
    "Poly Edge E350",
    "Cisco 8841",
    "AudioCodes C450HD",
    "Genesys Cloud Edge 2200",
];

/// How big the Complete reports are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReportShape {
    pub(crate) usages: usize,
    pub(crate) resources_per_usage: usize,
}

fn push_json_str(out: &mut String, s: &str) {
    // Every string written here is generated ASCII without quotes or backslashes.
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// The InProgress report: no `id`/`selfUri`, and `usages` empty or absent.
pub(crate) fn in_progress(start_ms: i64, end_ms: i64, omit_usages: bool, v: Variation) -> String {
    let mut out = String::with_capacity(160);
    out.push('{');
    if v.extra_fields {
        out.push_str("\"reportVersion\":2,\"estimatedCompletionSeconds\":3,");
    }
    out.push_str("\"startDate\":");
    push_json_str(&mut out, &format_millis(start_ms));
    out.push_str(",\"endDate\":");
    push_json_str(&mut out, &format_millis(end_ms));
    out.push_str(",\"status\":");
    push_json_str(
        &mut out,
        if v.unknown_enums {
            UNKNOWN_REPORT_STATUS
        } else {
            "InProgress"
        },
    );
    if !omit_usages {
        out.push_str(",\"usages\":[]");
    }
    out.push('}');
    out
}

/// The Complete report for a period. The same inputs always give the same bytes.
pub(crate) fn complete(start_ms: i64, end_ms: i64, shape: ReportShape, v: Variation) -> String {
    let period_seed = (start_ms as u64).wrapping_mul(31) ^ (end_ms as u64).rotate_left(29);
    let span = (end_ms - start_ms).max(1) as u64;
    let estimate = 300 + shape.usages * (120 + shape.resources_per_usage * 72);
    let mut out = String::with_capacity(estimate);
    out.push('{');
    out.push_str("\"id\":");
    push_json_str(&mut out, &uuid_from(period_seed, 0xB111));
    out.push_str(",\"name\":");
    push_json_str(&mut out, "Billable usage report");
    if v.extra_fields {
        out.push_str(",\"reportVersion\":2,\"generatedDate\":");
        push_json_str(&mut out, &format_millis(end_ms));
    }
    out.push_str(",\"startDate\":");
    push_json_str(&mut out, &format_millis(start_ms));
    out.push_str(",\"endDate\":");
    push_json_str(&mut out, &format_millis(end_ms));
    out.push_str(",\"status\":");
    push_json_str(
        &mut out,
        if v.unknown_enums {
            UNKNOWN_REPORT_STATUS
        } else {
            "Complete"
        },
    );
    out.push_str(",\"usages\":[");
    let mut offsets: Vec<u64> = Vec::with_capacity(shape.resources_per_usage);
    for k in 0..shape.usages {
        let (base, kind) = USAGES[k % USAGES.len()];
        let round = k / USAGES.len();
        let mut rng = Rng::new(period_seed ^ (k as u64).wrapping_mul(0x1000_0000_01B3));
        // Not every licence has the full count: between 60% and 100% of the configured size,
        // except the first usage, which always has exactly the configured number.
        let count = if k == 0 || shape.resources_per_usage < 2 {
            shape.resources_per_usage
        } else {
            let min = shape.resources_per_usage * 3 / 5;
            min + rng.below((shape.resources_per_usage - min + 1) as u64) as usize
        };
        // Most resources are first observed early in the period: skew towards its start.
        offsets.clear();
        offsets.extend((0..count).map(|_| {
            let u = rng.unit();
            ((u * u) * span as f64) as u64 % span
        }));
        offsets.sort_unstable();
        if k > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":\"");
        out.push_str(base);
        if round > 0 {
            let _ = write!(out, " (bundle {})", round + 1);
        }
        out.push('"');
        if v.extra_fields {
            out.push_str(",\"unitOfMeasureType\":");
            push_json_str(
                &mut out,
                if kind == ResourceKind::User {
                    "User"
                } else {
                    "Device"
                },
            );
        }
        let _ = write!(out, ",\"totalUsage\":\"{count}\",\"resources\":[");
        // Users overlap between licences (a CX 3 agent also holds the WEM add-on), devices too.
        let first_index = k * shape.resources_per_usage / 2;
        for (i, offset) in offsets.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":\"");
            push_resource_name(&mut out, kind, first_index + i);
            out.push_str("\",\"date\":\"");
            // Whole seconds, never before the start of the period.
            let at = start_ms + *offset as i64;
            let at = (at - at.rem_euclid(1000)).max(start_ms);
            push_millis(&mut out, at);
            out.push_str("\"}");
        }
        out.push_str("]}");
    }
    out.push_str("],\"selfUri\":");
    push_json_str(&mut out, REPORT_SELF_URI);
    out.push('}');
    out
}

fn push_resource_name(out: &mut String, kind: ResourceKind, index: usize) {
    match kind {
        ResourceKind::User => {
            let first = FIRST_NAMES[index % FIRST_NAMES.len()];
            let last = LAST_NAMES[(index / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let generation = index / (FIRST_NAMES.len() * LAST_NAMES.len());
            out.push_str(first);
            out.push('.');
            out.push_str(last);
            if generation > 0 {
                let _ = write!(out, "{}", generation + 1);
            }
            out.push_str("@example.com");
        }
        ResourceKind::Device => {
            let model = DEVICE_MODELS[index % DEVICE_MODELS.len()];
            let mac = crate::wire::splitmix64(index as u64 ^ 0xDE71CE) & 0xff_ffff;
            let _ = write!(
                out,
                "{model} (00:04:f2:{:02x}:{:02x}:{:02x}) #{}",
                mac >> 16,
                (mac >> 8) & 0xff,
                mac & 0xff,
                index + 1
            );
        }
    }
}

/// How many resources per usage make a Complete report of about `target_bytes`.
pub(crate) fn resources_for_target(usages: usize, target_bytes: usize) -> usize {
    if usages == 0 {
        return 0;
    }
    // Measure two small reports and extrapolate linearly; names grow slowly with the index,
    // which the second sample already includes.
    let sample = |n: usize| {
        let shape = ReportShape {
            usages,
            resources_per_usage: n,
        };
        complete(0, 2_592_000_000, shape, Variation::default()).len()
    };
    let (small, large) = (sample(100), sample(1100));
    let per_resource = (large - small) as f64 / 1000.0;
    let fixed = small as f64 - 100.0 * per_resource;
    (((target_bytes as f64 - fixed) / per_resource).max(1.0)).round() as usize
}

/// Parses a `date-time` query value: ISO-8601 with an offset (`Z` or `±hh:mm`), any fraction.
fn parse_date(value: Option<String>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(value?.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

/// `GET /api/v2/billing/reports/billableusage?startDate&endDate`.
pub(crate) async fn handle(ctx: &Ctx<'_>) -> Reply {
    let start = parse_date(ctx.param("startDate"));
    let end = parse_date(ctx.param("endDate"));
    let (Some(start), Some(end)) = (start, end) else {
        return ctx.error(&ApiError::new(wire::INVALID_DATE));
    };
    if end <= start {
        let error = ApiError::new(wire::CONSTRAINT_VALIDATION)
            .param("constraint", "endDate must be after startDate");
        return ctx.error(&error);
    }
    let shared = ctx.shared;
    let variation = ctx.variation;
    let period = (start, end);
    if shared.poll_in_progress(period) {
        let omit = shared.config.omit_usages_while_in_progress;
        let body = in_progress(start, end, omit, variation);
        return Reply::json_bytes(StatusCode::OK, Bytes::from(body));
    }
    if variation == Variation::default() {
        return Reply::json_bytes(StatusCode::OK, shared.complete_report(period).await);
    }
    let shape = shared.config.report_shape;
    let build = move || Bytes::from(complete(start, end, shape, variation));
    let body = tokio::task::spawn_blocking(build)
        .await
        .unwrap_or_else(|_| build());
    Reply::json_bytes(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_is_valid_json_and_deterministic() {
        let shape = ReportShape {
            usages: 14,
            resources_per_usage: 30,
        };
        let a = complete(
            1_714_521_600_000,
            1_717_200_000_000,
            shape,
            Variation::default(),
        );
        let b = complete(
            1_714_521_600_000,
            1_717_200_000_000,
            shape,
            Variation::default(),
        );
        assert_eq!(a, b);
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["usages"].as_array().unwrap().len(), 14);
        let tweaked = complete(
            1_714_521_600_000,
            1_717_200_000_000,
            shape,
            Variation {
                unknown_enums: true,
                extra_fields: true,
            },
        );
        let v: serde_json::Value = serde_json::from_str(&tweaked).unwrap();
        assert_eq!(v["status"], UNKNOWN_REPORT_STATUS);
        let ip: serde_json::Value =
            serde_json::from_str(&in_progress(0, 1000, false, Variation::default())).unwrap();
        assert_eq!(ip["status"], "InProgress");
    }
}
