//! The Zoom provider against a local server speaking Zoom's protocol
//! ([`integrations::fake::zoom`]): Server-to-Server OAuth tokens, the
//! meetings API, cloud recordings and their downloads, and Zoom-signed
//! webhooks.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use integrations::{
    fake::zoom::{meeting_event, sign_webhook, sign_webhook_at, url_validation, FakeZoom},
    zoom::{Zoom, ZoomConfig},
    CallProvider, ProviderError, SessionEvent, SessionRequest, Speaker, Webhook, WebhookError,
    WebhookRequest,
};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

const ACCOUNT: &str = "fake-account-Id_123";
const CLIENT: &str = "fakeClientId";
const SECRET: &str = "fake-client-secret-0123456789";
const WEBHOOK_SECRET: &str = "fake-webhook-secret-token";

fn client_with(api: &str, oauth: &str, account: &str, secret: &str) -> Zoom {
    ZoomConfig {
        account_id: Some(account.into()),
        client_id: Some(CLIENT.into()),
        client_secret: Some(secret.into()),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        api_url: api.into(),
        oauth_url: oauth.into(),
    }
    .build()
    .unwrap()
    .unwrap()
}

fn client(api: &str, oauth: &str) -> Zoom {
    client_with(api, oauth, ACCOUNT, SECRET)
}

