//! Region parsing for every region and a custom pair.

use billing_transport::{BuildError, Environment, Region};

#[test]
fn every_region_parses_from_every_form() {
    assert_eq!(Region::ALL.len(), 18);
    for region in Region::ALL {
        let name = region.name();
        let domain = region.domain();
        let forms = [
            name.to_owned(),
            name.replace('_', "-"),
            name.to_uppercase(),
            domain.to_owned(),
            format!("api.{domain}"),
            format!("login.{domain}"),
            format!("https://api.{domain}"),
            format!("https://api.{domain}/"),
            format!("HTTPS://API.{}/api/v2", domain.to_uppercase()),
            format!("  {domain}  "),
        ];
        for form in forms {
            assert_eq!(form.parse::<Region>(), Ok(region), "{form:?}");
        }
        assert_eq!(region.to_string(), name);
        let env = Environment::from_region(region);
        assert_eq!(env.api_base().to_string(), format!("https://api.{domain}/"));
        assert_eq!(
            env.login_base().to_string(),
            format!("https://login.{domain}/")
        );
        assert_eq!(
            env.token_url().to_string(),
            format!("https://login.{domain}/oauth/token")
        );
        assert_eq!(env.region(), Some(region));
        assert_eq!(
            format!("https://api.{domain}")
                .parse::<Environment>()
                .unwrap(),
            env
        );
    }
}

#[test]
fn the_table_matches_the_sdks() {
    let expected = [
        ("us_east_1", "mypurecloud.com"),
        ("eu_west_1", "mypurecloud.ie"),
        ("ap_southeast_2", "mypurecloud.com.au"),
        ("ap_northeast_1", "mypurecloud.jp"),
        ("eu_central_1", "mypurecloud.de"),
        ("us_west_2", "usw2.pure.cloud"),
        ("ca_central_1", "cac1.pure.cloud"),
        ("ap_northeast_2", "apne2.pure.cloud"),
        ("eu_west_2", "euw2.pure.cloud"),
        ("ap_south_1", "aps1.pure.cloud"),
        ("us_east_2", "use2.us-gov-pure.cloud"),
        ("sa_east_1", "sae1.pure.cloud"),
        ("me_central_1", "mec1.pure.cloud"),
        ("ap_northeast_3", "apne3.pure.cloud"),
        ("eu_central_2", "euc2.pure.cloud"),
        ("mx_central_1", "mxc1.pure.cloud"),
        ("ap_southeast_1", "apse1.pure.cloud"),
        ("eusc_de_east_1", "edee1.eusc-pure.cloud"),
    ];
    let actual: Vec<_> = Region::ALL.iter().map(|r| (r.name(), r.domain())).collect();
    assert_eq!(actual, expected);
    assert_eq!(Region::default(), Region::UsEast1);
    assert_eq!(
        Environment::default().api_base().host(),
        Some("api.mypurecloud.com")
    );
}

#[test]
fn unknown_names_list_the_valid_ones() {
    for bad in [
        "mars_north_1",
        "api.example.com",
        "https://api.mypurecloud.fr",
        "",
    ] {
        let err = bad.parse::<Region>().unwrap_err();
        let message = err.to_string();
        for region in Region::ALL {
            assert!(message.contains(region.name()), "{message}");
        }
        assert_eq!(err.input(), bad);
    }
}

#[test]
fn a_custom_pair_of_base_urls() {
    let env =
        Environment::custom("http://127.0.0.1:8080/", "http://127.0.0.1:8081/prefix").unwrap();
    assert_eq!(env.region(), None);
    assert_eq!(env.api_base().host(), Some("127.0.0.1"));
    assert_eq!(env.api_base().port_u16(), Some(8080));
    assert_eq!(
        env.token_url().to_string(),
        "http://127.0.0.1:8081/prefix/oauth/token"
    );

    let derived = Environment::from_api_base_url("https://api.private.example").unwrap();
    assert_eq!(derived.login_base().host(), Some("login.private.example"));
    assert!(Environment::from_api_base_url("https://billing.private.example").is_err());

    for bad in ["ftp://x", "not a url", "/relative", "https://h/?q=1"] {
        assert!(
            matches!(
                Environment::custom(bad, "https://login.x"),
                Err(BuildError::InvalidUrl { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_base_url_with_a_user_and_password_is_refused_without_quoting_them() {
    for (api, login) in [
        (
            "https://me:pa55w0rd@api.private.example",
            "https://login.private.example",
        ),
        (
            "https://api.private.example",
            "https://me:pa55w0rd@login.private.example/x",
        ),
    ] {
        let err = Environment::custom(api, login).unwrap_err();
        assert!(matches!(err, BuildError::InvalidUrl { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("user:password@"), "{shown}");
        assert!(
            !shown.contains("pa55w0rd") && !shown.contains("me:"),
            "{shown}"
        );
    }
    let err =
        Environment::from_api_base_url("https://me:pa55w0rd@api.private.example").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("pa55w0rd"));
}
