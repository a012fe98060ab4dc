//! The ACS provider against a local server speaking Azure Communication
//! Services' protocol ([`integrations::fake::acs`]): requests HMAC-signed
//! with the access key and checked as ACS checks them, identities with
//! VoIP tokens, recordings downloaded with the same signing; and Event
//! Grid deliveries in both schemas, behind the shared secret.

use std::time::Duration;

use chrono::Utc;
use integrations::{
    acs::{Acs, AcsConfig},
    fake::acs::{
        cloud_events, event_grid_call_ended, event_grid_recording_ready, event_grid_validation,
        FakeAcs,
    },
    CallProvider, ProviderError, ProviderEvent, SessionEvent, SessionRequest, Webhook,
    WebhookError, WebhookRequest,
};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};

/// An access key as the portal shows it (base64 of 64 bytes).
const KEY: &str =
    "VGFsZW50aS10ZXN0LWFjY2Vzcy1rZXktMDEyMzQ1Njc4OS1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx";
const OTHER_KEY: &str =
    "T3RoZXItdGVzdC1hY2Nlc3Mta2V5LTAxMjM0NTY3ODktYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIz";
const SECRET: &str = "event-grid-shared-secret-0123456789";

fn config(connection: &str) -> AcsConfig {
    AcsConfig {
        connection_string: Some(connection.into()),
        event_grid_secret: Some(SECRET.into()),
        token_minutes: 60,
        recording_hosts: vec!["asm.skype.com".into(), "http://127.0.0.1".into()],
    }
}

fn acs(connection: &str) -> Acs {
    config(connection).build().unwrap().unwrap()
}

fn request() -> SessionRequest {
    SessionRequest {
        interview_id: "iv-1".into(),
        title: "Interview".into(),
        instructions: "Ask about Rust.".into(),
        starts_at: None,
        duration: Duration::from_secs(1800),
    }
}

