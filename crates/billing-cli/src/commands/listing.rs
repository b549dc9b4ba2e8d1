//! What the listing commands share: `--page-size` and `--limit`, and printing the items of a
//! listing as its pages arrive (NDJSON and CSV line by line, JSON as one array, a table at the
//! end). A failure part-way still prints every item fetched before it.

use std::io::{self, Write};

use billing_api::{CursorQuery, Error, ListingRequest, PageStream};
use chrono::NaiveDate;
use clap::Args;
use comfy_table::{Cell, CellAlignment};
use futures_util::StreamExt;
use serde::Serialize;

use super::Context;
use crate::cli::Format;
use crate::exit::{Exit, Failure};
use crate::format::Printer;

/// `--page-size` and `--limit`.
#[derive(Debug, Clone, Args)]
pub struct PagingArgs {
    /// Items per page asked of the server, 1 to 200 [default: the server's, 25]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(billing_api::MAX_PAGE_SIZE)))]
    pub page_size: Option<u32>,

    /// Stop after N items (no further pages are fetched).
    #[arg(long, value_name = "N", value_parser = parse_limit)]
    pub limit: Option<u64>,
}

/// Reads `--limit`: a whole number of items, at least 1.
fn parse_limit(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1 (leave --limit out for every item)".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number of items, e.g. 100".to_owned()),
    }
}

/// Reads `--from` and `--to` of the listings: a calendar day, `yyyy-mm-dd`.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "not a date; use a calendar day such as 2026-10-01 (yyyy-mm-dd)".to_owned())
}

/// One output column: its header and how to read it from an item.
pub(crate) type Column<T> = (&'static str, fn(&T) -> String);

/// How the items of one listing print.
pub(crate) struct Layout<T: 'static> {
    /// What the items are called ("invoices"), for the table's last line.
    pub noun: &'static str,
    /// CSV: every field, nested objects as `parent.field` columns, arrays as JSON.
    pub csv: Vec<Column<T>>,
    /// The table: what a person needs; the columns named in `right` are right-aligned.
    pub table: Vec<Column<T>>,
    /// Table columns holding numbers.
    pub right: &'static [&'static str],
}

/// Refuses `--to` before `--from`, before anything is sent.
pub(crate) fn check_dates(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), Failure> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => {
            Err(Failure::new(Exit::Usage, "--to must not be before --from"))
        }
        _ => Ok(()),
    }
}

/// `set(request, value)` when the option was given, else the request as it is.
pub(crate) fn given<R, V>(request: R, value: Option<V>, set: impl FnOnce(R, V) -> R) -> R {
    match value {
        Some(value) => set(request, value),
        None => request,
    }
}

/// Runs a `list` subcommand once its filters are set: the page size, then every page printed.
pub(crate) async fn run<Q: CursorQuery>(
    ctx: &Context,
    request: ListingRequest<Q>,
    paging: &PagingArgs,
    layout: &Layout<Q::Item>,
) -> Result<Exit, Failure>
where
    Q::Item: Serialize,
{
    let request = given(request, paging.page_size, ListingRequest::page_size);
    print(ctx, request.pages(), paging.limit, layout).await
}

/// Prints every item of `pages` (up to `--limit`) and says how the command ends. Nothing is
/// written before the first page arrives, so a listing that fails at once leaves no file.
pub(crate) async fn print<T: Serialize + Send + 'static>(
    ctx: &Context,
    mut pages: PageStream<T>,
    limit: Option<u64>,
    layout: &Layout<T>,
) -> Result<Exit, Failure> {
    let first = match pages.next().await {
        Some(Ok(page)) => page.items,
        Some(Err(error)) => return Err(error.into()),
        None => Vec::new(),
    };
    let limit = limit.unwrap_or(u64::MAX);
    let mut failed: Option<Error> = None;
    let mut printed = 0;
    ctx.destination.write(|out, printer| {
        // Lines are written as pages arrive, inside the destination's writer; the runtime has
        // worker threads to spare while this one waits for the next page.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                let mut sink = Sink::new(out, printer, layout)?;
                let mut items = Some(first);
                while let Some(page) = items.take() {
                    let room = usize::try_from(limit - printed).unwrap_or(usize::MAX);
                    for item in page.into_iter().take(room) {
                        sink.item(item)?;
                        printed += 1;
                    }
                    sink.page_done()?;
                    if printed >= limit {
                        break;
                    }
                    match pages.next().await {
                        Some(Ok(page)) => items = Some(page.items),
                        Some(Err(error)) => failed = Some(error),
                        None => {}
                    }
                }
                sink.finish(printed)
            })
        })
    })?;
    let Some(error) = failed else {
        return Ok(Exit::Ok);
    };
    let exit = Failure::from(error).report();
    eprintln!(
        "note: the listing stopped part-way; the {printed} {} fetched before the error were printed",
        layout.noun
    );
    Ok(exit)
}

