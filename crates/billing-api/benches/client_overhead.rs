//! Client overhead (benchmark 2; results in `docs/performance.md`).
//!
//! The full [`billing_api::Client`] (static bearer token through the auth layer, retry, attempt
//! and operation timeouts, the tracing span, gzip negotiation, typed decode) against two
//! contenders doing the same `GET` with the same headers and the same typed decode of the
//! answer: a bare hyper-util legacy client, and a plain `reqwest::Client` (what most Rust users
//! would otherwise write). All three talk to ONE in-process hyper server on 127.0.0.1 that
//! answers every request with the same `TrusteeBillingOverview` body, in the same run,
//! interleaved: each round measures the three for a fixed time at concurrency 1 and 32, in an
//! order that rotates from round to round, and the figures are ratios of requests per second
//! within a round (medians over rounds), so that load from other processes falls on all three.
//!
//! `cargo bench -p billing-api --bench client_overhead`; `BENCH_QUICK=1` for a smoke run;
//! `BENCH_ROUNDS=N`, `BENCH_SPAN_MS=N` to shorten or lengthen; `BENCH_ONLY=full|bare|reqwest
//! BENCH_REQUESTS=N` runs N sequential requests of one side and nothing else (for
//! `valgrind --tool=callgrind`, which counts instructions, not seconds).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use billing_api::models::TrusteeBillingOverview;
use billing_api::{Client, Environment, StaticTokenSource};
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

const ORG: &str = "5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b";
const TOKEN: &str = "bench-token";

/// The overview every request gets: the spec's 17 fields, three usage lines (1.6 KB compact).
const OVERVIEW: &str = r#"{"id":"9e0c7d52-1a3b-4c6d-8e9f-0a1b2c3d4e5f","name":"Trustee billing overview","organization":{"id":"5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b","name":"Northwind Contact Center"},"currency":"USD","enabledProducts":["cx3","wem-addon-ii","digital-addon-ii","speech-analytics"],"subscriptionType":"PREPAY_MONTHLY_COMMITMENT","rampPeriodStartDate":"2026-01-01T00:00:00.000Z","rampPeriodEndDate":"2026-03-31T23:59:59.999Z","billingPeriodStartDate":"2026-10-01T00:00:00.000Z","billingPeriodEndDate":"2026-10-31T23:59:59.999Z","usages":[{"name":"Genesys Cloud CX 3 Concurrent User","partNumber":"PC-170-NV-USR3C","grouping":"user","unitOfMeasureType":"seat","usageQuantity":"142","overagePrice":"215.00","prepayQuantity":"120","prepayPrice":"155.00","usageNotes":"Peak concurrent users in the period","isCancellable":false,"bundleQuantity":"1","isThirdParty":false},{"name":"Genesys Cloud WEM Add-On II","partNumber":"PC-170-NV-WEM2","grouping":"addon","unitOfMeasureType":"seat","usageQuantity":"80","overagePrice":"40.00","prepayQuantity":"80","prepayPrice":"30.00","isCancellable":true,"bundleQuantity":"1","isThirdParty":false},{"name":"AI Experience Tokens","partNumber":"PC-170-NV-AIT","grouping":"consumption","unitOfMeasureType":"token","usageQuantity":"48250.5","prepayQuantity":"50000","bundleQuantity":"1000","isThirdParty":true}],"contractAmendmentDate":"2026-06-15T12:30:00.000Z","contractEffectiveDate":"2026-01-01T00:00:00.000Z","contractEndDate":"2028-12-31T23:59:59.999Z","minimumMonthlyAmount":"18600.00","inRampPeriod":false,"selfUri":"/api/v2/billing/trusteebillingoverview/5c3b0f2e-7d41-4f8a-9b6c-2e1d0a9f8c7b"}"#;

/// The one server both clients talk to: HTTP/1.1 keep-alive, the fixed body, nothing else.
async fn serve(listener: TcpListener, served: Arc<AtomicU64>) {
    let body = Bytes::from_static(OVERVIEW.as_bytes());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        let served = served.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_req: Request<Incoming>| {
                served.fetch_add(1, Ordering::Relaxed);
                let response = Response::builder()
                    .status(StatusCode::OK)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Full::new(body.clone()))
                    .expect("static response");
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Bare,
    Reqwest,
    Full,
}

const SIDES: [Side; 3] = [Side::Bare, Side::Reqwest, Side::Full];

/// The three clients, ready to send the same request.
#[derive(Clone)]
struct Clients {
    full: Client,
    bare: LegacyClient<HttpConnector, Full<Bytes>>,
    reqwest: reqwest::Client,
    url: Arc<str>,
}

impl Clients {
    fn new(base: &str) -> Clients {
        let full = Client::builder()
            .environment(Environment::custom(base, base).expect("base URL"))
            .token_source(Arc::new(StaticTokenSource::new(TOKEN)))
            .build()
            .expect("client builds");
        // What the transport's innermost layer is built from, minus TLS and the proxy matcher.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let bare = LegacyClient::builder(TokioExecutor::new()).build(connector);
        let reqwest = reqwest::Client::builder()
            .tcp_nodelay(true)
            .build()
            .expect("reqwest client builds");
        let url =
            format!("{base}/api/v2/billing/trusteebillingoverview/{ORG}?billingPeriodIndex=1");
        Clients {
            full,
            bare,
            reqwest,
            url: url.into(),
        }
    }

