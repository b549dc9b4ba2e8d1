//! The partner roll-up as one self-contained HTML page: no scripts, fonts or images from
//! anywhere (the charts are inline SVG), readable on a phone and on paper, with real tables
//! and a text equivalent for every chart. Every piece of text from the server is escaped.
//!
//! Hooks for tests and for people who post-process the page: every amount cell carries its
//! exact value in `data-value`; totals rows carry `data-currency` and `data-period`; each org
//! is an `<article class="org" data-org-id>`; chart bars are `<rect class="bar …">`.

use std::fmt;
use std::io::{self, Write};

use billing_api::rollup::{Decimal, LineRollup, OrgRollup, PeriodRollup, Rollup, money};

use super::PartnerReport;
use super::text::{PeriodLabels, quantity};

/// The page's style sheet: system fonts, a single column that reflows on a phone, tables that
/// scroll sideways instead of overflowing, and a print layout without the navigation.
const STYLE: &str = r#"
:root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--prepaid:#8ab4f8;--usage:#1a56db;--over:#c2410c;--bg:#fff}
*{box-sizing:border-box}
body{margin:0 auto;max-width:72rem;padding:1rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid var(--line)}h3{font-size:1.05rem;margin:.2rem 0}
.note{background:#fff8c5;border-left:4px solid #d4a72c;padding:.5rem .75rem}
.meta{color:var(--muted)}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
td.code{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
thead th{background:#f6f8fa}
tbody th[scope=row]{min-width:9rem}
.over{color:var(--over);font-weight:600}
.problem{color:#a40e26}
.org{border:1px solid var(--line);border-radius:6px;padding:.75rem;margin:1rem 0;break-inside:avoid;content-visibility:auto;contain-intrinsic-size:auto 1100px}
.charts{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
svg{max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:var(--ink)}
.bar.prepaid{fill:var(--prepaid)}.bar.usage{fill:var(--usage)}.bar.overage{fill:var(--over)}.bar.trend{fill:var(--usage)}
.legend span{display:inline-block;margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.trends{display:flex;flex-wrap:wrap;gap:.5rem 1rem}
.trends figure{margin:0}.trends figcaption{font-size:.8rem;color:var(--muted);max-width:11rem}
@media (max-width:40rem){body{padding:.5rem;font-size:14px}th,td{padding:.25rem .3rem}tbody th[scope=row]{min-width:0}}
@media print{
 body{max-width:none;font-size:10pt}nav{display:none}a{color:inherit;text-decoration:none}
 .org,table,figure{break-inside:avoid}h2{break-after:avoid}
 .org{content-visibility:visible}
 .bar{print-color-adjust:exact;-webkit-print-color-adjust:exact}
}
"#;

/// Width of a bar chart's drawing area for the bars, in SVG units.
const BAR_WIDTH: f64 = 360.0;
/// Space on the left of a bar chart for the product names.
const LABEL_WIDTH: f64 = 250.0;
/// Height of one product row in a bar chart.
const ROW_HEIGHT: f64 = 30.0;

/// The roll-up and its period labels, what every part of the page reads.
struct View<'a> {
    rollup: &'a Rollup,
    labels: PeriodLabels,
}

impl View<'_> {
    fn label(&self, index: i32) -> String {
        self.labels.get(index)
    }
}

/// Writes the page to `out` as it is made (a report of thousands of orgs is tens of MB).
pub fn render(out: &mut dyn Write, report: &PartnerReport) -> io::Result<()> {
    let mut sink = Sink { out, error: None };
    page(&mut sink, report);
    match sink.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// `fmt::Write` over `io::Write`, keeping the first I/O error; after it, every write fails
/// at once, so the page's many `write!`s need not each be checked.
struct Sink<'a> {
    out: &'a mut dyn Write,
    error: Option<io::Error>,
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

fn page(h: &mut dyn fmt::Write, report: &PartnerReport) {
    let rollup = &report.rollup;
    let view = View {
        rollup,
        labels: PeriodLabels::new(rollup),
    };
    let generated = report.generated_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let periods: Vec<String> = rollup.periods.iter().map(|&p| view.label(p)).collect();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Partner billing estimate, {generated}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Partner billing estimate</h1>\n\
         <p class=\"meta\" id=\"made\">Made <time datetime=\"{}\">{generated}</time> for billing periods {}.</p>\n\
         <p class=\"note\" role=\"note\">An estimate from the trustee billing overviews, not an invoice: \
         no taxes, discounts or minimums are applied. Overage quantity = max(0, usage − prepaid quantity); \
         overage amount = overage quantity × overage price; prepaid amount = prepaid quantity × prepay price. \
         A line with a value that is not a number is shown, and left out of every total.</p>\n\
         <nav aria-label=\"Sections\"><ul><li><a href=\"#totals\">Totals per currency</a></li>\
         <li><a href=\"#ranking\">Orgs by overage</a></li><li><a href=\"#failed\">Failed orgs</a></li>\
         <li><a href=\"#orgs\">Each org</a></li><li><a href=\"#products\">Per product</a></li></ul></nav>\n</header>\n<main>\n",
        report.generated_at.to_rfc3339(),
        esc(&periods.join("; ")),
    );
    // Short sections first, so the page opens on what a partner looks for; the long per-org
    // and per-product detail follows.
    totals(h, &view);
    ranking(h, &view);
    failed(h, &view);
    let _ = write!(h, "<section id=\"orgs\">\n<h2>Each org</h2>\n{}", legend());
    for org in &rollup.orgs {
        org_section(h, &view, org);
    }
    let _ = h.write_str("</section>\n");
    products(h, &view);
    let _ = h.write_str("</main>\n</body>\n</html>\n");
}

fn totals(h: &mut dyn fmt::Write, view: &View) {
    let rollup = view.rollup;
    let _ = write!(
        h,
        "<section id=\"totals\">\n<h2>Totals per currency</h2>\n<p id=\"coverage\">These totals cover \
         <strong data-value=\"{covered}\">{covered}</strong> orgs; <strong data-value=\"{failed}\">{failed}</strong> \
         failed for at least one period (listed <a href=\"#failed\">below</a>) and are in the totals only \
         for the periods they had. Amounts in different currencies are never added together.</p>\n\
         <div class=\"scroll\"><table id=\"currency-totals\">\n<caption>Estimated amounts per currency and billing period</caption>\n\
         <thead><tr><th scope=\"col\">Currency</th><th scope=\"col\">Billing period</th><th scope=\"col\" class=\"num\">Orgs</th>\
         <th scope=\"col\" class=\"num\">Prepaid</th><th scope=\"col\" class=\"num\">Overage</th><th scope=\"col\" class=\"num\">Total</th>\
         <th scope=\"col\" class=\"num\">Lines left out</th></tr></thead>\n<tbody>\n",
        covered = rollup.orgs.len(),
        failed = rollup.failed_orgs(),
    );
    for c in &rollup.currencies {
        let _ = writeln!(
            h,
            "<tr data-currency=\"{cur}\" data-period=\"{p}\"><th scope=\"row\">{cur}</th><td>{label}</td>\
             <td class=\"num\" data-field=\"orgs\" data-value=\"{orgs}\">{orgs}</td>{}{}{}\
             <td class=\"num\" data-field=\"lines-excluded\" data-value=\"{ex}\">{ex}</td></tr>",
            amount_cell("prepaid", &c.prepaid_amount, ""),
            amount_cell("overage", &c.overage_amount, "over"),
            amount_cell("total", &c.total_amount, ""),
            cur = esc(&c.currency),
            p = c.billing_period_index,
            label = esc(&view.label(c.billing_period_index)),
            orgs = c.orgs,
            ex = c.lines_excluded,
        );
    }
    let _ = h.write_str("</tbody></table></div>\n</section>\n");
}

fn products(h: &mut dyn fmt::Write, view: &View) {
    let rollup = view.rollup;
    let _ = h.write_str("<section id=\"products\">\n<h2>Per product</h2>\n<p>Usage and amounts per part number, over the orgs billed in each currency.</p>\n");
    for c in &rollup.currencies {
        let _ = write!(
            h,
            "<div class=\"scroll\"><table class=\"products\" data-currency=\"{cur}\" data-period=\"{p}\">\n\
             <caption>Per product, {cur}, billing period {label}</caption>\n<thead><tr><th scope=\"col\">Product</th>\
             <th scope=\"col\">Part number</th><th scope=\"col\" class=\"num\">Orgs</th><th scope=\"col\" class=\"num\">Usage</th>\
             <th scope=\"col\" class=\"num\">Prepaid quantity</th><th scope=\"col\" class=\"num\">Overage quantity</th>\
             <th scope=\"col\" class=\"num\">Prepaid</th><th scope=\"col\" class=\"num\">Overage</th></tr></thead>\n<tbody>\n",
            cur = esc(&c.currency),
            p = c.billing_period_index,
            label = esc(&view.label(c.billing_period_index)),
        );
        for product in &c.products {
            let _ = writeln!(
                h,
                "<tr data-part=\"{part}\"><th scope=\"row\">{name}</th><td class=\"code\">{part}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}</tr>",
                product.orgs,
                quantity(&product.usage_quantity),
                quantity(&product.prepay_quantity),
                quantity(&product.overage_quantity),
                amount_cell("prepaid", &product.amounts.prepaid_amount, ""),
                amount_cell("overage", &product.amounts.overage_amount, "over"),
                part = esc(&product.part_number),
                name = esc(&product.name),
            );
        }
        let _ = h.write_str("</tbody></table></div>\n");
    }
    let _ = h.write_str("</section>\n");
}

fn ranking(h: &mut dyn fmt::Write, view: &View) {
    let rollup = view.rollup;
    let _ = h.write_str("<section id=\"ranking\">\n<h2>Orgs by overage</h2>\n<p>Highest estimated overage first, over all the billing periods shown, one table per currency.</p>\n");
    for currency in rollup.currency_names() {
        let _ = write!(
            h,
            "<div class=\"scroll\"><table class=\"ranking\" data-currency=\"{cur}\">\n<caption>Orgs billed in {cur}, by overage</caption>\n\
             <thead><tr><th scope=\"col\" class=\"num\">Rank</th><th scope=\"col\">Org</th><th scope=\"col\" class=\"num\">Overage</th>\
             <th scope=\"col\" class=\"num\">Prepaid</th><th scope=\"col\" class=\"num\">Total</th><th scope=\"col\">Notes</th></tr></thead>\n<tbody>\n",
            cur = esc(currency)
        );
        let ranked = rollup.ranking.iter().filter(|r| r.currency == currency);
        for (rank, r) in ranked.enumerate() {
            let notes = if r.amounts.lines_excluded > 0 {
                format!("{} lines left out", r.amounts.lines_excluded)
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<tr data-org-id=\"{id}\"><td class=\"num\">{}</td><th scope=\"row\"><a href=\"#{anchor}\">{name}</a></th>{}{}{}<td>{}</td></tr>",
                rank + 1,
                amount_cell("overage", &r.amounts.overage_amount, "over"),
                amount_cell("prepaid", &r.amounts.prepaid_amount, ""),
                amount_cell("total", &r.amounts.total_amount, ""),
                esc(&notes),
                id = esc(&r.org_id),
                anchor = anchor(&r.org_id),
                name = esc(&r.org_name),
            );
        }
        let _ = h.write_str("</tbody></table></div>\n");
    }
    let _ = h.write_str("</section>\n");
}

fn legend() -> String {
    "<p class=\"legend\" aria-hidden=\"true\"><span><i class=\"swatch\" style=\"background:var(--prepaid)\"></i>prepaid quantity</span>\
     <span><i class=\"swatch\" style=\"background:var(--usage)\"></i>usage</span>\
     <span><i class=\"swatch\" style=\"background:var(--over)\"></i>usage over the prepaid quantity</span></p>\n"
        .to_owned()
}

fn org_section(h: &mut dyn fmt::Write, view: &View, org: &OrgRollup) {
    let rollup = view.rollup;
    let id = anchor(&org.org_id);
    let _ = write!(
        h,
        "<article class=\"org\" id=\"{id}\" data-org-id=\"{oid}\" aria-labelledby=\"{id}-h\">\n\
         <h3 id=\"{id}-h\">{name}</h3>\n<p class=\"meta\">Org id {oid}</p>\n",
        oid = esc(&org.org_id),
        name = esc(&org.org_name),
    );
    // Per period: currency, totals and the minimum beside them.
    let _ = write!(
        h,
        "<div class=\"scroll\"><table class=\"org-periods\">\n<caption>Estimated amounts per billing period</caption>\n\
         <thead><tr><th scope=\"col\">Billing period</th><th scope=\"col\">Currency</th><th scope=\"col\" class=\"num\">Prepaid</th>\
         <th scope=\"col\" class=\"num\">Overage</th><th scope=\"col\" class=\"num\">Total</th>\
         <th scope=\"col\" class=\"num\">Minimum monthly amount</th><th scope=\"col\">Notes</th></tr></thead>\n<tbody>\n"
    );
    for period in &org.periods {
        let minimum = match (&period.minimum_monthly_amount, &period.minimum_problem) {
            (Some(m), _) => amount_cell("minimum", m, ""),
            (None, Some(problem)) => format!(
                "<td class=\"num problem\">{}</td>",
                esc(&problem.to_string())
            ),
            (None, None) => "<td class=\"num\">not given</td>".to_owned(),
        };
        let notes = match period.lines_with_problems() {
            0 => String::new(),
            n => format!("{n} lines left out: a value is not a number"),
        };
        let _ = writeln!(
            h,
            "<tr data-period=\"{p}\"><th scope=\"row\">{label}</th><td>{cur}</td>{}{}{}{minimum}<td class=\"problem\">{}</td></tr>",
            amount_cell("prepaid", &period.totals.prepaid_amount, ""),
            amount_cell("overage", &period.totals.overage_amount, "over"),
            amount_cell("total", &period.totals.total_amount, ""),
            esc(&notes),
            p = period.billing_period_index,
            label = esc(&view.label(period.billing_period_index)),
            cur = esc(&period.currency),
        );
    }
    let _ = h.write_str("</tbody></table></div>\n");

    // The latest period in detail: chart and its table.
    if let Some(latest) = org.periods.first() {
        let _ = h.write_str("<div class=\"charts\">\n");
        bar_chart(h, &id, org, latest, view);
        let _ = h.write_str("</div>\n");
        lines_table(h, latest, view);
    }
    if rollup.periods.len() > 1 {
        trends(h, &id, org);
    }
    let _ = h.write_str("</article>\n");
}

/// Usage against prepaid quantity, one row per usage line; each row is scaled on its own
/// (minutes and seats do not share an axis). The part above the prepaid quantity is drawn in
/// the overage colour.
fn bar_chart(
    h: &mut dyn fmt::Write,
    id: &str,
    org: &OrgRollup,
    period: &PeriodRollup,
    view: &View,
) {
    let rows = period.lines.len().max(1);
    let height = rows as f64 * ROW_HEIGHT + 8.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 10.0;
    let title = format!(
        "{}: usage against prepaid quantity, billing period {}",
        org.org_name,
        view.label(period.billing_period_index)
    );
    let desc: Vec<String> = period.lines.iter().map(line_sentence).collect();
    let _ = write!(
        h,
        "<figure class=\"usage-chart\"><svg role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         aria-labelledby=\"{id}-ct {id}-cd\"><title id=\"{id}-ct\">{}</title><desc id=\"{id}-cd\">{}</desc>",
        esc(&title),
        esc(&desc.join(" ")),
    );
    if period.lines.is_empty() {
        let _ = write!(h, "<text x=\"0\" y=\"20\">No usage lines.</text>");
    }
    for (i, line) in period.lines.iter().enumerate() {
        let y = i as f64 * ROW_HEIGHT + 4.0;
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{:.1}\">{}</text>",
            y + 17.0,
            esc(&truncate(&line.name, 32))
        );
        let (Some(used), Some(prepaid)) = (line.usage_quantity, line.prepay_quantity) else {
            let _ = write!(
                h,
                "<text class=\"problem\" x=\"{LABEL_WIDTH}\" y=\"{:.1}\">not a number: left out</text>",
                y + 17.0
            );
            continue;
        };
        let scale = used.max(prepaid);
        let w = |v: Decimal| -> f64 {
            if scale.is_zero() || v <= Decimal::ZERO {
                0.0
            } else {
                // Drawing only: the figures themselves stay exact in the table.
                let ratio = (v / scale).round_dp(4);
                BAR_WIDTH * ratio.to_string().parse::<f64>().unwrap_or(0.0)
            }
        };
        let part = esc(&line.part_number);
        let _ = write!(
            h,
            "<rect class=\"bar prepaid\" data-part=\"{part}\" x=\"{LABEL_WIDTH}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
            y + 2.0,
            w(prepaid)
        );
        let within = used.min(prepaid);
        let _ = write!(
            h,
            "<rect class=\"bar usage\" data-part=\"{part}\" x=\"{LABEL_WIDTH}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
            y + 13.0,
            w(within)
        );
        if used > prepaid {
            let _ = write!(
                h,
                "<rect class=\"bar overage\" data-part=\"{part}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\"/>",
                LABEL_WIDTH + w(within),
                y + 13.0,
                w(used) - w(within)
            );
        }
    }
    let _ = h.write_str("</svg></figure>\n");
}

fn line_sentence(line: &LineRollup) -> String {
    match (line.usage_quantity, line.prepay_quantity) {
        (Some(used), Some(prepaid)) => format!(
            "{}: usage {} of {} prepaid{}.",
            line.name,
            quantity(&used),
            quantity(&prepaid),
            match line.overage_quantity {
                Some(over) if over > Decimal::ZERO => format!(", {} over", quantity(&over)),
                _ => String::new(),
            }
        ),
        _ => format!("{}: a quantity is not a number.", line.name),
    }
}

fn lines_table(h: &mut dyn fmt::Write, period: &PeriodRollup, view: &View) {
    let cur = esc(&period.currency);
    let _ = write!(
        h,
        "<div class=\"scroll\"><table class=\"lines\">\n<caption>Usage lines, billing period {label} ({cur})</caption>\n\
         <thead><tr><th scope=\"col\">Product</th><th scope=\"col\">Part number</th><th scope=\"col\" class=\"num\">Usage</th>\
         <th scope=\"col\" class=\"num\">Prepaid quantity</th><th scope=\"col\" class=\"num\">Overage quantity</th>\
         <th scope=\"col\" class=\"num\">Overage price</th><th scope=\"col\" class=\"num\">Overage</th>\
         <th scope=\"col\" class=\"num\">Prepay price</th><th scope=\"col\" class=\"num\">Prepaid</th></tr></thead>\n<tbody>\n",
        label = esc(&view.label(period.billing_period_index)),
    );
    for line in &period.lines {
        let q = |v: Option<Decimal>| v.as_ref().map(quantity).unwrap_or_else(|| "–".to_owned());
        let a = |field: &str, v: Option<Decimal>, class: &str| match v {
            Some(v) => amount_cell(field, &v, class),
            None => "<td class=\"num\">–</td>".to_owned(),
        };
        let _ = writeln!(
            h,
            "<tr data-part=\"{part}\"><th scope=\"row\">{name}</th><td class=\"code\">{part}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td>{}<td class=\"num\">{}</td>{}</tr>",
            q(line.usage_quantity),
            q(line.prepay_quantity),
            q(line.overage_quantity),
            line.overage_price
                .map(|p| p.to_string())
                .unwrap_or_default(),
            a("overage", line.overage_amount, "over"),
            line.prepay_price.map(|p| p.to_string()).unwrap_or_default(),
            a("prepaid", line.prepaid_amount, ""),
            part = esc(&line.part_number),
            name = esc(&line.name),
        );
        if !line.problems.is_empty() {
            let text: Vec<String> = line.problems.iter().map(|p| p.to_string()).collect();
            let _ = writeln!(
                h,
                "<tr class=\"problem\"><td colspan=\"9\">Left out of the totals: {}</td></tr>",
                esc(&text.join("; "))
            );
        }
    }
    let _ = h.write_str("</tbody></table></div>\n");
}

/// One small column chart per product: its usage in each billing period, oldest on the left.
fn trends(h: &mut dyn fmt::Write, id: &str, org: &OrgRollup) {
    let mut parts: Vec<(&str, &str)> = Vec::new();
    for line in org.periods.iter().flat_map(|p| &p.lines) {
        if !parts.iter().any(|(part, _)| *part == line.part_number) {
            parts.push((&line.part_number, &line.name));
        }
    }
    let _ = h.write_str("<div class=\"trends\" aria-label=\"Usage per billing period\">\n");
    for (n, (part, name)) in parts.iter().enumerate() {
        // Oldest first: periods are newest first in the roll-up.
        let values: Vec<(i32, Option<Decimal>)> = org
            .periods
            .iter()
            .rev()
            .map(|p| {
                let used = p
                    .lines
                    .iter()
                    .find(|l| l.part_number == *part)
                    .and_then(|l| l.usage_quantity);
                (p.billing_period_index, used)
            })
            .collect();
        let max = values
            .iter()
            .filter_map(|(_, v)| *v)
            .fold(Decimal::ZERO, Decimal::max);
        let slot = 24.0;
        let width = values.len() as f64 * slot;
        let text: Vec<String> = values
            .iter()
            .map(|(p, v)| {
                format!(
                    "period {p}: {}",
                    v.as_ref()
                        .map(quantity)
                        .unwrap_or_else(|| "no number".to_owned())
                )
            })
            .collect();
        let _ = write!(
            h,
            "<figure><svg class=\"trend\" data-part=\"{part}\" role=\"img\" viewBox=\"0 0 {width} 54\" width=\"{width}\" height=\"54\" \
             aria-labelledby=\"{id}-t{n} {id}-d{n}\"><title id=\"{id}-t{n}\">Usage of {name} per billing period</title>\
             <desc id=\"{id}-d{n}\">{desc}</desc>",
            name = esc(name),
            part = esc(part),
            desc = esc(&text.join(", ")),
        );
        for (i, (p, v)) in values.iter().enumerate() {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"52\" text-anchor=\"middle\">{p}</text>",
                i as f64 * slot + slot / 2.0
            );
            // The figures are in the chart's description.
            let Some(v) = v else { continue };
            let ratio = if max.is_zero() {
                0.0
            } else {
                (*v / max)
                    .round_dp(4)
                    .to_string()
                    .parse::<f64>()
                    .unwrap_or(0.0)
            };
            let bar = (38.0 * ratio).max(1.0);
            let _ = write!(
                h,
                "<rect class=\"bar trend\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\"/>",
                i as f64 * slot + 3.0,
                40.0 - bar,
                slot - 6.0,
            );
        }
        let _ = writeln!(
            h,
            "</svg><figcaption>{}, by billing period (oldest left)</figcaption></figure>",
            esc(&truncate(name, 40))
        );
    }
    let _ = h.write_str("</div>\n");
}

fn failed(h: &mut dyn fmt::Write, view: &View) {
    let rollup = view.rollup;
    let _ = h.write_str("<section id=\"failed\">\n<h2>Failed orgs</h2>\n");
    if rollup.failed.is_empty() {
        let _ = h.write_str("<p>None: every org and billing period was read.</p>\n</section>\n");
        return;
    }
    let _ = h.write_str(
        "<div class=\"scroll\"><table id=\"failed-orgs\">\n<caption>Org billing periods that could not be read (not in any total)</caption>\n\
         <thead><tr><th scope=\"col\">Org id</th><th scope=\"col\">Billing period</th><th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n",
    );
    for f in &rollup.failed {
        let _ = writeln!(
            h,
            "<tr data-org-id=\"{id}\"><th scope=\"row\">{id}</th><td>{}</td><td>{}</td></tr>",
            f.billing_period_index,
            esc(&f.reason),
            id = esc(&f.org_id),
        );
    }
    let _ = h.write_str("</tbody></table></div>\n</section>\n");
}

/// A table cell with an amount: grouped digits for people, the exact value in `data-value`.
fn amount_cell(field: &str, value: &Decimal, class: &str) -> String {
    let exact = money(value);
    let class = if class.is_empty() || value.is_zero() {
        "num".to_owned()
    } else {
        format!("num {class}")
    };
    format!(
        "<td class=\"{class}\" data-field=\"{field}\" data-value=\"{exact}\">{}</td>",
        grouped(&exact)
    )
}

/// `1234567.891` → `1,234,567.891`.
pub fn grouped(exact: &str) -> String {
    let (sign, unsigned) = match exact.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", exact),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let mut out = String::from(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An id attribute for an org: its id with anything but ASCII letters, digits, `-` and `_`
/// turned into `_` (org ids are UUIDs; this keeps a strange one from breaking the markup).
fn anchor(org_id: &str) -> String {
    let safe: String = org_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("org-{safe}")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_groups_digits() {
        assert_eq!(
            esc("<b onclick=\"x\">A & B's</b>"),
            "&lt;b onclick=&quot;x&quot;&gt;A &amp; B&#39;s&lt;/b&gt;"
        );
        assert_eq!(grouped("1234567.891"), "1,234,567.891");
        assert_eq!(grouped("-1000.00"), "-1,000.00");
        assert_eq!(grouped("999"), "999");
        assert_eq!(anchor("a b\"<c>"), "org-a_b__c_");
    }
}