fn request(starts_at: Option<&str>, minutes: u64) -> SessionRequest {
    SessionRequest {
        interview_id: "0190f1c2-0000-7000-8000-000000000001".into(),
        title: "Interview: Backend Engineer".into(),
        instructions: "You are the interviewer. Ask the approved questions.".into(),
        starts_at: starts_at.map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)),
        duration: Duration::from_secs(minutes * 60),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_token_serves_every_caller_until_shortly_before_it_expires() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = Arc::new(client(&api, &oauth));
    // Eight meetings created at once: one token, asked for once.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let z = zoom.clone();
        handles.push(tokio::spawn(async move {
            z.create_session(&request(None, 30)).await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap().external_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    assert_eq!(fake.grants(), 1);
    assert_eq!(fake.token_requests(), 1);
    // Later calls keep using it.
    zoom.end_session(&ids[0]).await.unwrap();
    zoom.fetch_transcript(&ids[1]).await.unwrap_err();
    assert_eq!(fake.grants(), 1);
    assert_eq!(fake.api_requests(), 10);

    // A token about to expire (within the minute) is renewed on each call.
    let (fake2, api2, oauth2) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    *fake2.lifetime.lock().unwrap() = 59;
    let short = client(&api2, &oauth2);
    short.create_session(&request(None, 30)).await.unwrap();
    short.create_session(&request(None, 30)).await.unwrap();
    assert_eq!(fake2.grants(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_token_is_renewed_once_and_shared() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = Arc::new(client(&api, &oauth));
    zoom.create_session(&request(None, 30)).await.unwrap();
    assert_eq!(fake.grants(), 1);
    // Zoom stops accepting the token: every caller gets 401 once, and
    // they share the one new token.
    fake.revoke_tokens();
    let mut handles = Vec::new();
    for _ in 0..8 {
        let z = zoom.clone();
        handles.push(tokio::spawn(async move {
            z.create_session(&request(None, 30)).await.unwrap()
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(fake.grants(), 2);

    // A 401 that persists with the new token is a refusal, after one retry.
    let before = (fake.grants(), fake.api_requests());
    fake.script
        .lock()
        .unwrap()
        .extend([(401, None), (401, None)]);
    match zoom.create_session(&request(None, 30)).await {
        Err(ProviderError::Refused { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.grants(), before.0 + 1);
    assert_eq!(fake.api_requests(), before.1 + 2);
    assert_eq!(fake.meetings.lock().unwrap().len(), 9);
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let wrong_secret = client_with(&api, &oauth, ACCOUNT, "not-the-secret");
    match wrong_secret.create_session(&request(None, 30)).await {
        Err(ProviderError::Refused { status: 401, .. }) => {}
        other => panic!("{other:?}"),
    }
    let wrong_account = client_with(&api, &oauth, "another-account", SECRET);
    match wrong_account.fetch_transcript("85000000001").await {
        Err(ProviderError::Refused { status: 400, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Nothing reached the API without a token.
    assert_eq!(fake.api_requests(), 0);
    assert_eq!(fake.grants(), 0);
}

#[tokio::test]
async fn a_throttle_says_when_to_come_back() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let reset = (Utc::now() + chrono::Duration::seconds(30))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    fake.script.lock().unwrap().extend([
        (429, Some("7".to_owned())),
        // Zoom's daily limit names the time it resets.
        (429, Some(reset)),
        (429, None),
        (500, None),
        (503, Some("2".to_owned())),
    ]);
    let create = || async { zoom.create_session(&request(None, 30)).await };
    match create().await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(7)),
        other => panic!("{other:?}"),
    }
    match create().await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(25),
            "{d:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        create().await,
        Err(ProviderError::Throttled {
            retry_after: None,
            ..
        })
    ));
    assert!(matches!(
        create().await,
        Err(ProviderError::Unavailable { .. })
    ));
    match create().await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(2)),
        other => panic!("{other:?}"),
    }
    assert!(create().await.is_ok());
    assert_eq!(fake.meetings.lock().unwrap().len(), 1);

    // The token endpoint throttles too.
    let (fake2, api2, oauth2) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    fake2
        .token_script
        .lock()
        .unwrap()
        .push((429, Some("3".to_owned())));
    let zoom2 = client(&api2, &oauth2);
    match zoom2.create_session(&request(None, 30)).await {
        Err(ProviderError::Throttled {
            retry_after: Some(d),
            ..
        }) => assert_eq!(d, Duration::from_secs(3)),
        other => panic!("{other:?}"),
    }
    assert!(zoom2.create_session(&request(None, 30)).await.is_ok());

    // Nobody listening: unavailable.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let zoom3 = client(&format!("{gone}/v2"), &format!("{gone}/oauth/token"));
    assert!(matches!(
        zoom3.create_session(&request(None, 30)).await,
        Err(ProviderError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn meetings_are_created_moved_and_deleted() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let mut req = request(Some("2026-12-07T10:00:00.250Z"), 0);
    req.duration = Duration::from_secs(44 * 60 + 30);
    let session = zoom.create_session(&req).await.unwrap();
    let m = fake.meeting(&session.external_id).expect("the meeting");
    assert_eq!(session.external_id, m.id.to_string());
    assert_eq!(session.join_url.as_deref(), Some(m.join_url.as_str()));
    assert!(session.access.is_none());
    assert!(!format!("{session:?}").contains("zak"));
    assert_eq!(m.topic, "Interview: Backend Engineer");
    assert_eq!(m.kind, 2);
    assert_eq!(m.start_time.as_deref(), Some("2026-12-07T10:00:00Z"));
    assert_eq!(m.duration, Some(45));
    assert_eq!(m.timezone.as_deref(), Some("UTC"));
    assert_eq!(
        m.settings,
        json!({"join_before_host": false, "waiting_room": true, "auto_recording": "cloud"})
    );
    // The voice agent's instructions stay with us.
    assert!(m.agenda.is_none());
    assert!(m.created_with.get("agenda").is_none());
    assert!(!m.created_with.to_string().contains("approved questions"));

    // Without a start: an instant meeting, at least a minute long.
    let instant = zoom.create_session(&request(None, 0)).await.unwrap();
    let i = fake.meeting(&instant.external_id).unwrap();
    assert_eq!(i.kind, 1);
    assert_eq!(i.start_time, None);
    assert_eq!(i.duration, Some(1));

    // Moved.
    let mut moved = request(Some("2026-12-08T15:30:00Z"), 60);
    moved.title = "Interview (moved)".into();
    zoom.update_session(&session.external_id, &moved)
        .await
        .unwrap();
    let m = fake.meeting(&session.external_id).unwrap();
    assert_eq!(m.start_time.as_deref(), Some("2026-12-08T15:30:00Z"));
    assert_eq!(m.duration, Some(60));
    assert_eq!(m.topic, "Interview (moved)");
    assert_eq!(m.settings["waiting_room"], json!(true));
    assert!(matches!(
        zoom.update_session("85999999999", &moved).await,
        Err(ProviderError::Protocol { .. })
    ));

    // Deleted; deleting it again, or a meeting that never was, is fine.
    zoom.end_session(&session.external_id).await.unwrap();
    assert!(fake.meeting(&session.external_id).is_none());
    zoom.end_session(&session.external_id).await.unwrap();
    zoom.end_session("85999999999").await.unwrap();

    // One in progress is ended (its recording is still to come); one over
    // stays as it is.
    assert!(fake.set_status(&instant.external_id, "started"));
    zoom.end_session(&instant.external_id).await.unwrap();
    assert_eq!(fake.meeting(&instant.external_id).unwrap().status, "ended");
    zoom.end_session(&instant.external_id).await.unwrap();
    assert!(fake.meeting(&instant.external_id).is_some());

    // Ids that are not Zoom's are not sent.
    let before = fake.api_requests();
    for bad in ["", "../users/me", "1 2", "85?x=1"] {
        assert!(matches!(
            zoom.end_session(bad).await,
            Err(ProviderError::Protocol { .. })
        ));
    }
    assert_eq!(fake.api_requests(), before);
}

const VTT: &str = "WEBVTT

1
00:00:02.100 --> 00:00:06.480
Jane Recruiter: Hello Alex, thanks for joining. Can you hear me?

2
00:00:07.000 --> 00:00:09.250
Alex Candidate: Yes, loud and clear.

3
00:00:09.250 --> 00:00:15.000
Alex Candidate: I have been a backend engineer for six years.

4
00:01:00.000 --> 00:01:02.500
Jane Recruiter: Great.
";

#[tokio::test]
async fn the_transcript_is_read_in_order_with_speakers_and_times() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let session = zoom
        .create_session(&request(Some("2026-12-07T10:00:00Z"), 30))
        .await
        .unwrap();
    let id = session.external_id.as_str();

    // Before Zoom has made it: try again later.
    match zoom.fetch_transcript(id).await {
        Err(ProviderError::Unavailable { detail, .. }) => {
            assert!(detail.contains("no recording yet"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    fake.set_transcript(id, VTT);
    fake.edit_meeting(id, |m| m.transcript_status = "processing".into());
    match zoom.fetch_transcript(id).await {
        Err(ProviderError::Unavailable { detail, .. }) => {
            assert!(detail.contains("transcript"), "{detail}")
        }
        other => panic!("{other:?}"),
    }

    fake.set_transcript(id, VTT);
    let segments = zoom.fetch_transcript(id).await.unwrap();
    let got: Vec<(Speaker, &str, i64, i64)> = segments
        .iter()
        .map(|s| (s.speaker.clone(), s.content.as_str(), s.start_ms, s.end_ms))
        .collect();
    let named = |n: &str| Speaker::Named(n.into());
    assert_eq!(
        got,
        vec![
            (
                named("Jane Recruiter"),
                "Hello Alex, thanks for joining. Can you hear me?",
                2_100,
                6_480
            ),
            (
                named("Alex Candidate"),
                "Yes, loud and clear.",
                7_000,
                9_250
            ),
            (
                named("Alex Candidate"),
                "I have been a backend engineer for six years.",
                9_250,
                15_000
            ),
            (named("Jane Recruiter"), "Great.", 60_000, 62_500),
        ]
    );

    // By the meeting instance's UUID (which starts with `/` and has `//`,
    // so it goes out encoded twice): the same transcript.
    let uuid = fake.meeting(id).unwrap().uuid;
    assert!(uuid.starts_with('/') && uuid.contains("//"));
    assert_eq!(zoom.fetch_transcript(&uuid).await.unwrap(), segments);

    // Too large, or not WebVTT: refused, not read.
    let huge = format!(
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nA: {}\n",
        "x".repeat(6 * 1024 * 1024)
    );
    fake.set_transcript(id, &huge);
    match zoom.fetch_transcript(id).await {
        Err(ProviderError::Protocol { detail, .. }) => {
            assert!(detail.contains("larger"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    fake.set_transcript(id, "<html>not a transcript</html>");
    assert!(matches!(
        zoom.fetch_transcript(id).await,
        Err(ProviderError::Protocol { .. })
    ));
}

fn signed(body: &str) -> HeaderMap {
    let (ts, sig) = sign_webhook(WEBHOOK_SECRET, body);
    headers(&ts, &sig)
}

fn headers(ts: &str, sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-zm-request-timestamp", HeaderValue::from_str(ts).unwrap());
    h.insert("x-zm-signature", HeaderValue::from_str(sig).unwrap());
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h
}

fn webhook<'a>(headers: &'a HeaderMap, body: &'a str) -> WebhookRequest<'a> {
    WebhookRequest {
        headers,
        query: None,
        body: body.as_bytes(),
        now: Utc::now(),
    }
}

#[tokio::test]
async fn the_url_validation_is_answered() {
    let (_fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let body = url_validation("qgg8vlvZRS6UYooatFL8Aw", 1_654_503_849_680);
    let h = signed(&body);
    let req = webhook(&h, &body);
    zoom.verify_webhook(&req).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(
        zoom.parse_webhook(&req).unwrap(),
        Webhook::Challenge(json!({
            "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
            "encryptedToken": expected,
        }))
    );
    let empty = url_validation("", 1);
    let h = signed(&empty);
    assert!(matches!(
        zoom.parse_webhook(&webhook(&h, &empty)),
        Err(WebhookError::Malformed(_))
    ));
}

#[tokio::test]
async fn meeting_events_are_read_and_keyed_for_redelivery() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let session = zoom.create_session(&request(None, 30)).await.unwrap();
    let m = fake.meeting(&session.external_id).unwrap();
    let read = |body: &str| {
        let h = signed(body);
        let req = webhook(&h, body);
        zoom.verify_webhook(&req).unwrap();
        match zoom.parse_webhook(&req).unwrap() {
            Webhook::Events(mut e) => {
                assert_eq!(e.len(), 1);
                e.remove(0)
            }
            other => panic!("{other:?}"),
        }
    };
    let started = read(&meeting_event("meeting.started", &m, 1_765_101_600_000));
    assert_eq!(started.event, SessionEvent::Started);
    assert_eq!(started.external_id, session.external_id);
    assert_eq!(
        started.key,
        format!("zoom:meeting.started:{}:1765101600000", m.uuid)
    );
    let ended_body = meeting_event("meeting.ended", &m, 1_765_103_400_000);
    let ended = read(&ended_body);
    assert_eq!(ended.event, SessionEvent::Ended);
    assert_eq!(ended.external_id, session.external_id);
    assert_ne!(ended.key, started.key);
    // Delivered again (signed again, at another time): the same key.
    let (ts, sig) = sign_webhook_at(WEBHOOK_SECRET, &ended_body, Utc::now().timestamp() - 90);
    let h = headers(&ts, &sig);
    let again = webhook(&h, &ended_body);
    zoom.verify_webhook(&again).unwrap();
    assert_eq!(
        zoom.parse_webhook(&again).unwrap(),
        Webhook::Events(vec![ended.clone()])
    );
    let transcript = read(&meeting_event(
        "recording.transcript_completed",
        &m,
        1_765_104_000_000,
    ));
    assert_eq!(transcript.event, SessionEvent::TranscriptReady);
    assert!(!zoom.transcript_ready_on_end());
    let other = read(&meeting_event(
        "meeting.participant_joined",
        &m,
        1_765_101_700_000,
    ));
    assert_eq!(
        other.event,
        SessionEvent::Other("meeting.participant_joined".into())
    );
    assert_eq!(transcript.external_id, session.external_id);

    // A numeric id (as recording events send it) reads the same.
    let numeric = json!({
        "event": "meeting.ended",
        "event_ts": 1_765_103_400_000_i64,
        "payload": { "object": { "id": m.id, "uuid": m.uuid } }
    })
    .to_string();
    assert_eq!(read(&numeric), ended);

    // An event about no meeting: acknowledged, nothing to do.
    let other = json!({"event": "app_deauthorized", "event_ts": 1, "payload": {"account_id": "x"}})
        .to_string();
    let h = signed(&other);
    assert_eq!(
        zoom.parse_webhook(&webhook(&h, &other)).unwrap(),
        Webhook::Events(vec![])
    );
    // Signed but not readable: malformed.
    for bad in [
        "not json",
        r#"{"payload":{}}"#,
        r#"{"event":"meeting.ended","payload":{"object":{"id":"1","uuid":"u"}}}"#,
    ] {
        let h = signed(bad);
        let req = webhook(&h, bad);
        zoom.verify_webhook(&req).unwrap();
        assert!(
            matches!(zoom.parse_webhook(&req), Err(WebhookError::Malformed(_))),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn webhooks_not_signed_by_zoom_are_refused() {
    let (fake, api, oauth) = FakeZoom::start(ACCOUNT, CLIENT, SECRET).await;
    let zoom = client(&api, &oauth);
    let session = zoom.create_session(&request(None, 30)).await.unwrap();
    let m = fake.meeting(&session.external_id).unwrap();
    let body = meeting_event("meeting.ended", &m, 1_765_103_400_000);
    let unauthenticated = |h: &HeaderMap, body: &str| {
        matches!(
            zoom.verify_webhook(&webhook(h, body)),
            Err(WebhookError::Unauthenticated(_))
        )
    };
    let (ts, sig) = sign_webhook(WEBHOOK_SECRET, &body);
    assert!(!unauthenticated(&headers(&ts, &sig), &body));
    // A changed body, another secret, a mangled or unversioned signature.
    assert!(unauthenticated(
        &headers(&ts, &sig),
        &body.replace("meeting.ended", "meeting.started")
    ));
    let (ts2, other) = sign_webhook("another-secret", &body);
    assert!(unauthenticated(&headers(&ts2, &other), &body));
    assert!(unauthenticated(&headers(&ts, "v0=deadbeef"), &body));
    assert!(unauthenticated(&headers(&ts, "v0=not-hex"), &body));
    assert!(unauthenticated(&headers(&ts, &sig[3..]), &body));
    assert!(unauthenticated(
        &headers(&ts, &sig.replace("v0=", "v1=")),
        &body
    ));
    // The signature for another timestamp.
    let later = (ts.parse::<i64>().unwrap() + 1).to_string();
    assert!(unauthenticated(&headers(&later, &sig), &body));
    // Missing headers.
    for name in ["x-zm-request-timestamp", "x-zm-signature"] {
        let mut h = headers(&ts, &sig);
        h.remove(name);
        assert!(unauthenticated(&h, &body), "{name}");
    }
    // Stale, from the future, or not a timestamp.
    let stale = Utc::now().timestamp() - 600;
    let (ts, sig) = sign_webhook_at(WEBHOOK_SECRET, &body, stale);
    assert!(unauthenticated(&headers(&ts, &sig), &body));
    let (ts, sig) = sign_webhook_at(WEBHOOK_SECRET, &body, Utc::now().timestamp() + 600);
    assert!(unauthenticated(&headers(&ts, &sig), &body));
    let ms = (Utc::now().timestamp_millis()).to_string();
    let mac = integrations::webhook::hmac_sha256(
        WEBHOOK_SECRET.as_bytes(),
        &[b"v0:", ms.as_bytes(), b":", body.as_bytes()],
    );
    assert!(unauthenticated(
        &headers(&ms, &format!("v0={}", hex::encode(mac))),
        &body
    ));
    let (_, sig) = sign_webhook(WEBHOOK_SECRET, &body);
    assert!(unauthenticated(&headers("yesterday", &sig), &body));
}
