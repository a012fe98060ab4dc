//! The Ultravox adapter against a local server speaking its REST protocol
//! ([`integrations::fake::ultravox`]): calls created with the key in
//! `X-API-Key`, hung up, and their messages paged back; 401 for a wrong
//! key, 429 with `Retry-After`, 5xx.

use std::time::Duration;

use integrations::{
    fake::ultravox::{message, FakeUltravox},
    ultravox::{Ultravox, UltravoxConfig},
    CallProvider, ProviderError, SessionRequest, Speaker,
};

const KEY: &str = "uv-test-key";

fn provider(url: &str, key: &str) -> Ultravox {
    UltravoxConfig {
        api_key: Some(key.into()),
        webhook_secret: Some("whsec".into()),
        api_url: url.into(),
        model: "fixie-ai/ultravox-70B".into(),
        voice: Some("Mark".into()),
    }
    .build()
    .unwrap()
    .unwrap()
}

fn request() -> SessionRequest {
    SessionRequest {
        interview_id: "0193a5b0-0000-7000-8000-000000000001".into(),
        title: "Interview".into(),
        instructions: "You are interviewing for Data Engineer. Ask: 1. Tell me about Spark.".into(),
        starts_at: None,
        duration: Duration::from_secs(1800),
    }
}

#[tokio::test]
async fn a_call_is_created_hung_up_and_read_back_in_order() {
    let (uv, url) = FakeUltravox::start(KEY).await;
    let p = provider(&url, KEY);
    let session = p.create_session(&request()).await.expect("call");
    assert!(session
        .join_url
        .as_deref()
        .unwrap()
        .starts_with("wss://voice.ultravox.ai/calls/"));
    let sent = uv.call(&session.external_id).request;
    assert_eq!(sent["model"], "fixie-ai/ultravox-70B");
    assert_eq!(sent["voice"], "Mark");
    assert_eq!(sent["maxDuration"], "1800s");
    assert_eq!(
        sent["metadata"]["talenti_interview_id"],
        "0193a5b0-0000-7000-8000-000000000001"
    );
    assert!(sent["systemPrompt"]
        .as_str()
        .unwrap()
        .contains("Tell me about Spark"));

    // Seven messages over three pages (the fake serves three a page), one
    // of them a tool call and one empty: five segments, in order.
    uv.set_messages(
        &session.external_id,
        vec![
            message("agent", "Hello, shall we start?", 0.0, 2.5),
            message("user", "Yes, please.", 3.0, 4.25),
            message("tool", "{\"q\":1}", 4.3, 4.3),
            message("agent", "Tell me about Spark.", 4.5, 6.0),
            message("user", "  ", 6.1, 6.2),
            message(
                "user",
                "I ran Spark jobs on EMR for three years.",
                6.5,
                12.0,
            ),
            message("agent", "Thank you, that is all.", 12.5, 14.0),
        ],
    );
    let t = p
        .fetch_transcript(&session.external_id)
        .await
        .expect("transcript");
    let said: Vec<(Speaker, &str, i64, i64)> = t
        .iter()
        .map(|s| (s.speaker.clone(), s.content.as_str(), s.start_ms, s.end_ms))
        .collect();
    assert_eq!(
        said,
        vec![
            (Speaker::Interviewer, "Hello, shall we start?", 0, 2500),
            (Speaker::Candidate, "Yes, please.", 3000, 4250),
            (Speaker::Interviewer, "Tell me about Spark.", 4500, 6000),
            (
                Speaker::Candidate,
                "I ran Spark jobs on EMR for three years.",
                6500,
                12000
            ),
            (
                Speaker::Interviewer,
                "Thank you, that is all.",
                12500,
                14000
            ),
        ]
    );

    p.end_session(&session.external_id).await.expect("hang up");
    assert!(uv.call(&session.external_id).hung_up);
    // A call the provider no longer knows has nothing to hang up.
    p.end_session("3c90c3cc-0d44-4b50-8888-ffffffffffff")
        .await
        .expect("unknown call");
}

#[tokio::test]
async fn failures_are_sorted_into_what_a_caller_can_do() {
    let (uv, url) = FakeUltravox::start(KEY).await;
    let wrong = provider(&url, "not-the-key");
    assert!(matches!(
        wrong.create_session(&request()).await,
        Err(ProviderError::Refused { status: 401, .. })
    ));
    let p = provider(&url, KEY);
    uv.script.lock().unwrap().push((429, Some("17")));
    match p.create_session(&request()).await {
        Err(ProviderError::Throttled { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(17)))
        }
        other => panic!("expected throttled, got {other:?}"),
    }
    uv.script.lock().unwrap().push((502, None));
    assert!(matches!(
        p.fetch_transcript("3c90c3cc-0d44-4b50-8888-000000000001")
            .await,
        Err(ProviderError::Unavailable { .. })
    ));
    // An id that is not Ultravox's is never put in a URL.
    let before = uv.requests();
    assert!(matches!(
        p.fetch_transcript("../../admin").await,
        Err(ProviderError::Protocol { .. })
    ));
    assert_eq!(uv.requests(), before);
    // Nothing listens here.
    let gone = provider("http://127.0.0.1:9/api", KEY);
    assert!(matches!(
        gone.create_session(&request()).await,
        Err(ProviderError::Unavailable { .. })
    ));
}

#[test]
fn configuration_is_all_or_nothing_and_keeps_its_secrets() {
    assert!(UltravoxConfig::default().build().unwrap().is_none());
    let secret_only = UltravoxConfig {
        webhook_secret: Some("s".into()),
        ..UltravoxConfig::default()
    };
    assert!(secret_only.build().is_err());
    let bad_url = UltravoxConfig {
        api_key: Some("k".into()),
        api_url: "ftp://x".into(),
        ..UltravoxConfig::default()
    };
    assert!(bad_url.build().is_err());
    let ok = UltravoxConfig {
        api_key: Some("very-secret-key".into()),
        webhook_secret: Some("very-secret-hook".into()),
        api_url: "https://api.ultravox.ai/api".into(),
        model: "fixie-ai/ultravox".into(),
        voice: None,
    };
    let p = ok.build().unwrap().unwrap();
    let shown = format!("{ok:?}{p:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
}
