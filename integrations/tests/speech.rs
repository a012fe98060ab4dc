//! The Speech token client against a local server speaking Azure's
//! `issueToken` protocol ([`integrations::fake::speech`]): the key in
//! `Ocp-Apim-Subscription-Key`, an empty POST, the token as the plain-text
//! answer; 401 for a wrong key, 429 with `Retry-After` when throttled.

use std::{sync::Arc, time::Duration};

use integrations::{
    fake::speech::FakeSpeech,
    speech::{SpeechConfig, SpeechTokens},
    ProviderError,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn client(url: &str, key: &str) -> SpeechTokens {
    SpeechConfig {
        region: Some("westeurope".into()),
        key: Some(key.into()),
        token_url: Some(url.into()),
    }
    .build()
    .unwrap()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_serves_every_caller_until_shortly_before_it_expires() {
    let (az, url) = FakeSpeech::start(KEY).await;
    let speech = Arc::new(client(&url, KEY));
    let first = speech.token().await.expect("token");
    assert_eq!(first.region, "westeurope");
    assert_eq!(first.token.split('.').count(), 3);
    let left = first.expires_at - chrono::Utc::now();
    assert!(left > chrono::Duration::seconds(590) && left <= chrono::Duration::seconds(600));
    // Ten callers at once: the same token, from one request.
    let mut handles = Vec::new();
    for _ in 0..10 {
        let s = speech.clone();
        handles.push(tokio::spawn(async move { s.token().await.unwrap().token }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), first.token);
    }
    assert_eq!(az.calls(), 1);

    // A token that is about to expire is not handed out: each call renews.
    let (az2, url2) = FakeSpeech::start(KEY).await;
    *az2.lifetime.lock().unwrap() = 60;
    let short = client(&url2, KEY);
    let a = short.token().await.unwrap();
    let b = short.token().await.unwrap();
    assert_ne!(a.token, b.token);
    assert_eq!(az2.calls(), 2);
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_a_throttle_says_when_to_come_back() {
    let (az, url) = FakeSpeech::start(KEY).await;
    let wrong = client(&url, "not-the-key");
    match wrong.token().await {
        Err(ProviderError::Refused { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    az.script
        .lock()
        .unwrap()
        .extend([(429, Some("2")), (500, None)]);
    let speech = client(&url, KEY);
    match speech.token().await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(2)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        speech.token().await,
        Err(ProviderError::Unavailable { .. })
    ));
    // Nothing was cached from the failures; the next call gets a token.
    assert!(speech.token().await.is_ok());
    assert_eq!(az.calls(), 4);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/sts/v1.0/issueToken",
        listener.local_addr().unwrap()
    );
    drop(listener);
    assert!(matches!(
        client(&url, KEY).token().await,
        Err(ProviderError::Unavailable { .. })
    ));
}
