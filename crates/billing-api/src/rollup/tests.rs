//! The roll-up against numbers worked out by hand (in the comments).

use billing_models::{NamedEntity, SubscriptionOverviewUsage, TrusteeBillingOverview};

use super::*;

fn d(text: &str) -> Decimal {
    parse_decimal(text).unwrap()
}

fn line(
    part: &str,
    usage: &str,
    prepay: &str,
    over: Option<&str>,
    pre: Option<&str>,
) -> SubscriptionOverviewUsage {
    let mut line = SubscriptionOverviewUsage::default()
        .with_name(format!("{part} name"))
        .with_part_number(part)
        .with_unit_of_measure_type("unit")
        .with_usage_quantity(usage)
        .with_prepay_quantity(prepay);
    line.overage_price = over.map(str::to_owned);
    line.prepay_price = pre.map(str::to_owned);
    line
}

fn overview(
    name: &str,
    currency: &str,
    minimum: &str,
    usages: Vec<SubscriptionOverviewUsage>,
) -> TrusteeBillingOverview {
    TrusteeBillingOverview::default()
        .with_organization(NamedEntity::default().with_name(name))
        .with_currency(currency)
        .with_minimum_monthly_amount(minimum)
        .with_usages(usages)
}

/// Org A (USD): 12 used of 10 prepaid at 198.00/165.00; minutes under their prepaid amount; one
/// line whose usage is "n/a". Org B (EUR): 7.5 of 5 at 24.00/20.00. Org C (USD): 30 of 20 of
/// the same part as A; a device line under its prepaid quantity without an overage price.
/// Org D failed.
fn sample() -> Rollup {
    let a = overview(
        "Acme",
        "USD",
        "4800.00",
        vec![
            line("USR2C", "12", "10", Some("198.00"), Some("165.00")),
            line("GCVMIN", "150000", "162000", Some("0.0095"), Some("0.0080")),
            line("WEMAO", "n/a", "5", Some("30.00"), Some("25.00")),
        ],
    );
    let b = overview(
        "Contoso",
        "EUR",
        "1000.00",
        vec![line("STAAO", "7.5", "5", Some("24.00"), Some("20.00"))],
    );
    let c = overview(
        "Globex",
        "USD",
        "not set",
        vec![
            line("USR2C", "30", "20", Some("198.00"), Some("165.00")),
            line("EDGE1", "1", "2", None, Some("400.00")),
        ],
    );
    Rollup::build(
        &[0],
        [
            OrgPeriod::new("a", 0, Ok(a)),
            OrgPeriod::new("d", 0, Err("404 not.found: no such org".to_owned())),
            OrgPeriod::new("b", 0, Ok(b)),
            OrgPeriod::new("c", 0, Ok(c)),
        ],
    )
}

#[test]
fn lines_follow_the_formulas() {
    let rollup = sample();
    let acme = &rollup.orgs[0].periods[0];
    let seats = &acme.lines[0];
    assert_eq!(seats.overage_quantity, Some(d("2")));
    assert_eq!(seats.overage_amount, Some(d("396.00"))); // 2 × 198.00
    assert_eq!(seats.prepaid_amount, Some(d("1650.00"))); // 10 × 165.00
    let minutes = &acme.lines[1];
    assert_eq!(minutes.overage_quantity, Some(Decimal::ZERO)); // max(0, 150000 − 162000)
    assert_eq!(minutes.overage_amount, Some(Decimal::ZERO));
    assert_eq!(minutes.prepaid_amount, Some(d("1296"))); // 162000 × 0.0080
    assert!(minutes.problems.is_empty());
}

#[test]
fn a_value_that_is_not_a_number_is_reported_and_left_out_never_zero() {
    let rollup = sample();
    let acme = &rollup.orgs[0].periods[0];
    let wem = &acme.lines[2];
    assert_eq!(wem.usage_quantity, None);
    assert_eq!(wem.overage_quantity, None);
    assert_eq!(wem.overage_amount, None);
    assert_eq!(wem.prepaid_amount, Some(d("125.00"))); // still shown: 5 × 25.00
    assert_eq!(
        wem.problems,
        vec![Problem::NotANumber {
            field: "usageQuantity",
            value: "n/a".to_owned()
        }]
    );
    assert_eq!(
        wem.problems[0].to_string(),
        "usageQuantity is not a number: \"n/a\""
    );
    // 1650.00 + 1296.0000 (without the 125.00 of the unreadable line); 396.00 overage.
    assert_eq!(acme.totals.prepaid_amount, d("2946"));
    assert_eq!(acme.totals.overage_amount, d("396"));
    assert_eq!(acme.totals.total_amount, d("3342"));
    assert_eq!(acme.totals.lines_excluded, 1);
    assert_eq!(acme.lines_with_problems(), 1);
    assert_eq!(acme.minimum_monthly_amount, Some(d("4800.00")));
}

#[test]
fn a_missing_price_costs_nothing_on_zero_quantity_and_is_a_problem_otherwise() {
    let rollup = sample();
    let globex = &rollup.orgs[2].periods[0];
    let edge = &globex.lines[1];
    assert_eq!(edge.overage_amount, Some(Decimal::ZERO)); // max(0, 1 − 2) = 0, no price needed
    assert!(edge.problems.is_empty());
    assert_eq!(globex.minimum_monthly_amount, None);
    assert_eq!(
        globex.minimum_problem,
        Some(Problem::NotANumber {
            field: "minimumMonthlyAmount",
            value: "not set".to_owned()
        })
    );

    let over = LineRollup::from_usage(&line("X", "3", "1", None, Some("1.00")));
    assert_eq!(
        over.problems,
        vec![Problem::Missing {
            field: "overagePrice"
        }]
    );
    assert_eq!(over.overage_amount, None);
    assert_eq!(over.overage_quantity, Some(d("2")));
}

