//! The client's stack: user layers see every call, a replacement service answers instead of
//! the transport, and configuration errors name the setting.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use billing_api::{Client, ClientBuilder, Error, Setting};
use billing_sandbox::Sandbox;
use bytes::Bytes;
use http::{Request, Response};

#[test]
fn client_is_cheap_to_clone_and_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Client>();
}

#[tokio::test]
async fn a_user_layer_sees_every_call_and_can_add_headers() {
    let sandbox = Sandbox::builder().no_rate_limit().start().await.unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let client = common::client_builder(&sandbox)
        .with_layer(tower::util::MapRequestLayer::new(
            move |mut req: Request<Bytes>| {
                counter.fetch_add(1, Ordering::SeqCst);
                req.headers_mut()
                    .insert("x-billing-team", http::HeaderValue::from_static("finance"));
                req
            },
        ))
        .build()
        .unwrap();
    let org = sandbox.trustor_org_ids()[0].clone();
    for _ in 0..3 {
        client
            .get_billing_trusteebillingoverview_trustor_org_id(&org, None)
            .await
            .unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let api: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/api/"))
        .collect();
    assert!(
        api.iter()
            .all(|r| r.header("x-billing-team") == Some("finance"))
    );
}

#[tokio::test]
async fn a_replacement_service_answers_from_memory() {
    let body = billing_tests_fixture();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let client = Client::builder()
        .with_service(tower::service_fn(move |req: Request<Bytes>| {
            log.lock().unwrap().push(req.uri().to_string());
            let body = body.clone();
            async move { Ok::<_, std::convert::Infallible>(Response::new(body)) }
        }))
        .build()
        .unwrap();
    let overview = client
        .get_billing_trusteebillingoverview_trustor_org_id("org 1", Some(0))
        .await
        .unwrap();
    assert_eq!(overview.currency, "USD");
    assert_eq!(
        *seen.lock().unwrap(),
        ["/api/v2/billing/trusteebillingoverview/org%201?billingPeriodIndex=0"]
    );
}

#[tokio::test]
async fn a_failing_user_service_is_error_other() {
    let client = Client::builder()
        .with_service(tower::service_fn(|_req: Request<Bytes>| async {
            Err::<Response<Bytes>, _>(std::io::Error::other("offline"))
        }))
        .build()
        .unwrap();
    let err = client
        .get_billing_trusteebillingoverview_trustor_org_id("x", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Other(_)), "{err:?}");
    assert!(err.to_string().contains("offline"));
}

fn billing_tests_fixture() -> Bytes {
    Bytes::from_static(br#"{"organization":{"id":"org 1"},"currency":"USD","enabledProducts":[],"subscriptionType":"PREPAY","usages":[]}"#)
}

fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn from_env_names_the_missing_or_invalid_setting() {
    let setting = |r: Result<ClientBuilder, Error>| match r {
        Err(Error::Config { setting, reason }) => format!("{setting}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert!(
        setting(ClientBuilder::from_env_with(env(&[]))).starts_with("GENESYSCLOUD_OAUTHCLIENT_ID")
    );
    assert!(
        setting(ClientBuilder::from_env_with(env(&[(
            "GENESYSCLOUD_OAUTHCLIENT_ID",
            "id"
        )])))
        .starts_with("GENESYSCLOUD_OAUTHCLIENT_SECRET")
    );
    let bad_region = setting(ClientBuilder::from_env_with(env(&[
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cr3t"),
        ("GENESYSCLOUD_REGION", "mars_north_1"),
    ])));
    assert!(
        bad_region.starts_with("GENESYSCLOUD_REGION")
            && bad_region.contains("us_east_1")
            && bad_region.contains("eu_west_1"),
        "{bad_region}"
    );
    assert!(
        setting(ClientBuilder::from_env_with(env(&[
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cr3t"),
            ("GENESYSCLOUD_LOGIN_URL", "https://login.example.com"),
        ])))
        .starts_with("GENESYSCLOUD_API_URL")
    );

    for region in [
        "eu_west_1",
        "eu-west-1",
        "mypurecloud.ie",
        "api.mypurecloud.ie",
    ] {
        let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s3cr3t"),
            ("GENESYSCLOUD_REGION", region),
        ]));
        let builder = ClientBuilder::from_env_with(env(pairs)).unwrap();
        let debug = format!("{builder:?}");
        assert!(debug.contains("mypurecloud.ie"), "{debug}");
        assert!(
            !debug.contains("s3cr3t"),
            "the secret never prints: {debug}"
        );
        builder.build().unwrap();
    }
}

#[tokio::test]
async fn from_env_reaches_a_custom_api_url() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let base: &'static str = Box::leak(sandbox.base_url().to_owned().into_boxed_str());
    let id: &'static str = Box::leak(sandbox.client_id().to_owned().into_boxed_str());
    let secret: &'static str = Box::leak(sandbox.client_secret().to_owned().into_boxed_str());
    let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
        ("GENESYSCLOUD_OAUTHCLIENT_ID", id),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", secret),
        ("GENESYSCLOUD_API_URL", base),
        ("GENESYSCLOUD_LOGIN_URL", base),
    ]));
    let client = ClientBuilder::from_env_with(env(pairs))
        .unwrap()
        .build()
        .unwrap();
    client
        .get_billing_trusteebillingoverview_trustor_org_id(&sandbox.trustor_org_ids()[0], None)
        .await
        .unwrap();
}

#[test]
fn building_without_credentials_names_them() {
    match Client::builder().build() {
        Err(Error::Config {
            setting: Setting::Credentials,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_url_with_a_password_names_its_setting_and_hides_the_password() {
    for (api, login, wrong) in [
        (
            "https://me:pa55w0rd@api.private.example",
            "https://login.private.example",
            Setting::ApiUrl,
        ),
        (
            "https://api.private.example",
            "https://me:pa55w0rd@login.private.example",
            Setting::LoginUrl,
        ),
    ] {
        let result = ClientBuilder::from_env_vars([
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "id"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "secret"),
            ("GENESYSCLOUD_API_URL", api),
            ("GENESYSCLOUD_LOGIN_URL", login),
        ]);
        let Err(err @ Error::Config { setting, .. }) = &result else {
            panic!("{result:?}")
        };
        assert_eq!(*setting, wrong);
        assert!(!format!("{err} {err:?}").contains("pa55w0rd"), "{err}");
    }
}