/// Where items go as they come.
enum Sink<'a, T: 'static> {
    Ndjson(&'a mut dyn Write),
    // Boxed: the CSV writer keeps its buffer inline.
    Csv(Box<csv::Writer<&'a mut dyn Write>>, &'a [Column<T>]),
    Json(&'a mut dyn Write, Vec<T>),
    Table(&'a mut dyn Write, Printer, &'a Layout<T>, Vec<T>),
}

impl<'a, T: Serialize + 'static> Sink<'a, T> {
    fn new(out: &'a mut dyn Write, printer: &Printer, layout: &'a Layout<T>) -> io::Result<Self> {
        Ok(match printer.format {
            // Refused before connecting (run.rs); HTML is the partner report's.
            Format::Html => return Err(crate::format::html_is_for_partner()),
            Format::Ndjson => Sink::Ndjson(out),
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(layout.csv.iter().map(|(name, _)| name))?;
                Sink::Csv(Box::new(csv), &layout.csv)
            }
            Format::Json => Sink::Json(out, Vec::new()),
            Format::Table => Sink::Table(out, *printer, layout, Vec::new()),
        })
    }

    fn item(&mut self, item: T) -> io::Result<()> {
        match self {
            Sink::Ndjson(out) => {
                serde_json::to_writer(&mut **out, &item)?;
                writeln!(out)
            }
            Sink::Csv(csv, columns) => {
                csv.write_record(columns.iter().map(|(_, read)| read(&item)))?;
                Ok(())
            }
            Sink::Json(_, items) | Sink::Table(_, _, _, items) => {
                items.push(item);
                Ok(())
            }
        }
    }

    fn page_done(&mut self) -> io::Result<()> {
        match self {
            Sink::Ndjson(out) => out.flush(),
            Sink::Csv(csv, _) => csv.flush(),
            Sink::Json(..) | Sink::Table(..) => Ok(()),
        }
    }

    fn finish(self, count: u64) -> io::Result<()> {
        match self {
            Sink::Ndjson(out) => out.flush(),
            Sink::Csv(mut csv, _) => csv.flush(),
            Sink::Json(out, items) => {
                serde_json::to_writer_pretty(&mut *out, &items)?;
                writeln!(out)
            }
            Sink::Table(out, printer, layout, items) => {
                if items.is_empty() {
                    return writeln!(out, "no {}", layout.noun);
                }
                writeln!(
                    out,
                    "{}",
                    table(&printer, &layout.table, layout.right, &items)
                )?;
                writeln!(out, "{count} {}", layout.noun)
            }
        }
    }
}

/// A table of `items` with `columns`; numbers right-aligned.
pub(crate) fn table<T>(
    printer: &Printer,
    columns: &[Column<T>],
    right: &[&str],
    items: &[T],
) -> comfy_table::Table {
    let mut table = printer.table();
    table.set_header(columns.iter().map(|(name, _)| *name));
    for item in items {
        table.add_row(columns.iter().map(|(name, read)| {
            let cell = Cell::new(read(item));
            if right.contains(name) {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    table
}

/// An optional date as `yyyy-MM-dd`.
pub(crate) fn date(value: &Option<NaiveDate>) -> String {
    value
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// An optional value as text, empty when absent; numbers exactly as served (a decimal keeps
/// its scale: `0.10` stays `0.10`), enums as their wire value.
pub(crate) fn shown(value: &Option<impl ToString>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// An optional array as compact JSON (numbers exactly as served).
pub(crate) fn json<V: Serialize>(value: &Option<V>) -> String {
    value
        .as_ref()
        .and_then(|v| serde_json::to_string(v).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 10, d)
    }

    #[test]
    fn to_before_from_is_a_usage_error_and_an_open_or_equal_range_is_not() {
        let err = check_dates(day(2), day(1)).unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
        for (from, to) in [
            (day(1), day(1)),
            (day(1), day(2)),
            (None, day(1)),
            (day(2), None),
        ] {
            assert!(check_dates(from, to).is_ok(), "{from:?}..{to:?}");
        }
    }

    #[test]
    fn given_sets_only_what_was_given() {
        let push = |mut v: Vec<u32>, x| {
            v.push(x);
            v
        };
        assert_eq!(given(vec![1], Some(2), push), vec![1, 2]);
        assert_eq!(given(vec![1], None, push), vec![1]);
    }
}