#[test]
fn totals_per_currency_never_mix_currencies_and_say_how_many_orgs_they_cover() {
    let rollup = sample();
    assert_eq!(rollup.currency_names(), vec!["EUR", "USD"]);
    let eur = &rollup.currencies[0];
    assert_eq!((eur.currency.as_str(), eur.orgs), ("EUR", 1));
    assert_eq!(eur.overage_amount, d("60")); // 2.5 × 24.00
    assert_eq!(money(&eur.overage_amount), "60.00");
    assert_eq!(eur.prepaid_amount, d("100")); // 5 × 20.00
    assert_eq!(eur.total_amount, d("160"));
    let usd = &rollup.currencies[1];
    assert_eq!((usd.currency.as_str(), usd.orgs), ("USD", 2));
    // Acme 2946.00 + Globex (20 × 165.00 + 2 × 400.00 = 4100.00)
    assert_eq!(usd.prepaid_amount, d("7046"));
    // Acme 396.00 + Globex 10 × 198.00
    assert_eq!(usd.overage_amount, d("2376"));
    assert_eq!(usd.total_amount, d("9422"));
    assert_eq!(usd.lines_excluded, 1);

    let seats = usd
        .products
        .iter()
        .find(|p| p.part_number == "USR2C")
        .unwrap();
    assert_eq!(seats.orgs, 2);
    assert_eq!(seats.usage_quantity, d("42"));
    assert_eq!(seats.prepay_quantity, d("30"));
    assert_eq!(seats.overage_quantity, d("12"));
    assert_eq!(seats.amounts.overage_amount, d("2376"));
    assert_eq!(seats.amounts.prepaid_amount, d("4950"));
    let wem = usd
        .products
        .iter()
        .find(|p| p.part_number == "WEMAO")
        .unwrap();
    assert_eq!((wem.orgs, wem.amounts.lines_excluded), (0, 1));
    assert_eq!(wem.usage_quantity, Decimal::ZERO);
}

#[test]
fn failed_orgs_are_listed_and_orgs_are_ranked_by_overage_within_a_currency() {
    let rollup = sample();
    assert_eq!(
        rollup.failed,
        vec![FailedPeriod {
            org_id: "d".to_owned(),
            billing_period_index: 0,
            reason: "404 not.found: no such org".to_owned()
        }]
    );
    assert_eq!(rollup.failed_orgs(), 1);
    let order: Vec<(&str, &str, String)> = rollup
        .ranking
        .iter()
        .map(|r| {
            (
                r.currency.as_str(),
                r.org_name.as_str(),
                money(&r.amounts.overage_amount),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("EUR", "Contoso", "60.00".to_owned()),
            ("USD", "Globex", "1980.00".to_owned()),
            ("USD", "Acme", "396.00".to_owned()),
        ]
    );
    let ids: Vec<&str> = rollup.orgs.iter().map(|o| o.org_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[test]
fn periods_keep_the_order_asked_and_a_failed_period_keeps_the_others() {
    let p = |minimum: &str, used: &str| {
        overview(
            "Acme",
            "USD",
            minimum,
            vec![line("USR2C", used, "10", Some("198.00"), Some("165.00"))],
        )
    };
    let rollup = Rollup::build(
        &[0, 1, 2],
        [
            OrgPeriod::new("a", 2, Ok(p("1", "11"))),
            OrgPeriod::new("a", 1, Err("timed out".to_owned())),
            OrgPeriod::new("a", 0, Ok(p("1", "13"))),
        ],
    );
    let periods: Vec<i32> = rollup.orgs[0]
        .periods
        .iter()
        .map(|p| p.billing_period_index)
        .collect();
    assert_eq!(periods, [0, 2]);
    let per_period: Vec<(i32, usize, String)> = rollup
        .currencies
        .iter()
        .map(|c| (c.billing_period_index, c.orgs, money(&c.overage_amount)))
        .collect();
    assert_eq!(
        per_period,
        vec![(0, 1, "594.00".to_owned()), (2, 1, "198.00".to_owned())]
    );
    // Over both periods it had: 3 × 198.00 + 1 × 198.00.
    assert_eq!(rollup.ranking[0].amounts.overage_amount, d("792"));
    assert_eq!(rollup.failed[0].billing_period_index, 1);
}

#[test]
fn decimals_are_read_strictly_and_exactly() {
    for good in [
        "0",
        "198.00",
        "-3.5",
        "0.0095",
        "123456789012345678901234567",
    ] {
        assert_eq!(parse_decimal(good).unwrap().to_string(), good);
    }
    for bad in [
        "", "n/a", "1e3", " 5", "5 ", "+5", "1.", ".5", "1,000.00", "1_000", "-", "NaN", "1.2.3",
    ] {
        assert_eq!(parse_decimal(bad), None, "{bad:?}");
    }
    // Too many digits for 96 bits: refused, not rounded.
    assert_eq!(parse_decimal("123456789012345678901234567890"), None);
    let huge = LineRollup::from_usage(&line(
        "X",
        "79228162514264337593543950335",
        "0",
        Some("2"),
        Some("0"),
    ));
    assert_eq!(
        huge.problems,
        vec![Problem::Overflow {
            field: "overagePrice"
        }]
    );
}
