//! Turning wire names into Rust names.

/// `billingPeriodIndex` → `billing_period_index`, `HTTPServer` → `http_server`.
pub fn snake_case(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    }
}

/// `MONTH_TO_MONTH` → `MonthToMonth`, `users.rules` → `UsersRules`, `InProgress` → `InProgress`.
pub fn pascal_case(wire: &str) -> String {
    let mut out = String::new();
    for word in wire
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_upper {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    out
}

/// An enum variant for a wire value: [`pascal_case`], prefixed with `V` when it would start
/// with a digit, `Empty` for a value without letters or digits.
pub fn variant_name(wire: &str) -> String {
    let name = pascal_case(wire);
    if name.is_empty() {
        "Empty".to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("billingPeriodIndex"), "billing_period_index");
        assert_eq!(snake_case("selfUri"), "self_uri");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(
            snake_case("getBillingTrusteebillingoverviewTrustorOrgId"),
            "get_billing_trusteebillingoverview_trustor_org_id"
        );
        assert_eq!(snake_case("x-value"), "x_value");
        assert_eq!(snake_case("3d"), "_3d");
    }

    #[test]
    fn pascal() {
        assert_eq!(pascal_case("MONTH_TO_MONTH"), "MonthToMonth");
        assert_eq!(pascal_case("ININ"), "Inin");
        assert_eq!(pascal_case("users.rules"), "UsersRules");
        assert_eq!(pascal_case("InProgress"), "InProgress");
        assert_eq!(pascal_case("subscriptionType"), "SubscriptionType");
        assert_eq!(variant_name("2fa"), "V2fa");
    }
}