#[tokio::test]
async fn a_signed_request_creates_an_identity_with_a_voip_token() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let cfg = config(&connection);
    let acs = cfg.build().unwrap().unwrap();
    assert_eq!(acs.name(), "acs");
    let session = acs.create_session(&request()).await.expect("session");
    assert!(session.external_id.starts_with("8:acs:"));
    assert_eq!(session.join_url, None);
    let access = session.access.clone().expect("a token");
    assert_eq!(access.identity, session.external_id);
    assert_eq!(access.token.split('.').count(), 3);
    let left = access.expires_at - Utc::now();
    assert!(left > chrono::Duration::minutes(59) && left <= chrono::Duration::minutes(60));
    assert_eq!(
        az.last_create.lock().unwrap().clone(),
        Some(json!({ "createTokenWithScopes": ["voip"], "expiresInMinutes": 60 }))
    );
    assert!(az.identities.lock().unwrap().contains(&session.external_id));
    assert_eq!((az.calls(), az.denied()), (1, 0));
    // Nothing prints the key, the connection string, the secret or the token.
    let shown = format!("{cfg:?} {acs:?} {session:?}");
    for secret in [KEY, connection.as_str(), SECRET, access.token.as_str()] {
        assert!(!shown.contains(secret), "{shown}");
    }
    // Transcripts are not something ACS makes.
    assert!(matches!(
        acs.fetch_transcript(&session.external_id).await,
        Err(ProviderError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn a_wrong_key_is_refused() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let wrong = connection.replace(KEY, OTHER_KEY);
    match acs(&wrong).create_session(&request()).await {
        Err(ProviderError::Refused { status: 401, .. }) => {}
        other => panic!("{:?}", other.map(|s| s.external_id)),
    }
    assert_eq!(az.denied(), 1);
    assert!(az.identities.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_throttle_says_when_to_come_back_and_an_outage_is_unavailable() {
    let (az, connection) = FakeAcs::start(KEY).await;
    az.script
        .lock()
        .unwrap()
        .extend([(429, Some("7")), (503, None), (500, None)]);
    let acs = acs(&connection);
    match acs.create_session(&request()).await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(7)),
        other => panic!("{:?}", other.map(|s| s.external_id)),
    }
    assert!(matches!(
        acs.create_session(&request()).await,
        Err(ProviderError::Unavailable { .. })
    ));
    assert!(matches!(
        acs.end_session("8:acs:x").await,
        Err(ProviderError::Unavailable { .. })
    ));
    assert!(acs.create_session(&request()).await.is_ok());
    assert_eq!(az.calls(), 4);
}

#[tokio::test]
async fn an_unreachable_resource_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let connection = format!(
        "endpoint=http://{}/;accesskey={KEY}",
        listener.local_addr().unwrap()
    );
    drop(listener);
    assert!(matches!(
        acs(&connection).create_session(&request()).await,
        Err(ProviderError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn ending_a_session_deletes_its_identity_once() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let acs = acs(&connection);
    let a = acs.create_session(&request()).await.unwrap();
    let b = acs.create_session(&request()).await.unwrap();
    assert_ne!(a.external_id, b.external_id);
    acs.end_session(&a.external_id).await.expect("deleted");
    assert_eq!(
        az.identities.lock().unwrap().iter().collect::<Vec<_>>(),
        vec![&b.external_id]
    );
    // Already gone (the fake answers 404): what was asked for.
    acs.end_session(&a.external_id).await.expect("still fine");
    assert_eq!(az.deleted.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(az.denied(), 0);
}

#[tokio::test]
async fn recordings_stream_from_allowed_hosts_only() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let content: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    az.put_recording("doc-1", content.clone());
    let acs = acs(&connection);
    let mut resp = acs
        .fetch_recording(&az.recording_url("doc-1"))
        .await
        .expect("the recording");
    let mut got = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert!(got == content, "{} bytes", got.len());
    assert!(chunks > 1, "streamed, not read whole");
    assert_eq!(
        (
            az.denied(),
            az.downloads.load(std::sync::atomic::Ordering::SeqCst)
        ),
        (0, 1)
    );

    // A recording that is not there.
    assert!(matches!(
        acs.fetch_recording(&az.recording_url("missing")).await,
        Err(ProviderError::Protocol { .. })
    ));
    // Signed with the wrong key: refused by the storage.
    let wrong = self::acs(&connection.replace(KEY, OTHER_KEY));
    assert!(matches!(
        wrong.fetch_recording(&az.recording_url("doc-1")).await,
        Err(ProviderError::Refused { status: 401, .. })
    ));

    // Never sent anywhere else: no request leaves for these.
    let before = az.calls();
    let elsewhere = az.recording_url("doc-1").replace("127.0.0.1", "localhost");
    for url in [
        "https://attacker.example/v1/objects/x/content/video",
        "http://storage.asm.skype.com/v1/objects/x/content/video",
        "https://storage.asm.skype.com.attacker.example/x",
        elsewhere.as_str(),
    ] {
        assert!(
            matches!(
                acs.fetch_recording(url).await,
                Err(ProviderError::Protocol { .. })
            ),
            "{url}"
        );
    }
    // With the default hosts (ACS's storage only), the local server is not
    // allowed either.
    let default_hosts = AcsConfig {
        recording_hosts: AcsConfig::default().recording_hosts,
        ..config(&connection)
    }
    .build()
    .unwrap()
    .unwrap();
    assert!(matches!(
        default_hosts
            .fetch_recording(&az.recording_url("doc-1"))
            .await,
        Err(ProviderError::Protocol { .. })
    ));
    assert_eq!(az.calls(), before);
}

fn webhook<'a>(
    headers: &'a HeaderMap,
    query: Option<&'a str>,
    body: &'a [u8],
) -> WebhookRequest<'a> {
    WebhookRequest {
        headers,
        query,
        body,
        now: Utc::now(),
    }
}

fn secret_query() -> String {
    format!("key={SECRET}")
}

#[tokio::test]
async fn webhooks_need_the_shared_secret() {
    let (_az, connection) = FakeAcs::start(KEY).await;
    let acs = acs(&connection);
    let body = event_grid_call_ended("e-1", "c2VydmVyLWNhbGw").to_string();
    let none = HeaderMap::new();
    // In the query string (percent-encoded as a URL carries it)…
    let encoded = format!("api=1&key={}", SECRET.replace('-', "%2D"));
    assert!(acs
        .verify_webhook(&webhook(&none, Some(&encoded), body.as_bytes()))
        .is_ok());
    assert!(acs
        .verify_webhook(&webhook(&none, Some(&secret_query()), body.as_bytes()))
        .is_ok());
    // …or in the header.
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-talenti-event-grid-secret",
        HeaderValue::from_static(SECRET),
    );
    assert!(acs
        .verify_webhook(&webhook(&headers, None, body.as_bytes()))
        .is_ok());
    // Missing or wrong: refused.
    let refused = |r: Result<(), WebhookError>| matches!(r, Err(WebhookError::Unauthenticated(_)));
    assert!(refused(acs.verify_webhook(&webhook(
        &none,
        None,
        body.as_bytes()
    ))));
    assert!(refused(acs.verify_webhook(&webhook(
        &none,
        Some("key=event-grid-shared-secret-0123456788"),
        body.as_bytes()
    ))));
    assert!(refused(acs.verify_webhook(&webhook(
        &none,
        Some("code=event-grid-shared-secret-0123456789"),
        body.as_bytes()
    ))));
    let mut wrong = HeaderMap::new();
    wrong.insert(
        "x-talenti-event-grid-secret",
        HeaderValue::from_static("nope"),
    );
    assert!(refused(acs.verify_webhook(&webhook(
        &wrong,
        None,
        body.as_bytes()
    ))));
    // No secret configured: every webhook is refused.
    let unset = AcsConfig {
        event_grid_secret: None,
        ..config(&connection)
    }
    .build()
    .unwrap()
    .unwrap();
    assert!(refused(unset.verify_webhook(&webhook(
        &headers,
        Some(&secret_query()),
        body.as_bytes()
    ))));
}

fn parse(acs: &Acs, body: &Value) -> Result<Webhook, WebhookError> {
    let headers = HeaderMap::new();
    let body = body.to_string();
    let query = secret_query();
    let req = webhook(&headers, Some(&query), body.as_bytes());
    acs.verify_webhook(&req)?;
    acs.parse_webhook(&req)
}

fn events(acs: &Acs, body: &Value) -> Vec<ProviderEvent> {
    match parse(acs, body) {
        Ok(Webhook::Events(events)) => events,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_subscription_handshake_is_answered_with_its_code() {
    let (_az, connection) = FakeAcs::start(KEY).await;
    let acs = acs(&connection);
    let code = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6";
    assert_eq!(
        parse(&acs, &event_grid_validation(code)).unwrap(),
        Webhook::Challenge(json!({ "validationResponse": code }))
    );
}

#[tokio::test]
async fn call_ends_and_recordings_are_read_in_both_schemas() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let acs = acs(&connection);
    let call = "aHR0cHM6Ly9jb252LWRldi0yMS5jb252LWRldi5za3lwZS5uZXQ6NDQzL2NvbnYvbVQ4NnU";
    let ended = event_grid_call_ended("530183db-987b-4a3a-b6c1-3391bab12864", call);
    let expected = vec![ProviderEvent {
        key: "acs:530183db-987b-4a3a-b6c1-3391bab12864".into(),
        external_id: call.into(),
        event: SessionEvent::Ended,
    }];
    assert_eq!(events(&acs, &ended), expected);
    // CloudEvents: a batch, and a single event.
    let ce = cloud_events(&ended);
    assert_eq!(events(&acs, &ce), expected);
    assert_eq!(events(&acs, &ce[0]), expected);
    // Delivered again: the same key.
    assert_eq!(events(&acs, &ended), expected);

    let url = az.recording_url("doc-1");
    let mut ready = event_grid_recording_ready("7283825e-f8f1-4c61-a9ea-752c56890500", call, &url);
    // A second chunk of a long recording.
    let mut second = ready[0]["data"]["recordingStorageInfo"]["recordingChunks"][0].clone();
    second["index"] = json!(1);
    second["endReason"] = json!("SessionEnded");
    second["contentLocation"] = json!(az.recording_url("doc-2"));
    ready[0]["data"]["recordingStorageInfo"]["recordingChunks"][0]["endReason"] =
        json!("ChunkMaximumSizeExceeded");
    ready[0]["data"]["recordingStorageInfo"]["recordingChunks"]
        .as_array_mut()
        .unwrap()
        .push(second);
    let expected = vec![
        ProviderEvent {
            key: "acs:7283825e-f8f1-4c61-a9ea-752c56890500:0".into(),
            external_id: call.into(),
            event: SessionEvent::RecordingReady { url: url.clone() },
        },
        ProviderEvent {
            key: "acs:7283825e-f8f1-4c61-a9ea-752c56890500:1".into(),
            external_id: call.into(),
            event: SessionEvent::RecordingReady {
                url: az.recording_url("doc-2"),
            },
        },
    ];
    assert_eq!(events(&acs, &ready), expected);
    assert_eq!(events(&acs, &cloud_events(&ready)), expected);

    // Several events in one delivery, and one nobody acts on.
    let mut started = ended.clone();
    started[0]["id"] = json!("a8bcd8a3-12d7-46ba-8cde-f6d0bda8feeb");
    started[0]["eventType"] = json!("Microsoft.Communication.CallStarted");
    let mut added = ended.clone();
    added[0]["id"] = json!("615adcbd-23b2-4563-aba7-9d1b424d3d38");
    added[0]["eventType"] = json!("Microsoft.Communication.CallParticipantAdded");
    added[0]["subject"] = json!(format!("call/{call}/participant/8:acs:x"));
    let batch = json!([started[0], added[0], ended[0]]);
    let got = events(&acs, &batch);
    assert_eq!(
        got.iter().map(|e| e.event.clone()).collect::<Vec<_>>(),
        vec![
            SessionEvent::Started,
            SessionEvent::Other("Microsoft.Communication.CallParticipantAdded".into()),
            SessionEvent::Ended,
        ]
    );
    assert!(got.iter().all(|e| e.external_id == call));
}

#[tokio::test]
async fn unreadable_deliveries_are_malformed() {
    let (az, connection) = FakeAcs::start(KEY).await;
    let acs = acs(&connection);
    let malformed = |body: &[u8]| {
        let headers = HeaderMap::new();
        let query = secret_query();
        let req = webhook(&headers, Some(&query), body);
        matches!(acs.parse_webhook(&req), Err(WebhookError::Malformed(_)))
    };
    assert!(malformed(b"not json"));
    assert!(malformed(b"[{\"id\": \"1\""));
    assert!(malformed(b"42"));
    assert!(malformed(br#"[{"id":"1","data":{}}]"#), "no type");
    assert!(
        malformed(
            br#"[{"eventType":"Microsoft.Communication.CallEnded","subject":"call/x","data":{}}]"#
        ),
        "no id"
    );
    assert!(malformed(
        br#"[{"id":"1","eventType":"Microsoft.Communication.CallEnded","subject":"","data":{}}]"#
    ), "no call");
    assert!(malformed(
        br#"[{"id":"1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{}}]"#
    ), "no code");
    let mut no_chunks = event_grid_recording_ready("e", "call", &az.recording_url("d"));
    no_chunks[0]["data"] = json!({ "recordingStartTime": "2026-07-27T15:20:23Z" });
    assert!(malformed(no_chunks.to_string().as_bytes()));
    let one = event_grid_call_ended("e", "call")[0].clone();
    let too_many = Value::Array(vec![one.clone(); 101]);
    assert!(malformed(too_many.to_string().as_bytes()));
    assert_eq!(events(&acs, &Value::Array(vec![one; 100])).len(), 100);
    assert_eq!(events(&acs, &json!([])), vec![]);
}

/// The fake refuses what ACS refuses: a stale date, a body that is not the
/// one hashed, a signature over another path.
#[tokio::test]
async fn the_fake_checks_signatures_as_acs_does() {
    use integrations::acs::{http_date, sign_request, AccessKey};
    let (az, _connection) = FakeAcs::start(KEY).await;
    az.put_recording("r", b"abc".to_vec());
    let key = AccessKey::from_base64(KEY).unwrap();
    let host = az.base_url().trim_start_matches("http://").to_owned();
    let http = reqwest::Client::new();
    let send =
        |path: &str, signed_path: &str, date: String, body: &'static [u8], sent: &'static [u8]| {
            let h = sign_request(&key, "GET", signed_path, &host, &date, body);
            http.get(format!("{}{path}", az.base_url()))
                .header("x-ms-date", h.date)
                .header("x-ms-content-sha256", h.content_sha256)
                .header("authorization", h.authorization)
                .body(sent)
                .send()
        };
    let now = || http_date(Utc::now());
    let ok = send("/recordings/r", "/recordings/r", now(), b"", b"")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.bytes().await.unwrap().as_ref(), b"abc");
    let stale = http_date(Utc::now() - chrono::Duration::minutes(16));
    let resp = send("/recordings/r", "/recordings/r", stale, b"", b"")
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Denied");
    let resp = send("/recordings/r", "/recordings/r", now(), b"", b"tampered")
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Request 'x-ms-content-sha256' differs from generated content hash."
    );
    let resp = send("/recordings/r", "/recordings/other", now(), b"", b"")
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(az.denied(), 3);
}