    async fn one(&self, side: Side) -> TrusteeBillingOverview {
        match side {
            Side::Full => self
                .full
                .get_billing_trusteebillingoverview_trustor_org_id(ORG, Some(1))
                .await
                .expect("full client request"),
            Side::Bare => {
                // The same request the transport puts on the wire: bearer token, Accept, a
                // User-Agent; then the whole body buffered and decoded into the same type.
                let request = Request::get(&*self.url)
                    .header(header::AUTHORIZATION, concat!("Bearer ", "bench-token"))
                    .header(header::ACCEPT, "application/json")
                    .header(header::USER_AGENT, "genesys-billing-bench")
                    .body(Full::new(Bytes::new()))
                    .expect("request");
                let response = self.bare.request(request).await.expect("bare request");
                assert_eq!(response.status(), StatusCode::OK);
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("bare body")
                    .to_bytes();
                serde_json::from_slice(&body).expect("bare decode")
            }
            Side::Reqwest => {
                let response = self
                    .reqwest
                    .get(&*self.url)
                    .bearer_auth(TOKEN)
                    .header(header::ACCEPT, "application/json")
                    .header(header::USER_AGENT, "genesys-billing-bench")
                    .send()
                    .await
                    .expect("reqwest request");
                assert_eq!(response.status(), StatusCode::OK);
                let body = response.bytes().await.expect("reqwest body");
                serde_json::from_slice(&body).expect("reqwest decode")
            }
        }
    }
}

/// Requests per second of `side` with `concurrency` loops sending back to back for `span`.
async fn rate(clients: &Clients, side: Side, concurrency: usize, span: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let clients = clients.clone();
            let done = done.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let overview = clients.one(side).await;
                    std::hint::black_box(&overview);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    tokio::time::sleep(span).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("load task");
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let only = std::env::var("BENCH_ONLY").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let served = Arc::new(AtomicU64::new(0));
        tokio::spawn(serve(listener, served.clone()));
        let clients = Clients::new(&base);

        // All sides must agree before anything is timed.
        let reference = clients.one(Side::Full).await;
        for side in [Side::Bare, Side::Reqwest] {
            assert_eq!(
                clients.one(side).await,
                reference,
                "{side:?} decodes the same overview"
            );
        }

        if let Some(only) = only {
            let side = match only.as_str() {
                "bare" => Side::Bare,
                "reqwest" => Side::Reqwest,
                _ => Side::Full,
            };
            let n: u64 = std::env::var("BENCH_REQUESTS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2000);
            let start = Instant::now();
            for _ in 0..n {
                std::hint::black_box(clients.one(side).await);
            }
            println!("{side:?}: {n} sequential requests in {:?}", start.elapsed());
            return;
        }

        let env_u64 = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let (rounds, span, warm) = if quick {
            (2, Duration::from_millis(300), Duration::from_millis(200))
        } else {
            (
                env_u64("BENCH_ROUNDS").unwrap_or(7) as usize,
                Duration::from_millis(env_u64("BENCH_SPAN_MS").unwrap_or(2000)),
                Duration::from_secs(1),
            )
        };
        println!(
            "client overhead: {} cores, {}; {rounds} rounds of {span:?} per side, interleaved",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model()
        );
        println!(
            "{:>11} {:>10} {:>12} {:>10} {:>10} {:>13} {:>12}",
            "concurrency",
            "bare req/s",
            "reqwest req/s",
            "full req/s",
            "full/bare",
            "full/reqwest",
            "reqwest/bare"
        );
        for concurrency in [1usize, 32] {
            for side in SIDES {
                rate(&clients, side, concurrency, warm).await;
            }
            let mut per_side = [Vec::new(), Vec::new(), Vec::new()];
            let (mut full_bare, mut full_reqwest, mut reqwest_bare) =
                (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let mut got = [0.0f64; 3];
                for i in 0..3 {
                    let index = (round + i) % 3;
                    got[index] = rate(&clients, SIDES[index], concurrency, span).await;
                }
                for (values, value) in per_side.iter_mut().zip(got) {
                    values.push(value);
                }
                let [bare, reqwest, full] = got;
                full_bare.push(full / bare);
                full_reqwest.push(full / reqwest);
                reqwest_bare.push(reqwest / bare);
            }
            let per_round: Vec<String> = full_reqwest.iter().map(|r| format!("{r:.3}")).collect();
            let [bare, reqwest, full] = &mut per_side;
            println!(
                "{concurrency:>11} {:>10.0} {:>12.0} {:>10.0} {:>10.3} {:>13.3} {:>12.3}   full/reqwest per round: {}",
                median(bare),
                median(reqwest),
                median(full),
                median(&mut full_bare),
                median(&mut full_reqwest),
                median(&mut reqwest_bare),
                per_round.join(" ")
            );
        }
        println!(
            "server answered {} requests",
            served.load(Ordering::Relaxed)
        );
    });
}
