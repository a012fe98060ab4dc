//! The OpenAI-compatible provider against a local server that speaks the
//! chat-completions protocol over a real TCP socket: forced tool calls
//! answered the way OpenAI answers them (plain JSON, or server-sent events
//! when the request asks for a stream). The server records every request as
//! it arrived on the wire.
//!
//! Every provider here is configured from the `TALENTI_AI_*` environment
//! variables, as the worker is, so the tests cover the variable names too.
//!
//! Assertions never print document text: failures report lengths and
//! positions only.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use assessment::{rubric::RubricDimension, Turn};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    Json, Router,
};
use clap::Parser;
use job_kinds::ai::{AiConfig, AiProvider};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// The server

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    /// `(name, value)` pairs of the query string, decoded.
    query: Vec<(String, String)>,
    authorization: Option<String>,
    api_key: Option<String>,
    /// The body exactly as sent.
    raw: String,
    body: Value,
}

impl Seen {
    /// The content of the user message (the document text).
    fn user_content(&self) -> &str {
        let messages = self.body["messages"].as_array().expect("messages");
        let user: Vec<&Value> = messages.iter().filter(|m| m["role"] == "user").collect();
        assert_eq!(user.len(), 1, "one user message per request");
        user[0]["content"].as_str().expect("user content is text")
    }
}

/// What the server answers, in order; when the script runs out, a valid
/// tool call.
#[derive(Debug, Clone)]
enum Answer {
    Valid,
    /// A profile that fails validation (the provider must re-ask).
    InvalidProfile,
    /// An interview score quoting words the candidate never said.
    InventedQuote,
    /// Questions probing a dimension the rubric does not have.
    OffRubric,
    /// An interviewer turn that skips ahead of the script.
    OffScript,
}

#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Server {
    /// Starts on 127.0.0.1 at a free port; returns the server and its
    /// origin (`http://127.0.0.1:port`).
    async fn start(script: Vec<Answer>) -> (Self, String) {
        let server = Server {
            script: Arc::new(Mutex::new(script.into())),
            ..Default::default()
        };
        // Every path is recorded; only `…/chat/completions` is answered.
        let app = Router::new().fallback(answer).with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (server, origin)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(State(s): State<Server>, uri: Uri, headers: HeaderMap, raw: String) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    };
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    s.seen.lock().unwrap().push(Seen {
        path: uri.path().to_owned(),
        query: uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        authorization: header("authorization"),
        api_key: header("api-key"),
        raw,
        body: body.clone(),
    });
    if !uri.path().ends_with("/chat/completions") {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "message": "Not found", "type": "invalid_request_error" } })),
        )
            .into_response();
    }
    let next = s
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::Valid);
    let tool = body["tool_choice"]["function"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let args = match (tool.as_str(), next) {
        ("record_resume", Answer::Valid) => profile("amara@example.com"),
        ("record_resume", Answer::InvalidProfile) => profile("not an address"),
        ("record_requirements", _) => requirements(),
        ("record_interview_score", Answer::InventedQuote) => {
            interview_score("we rewrote everything in Rust")
        }
        ("record_interview_score", _) => interview_score("so we moved to Kafka"),
        ("record_turn", Answer::OffScript) => {
            json!({ "kind": "question", "question_number": 2, "text": "Tell me about an incident." })
        }
        ("record_turn", _) => json!({ "kind": "question", "question_number": 1,
                                      "text": format!("Hello Amara! {FIRST_QUESTION}") }),
        ("record_questions", Answer::OffRubric) => drafted_questions("Charm"),
        ("record_questions", _) => drafted_questions("technical skills"),
        _ => return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "error": { "message": "unknown tool", "type": "invalid_request_error" } }),
            ),
        )
            .into_response(),
    }
    .to_string();
    if body["stream"] == true {
        streamed(&tool, &args)
    } else {
        Json(json!({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_700_000_000,
            "model": body["model"],
            "choices": [{ "index": 0, "finish_reason": "tool_calls", "logprobs": null,
                "message": { "role": "assistant", "content": null, "refusal": null,
                    "tool_calls": [{ "id": "call_test", "type": "function",
                        "function": { "name": tool, "arguments": args } }] } }],
            "usage": { "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150 }
        }))
        .into_response()
    }
}

/// A tool call streamed as OpenAI streams it: the call's id and name first,
/// then the arguments in fragments, a finish chunk, `[DONE]`.
fn streamed(tool: &str, args: &str) -> Response {
    let chunk = |delta: Value, finish: Value| {
        json!({ "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000,
                "model": "test-model", "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
    };
    let mut events = vec![chunk(
        json!({ "role": "assistant", "content": null, "tool_calls": [{ "index": 0, "id": "call_test",
                "type": "function", "function": { "name": tool, "arguments": "" } }] }),
        Value::Null,
    )];
    let chars: Vec<char> = args.chars().collect();
    for part in chars.chunks(40) {
        let part: String = part.iter().collect();
        events.push(chunk(
            json!({ "tool_calls": [{ "index": 0, "function": { "arguments": part } }] }),
            Value::Null,
        ));
    }
    events.push(chunk(json!({}), json!("tool_calls")));
    let mut sse = String::new();
    for e in events {
        sse.push_str(&format!("data: {e}\n\n"));
    }
    sse.push_str("data: [DONE]\n\n");
    ([("content-type", "text/event-stream")], sse).into_response()
}

fn profile(email: &str) -> Value {
    json!({
        "first_name": "Amara", "last_name": "Okonkwo", "email": email, "phone": null, "phone_e164": null,
        "linkedin_url": null, "github_url": null, "portfolio_url": null, "location": "Lagos, Nigeria",
        "headline": "Backend Engineer", "summary": null, "skills": ["Go", "PostgreSQL"],
        "experience": [{ "job_title": "Backend Engineer", "company_name": "Paystride",
                         "start_date": "2021-02", "end_date": null, "is_current": true }],
        "education": [], "certifications": [], "total_years_experience": 5.0
    })
}

fn interview_score(quote: &str) -> Value {
    json!({
        "dimensions": [
            { "name": "Technical", "score": 82, "evidence": "Explains replay.", "quotes": [quote] },
            { "name": "Communication", "score": 70, "evidence": "Clear.", "quotes": [] }
        ],
        "summary": "Solid.", "feedback": "Quantify impact.",
        "integrity_risk": "low", "integrity_reasons": []
    })
}

fn drafted_questions(dimension: &str) -> Value {
    json!({ "questions": [
        { "kind": "technical", "text": "How do you find a slow PostgreSQL query?", "difficulty": "hard",
          "dimension": dimension, "model_answer": "pg_stat_statements, EXPLAIN ANALYZE.", "topic": "PostgreSQL" },
        { "kind": "behavioural", "text": "Tell me about a time you mentored someone.", "difficulty": "medium",
          "dimension": "Cultural Fit", "model_answer": "A specific situation and result.", "topic": "Mentoring" }
    ] })
}

fn requirements() -> Value {
    json!({
        "required_skills": ["Go"], "preferred_skills": ["Kubernetes"], "min_years_experience": 3,
        "education": null, "certifications": [], "responsibilities": ["Build services"],
        "competencies": [], "seniority": "senior"
    })
}

// ---------------------------------------------------------------------------
// Configuration, from the environment as the worker reads it

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    ai: AiConfig,
}

/// The process environment is shared by every test thread: all reading and
/// writing of it goes through this lock.
static ENV: Mutex<()> = Mutex::new(());

/// A provider configured from exactly these `TALENTI_AI_*` variables (any
/// others in the test's own environment are ignored).
fn provider_from_env(vars: &[(&str, &str)]) -> (AiConfig, Arc<dyn AiProvider>) {
    let (config, built) = try_provider_from_env(vars);
    (config, built.expect("the provider builds"))
}

fn try_provider_from_env(vars: &[(&str, &str)]) -> (AiConfig, anyhow::Result<Arc<dyn AiProvider>>) {
    let _guard = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let saved: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TALENTI_AI_"))
        .collect();
    for (k, _) in &saved {
        std::env::remove_var(k);
    }
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let parsed = Cli::try_parse_from(["worker"]);
    let built = parsed.as_ref().ok().map(|c| c.ai.build());
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    for (k, v) in &saved {
        std::env::set_var(k, v);
    }
    let config = parsed.expect("the settings parse").ai;
    (config, built.expect("parsed"))
}

fn openai_vars<'a>(base_url: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("TALENTI_AI_PROVIDER", "openai"),
        ("TALENTI_AI_BASE_URL", base_url),
        ("TALENTI_AI_MODEL", "test-model"),
        ("TALENTI_AI_TIMEOUT_SECS", "10"),
    ];
    v.extend_from_slice(extra);
    v
}

// ---------------------------------------------------------------------------
// (a) Document text is cut to TALENTI_AI_MAX_INPUT_CHARS before any call

const CUT_MARKER: &str = "TEXT-BEYOND-THE-LIMIT";

/// A document of `chars` characters, many of them multi-byte (so a cut in
/// bytes and a cut in characters differ), ending with a marker that must
/// never reach the server when the document is cut.
fn document(chars: usize) -> String {
    let line = "Zoë Ångström — Ingénieure logicielle, 東京; Go, PostgreSQL, Kubernetes. ";
    let tail = format!(" {CUT_MARKER}");
    let body_chars = chars - tail.chars().count();
    let mut text: String = line.chars().cycle().take(body_chars).collect();
    text.push_str(&tail);
    assert_eq!(text.chars().count(), chars);
    text
}

/// Asserts that every request sent exactly the first `limit` characters of
/// `doc` (all of it when shorter) as the user message, and nothing of the
/// document beyond them anywhere in the request.
fn assert_cut(seen: &[Seen], doc: &str, limit: usize) {
    assert!(!seen.is_empty(), "the model was never called");
    let expected: String = doc.chars().take(limit).collect();
    let cut = doc.chars().count() > limit;
    for (i, s) in seen.iter().enumerate() {
        let sent = s.user_content();
        let n = sent.chars().count();
        assert!(
            n <= limit,
            "request {i}: {n} characters sent, limit {limit}"
        );
        assert!(
            doc.starts_with(sent),
            "request {i}: the text sent is not a prefix of the document"
        );
        assert!(
            sent == expected,
            "request {i}: {n} characters sent, expected the first {}",
            expected.chars().count()
        );
        if cut {
            assert!(
                !s.raw.contains(CUT_MARKER),
                "request {i}: text beyond the limit was sent"
            );
        }
    }
}

#[tokio::test]
async fn resume_text_is_cut_to_max_input_chars_before_the_call() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (config, ai) = provider_from_env(&openai_vars(
        &base,
        &[("TALENTI_AI_MAX_INPUT_CHARS", "1000")],
    ));
    assert_eq!(config.ai_max_input_chars, 1000);

    let doc = document(5_000);
    ai.parse_resume(&doc, "2026-11").await.expect("parsed");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_cut(&seen, &doc, 1000);
    // The cut is in characters: 1,000 of them are more than 1,000 bytes here.
    assert!(seen[0].user_content().len() > 1000);
}

#[tokio::test]
async fn requirements_text_is_cut_too_and_streamed_calls_alike() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[
            ("TALENTI_AI_MAX_INPUT_CHARS", "700"),
            ("TALENTI_AI_STREAM", "1"),
        ],
    ));
    let doc = document(3_000);
    let found = ai.extract_requirements(&doc).await.expect("extracted");
    assert_eq!(found.required_skills, ["Go"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body["stream"], true);
    assert_cut(&seen, &doc, 700);
}

fn interview() -> (Vec<Turn>, Vec<RubricDimension>) {
    let turn = |speaker: &str, content: &str, start_ms| Turn {
        speaker: speaker.into(),
        content: content.into(),
        start_ms,
    };
    let rubric = |name: &str, weight| RubricDimension {
        name: name.into(),
        weight,
        description: String::new(),
    };
    (
        vec![
            turn("interviewer", "Why Kafka?", 0),
            turn(
                "candidate",
                "We needed replay after outages, so we moved to Kafka.",
                65_000,
            ),
        ],
        vec![rubric("Technical", 3.0), rubric("Communication", 1.0)],
    )
}

#[tokio::test]
async fn a_score_quoting_words_never_said_is_re_asked_with_the_reason_then_accepted() {
    let (server, origin) = Server::start(vec![Answer::InventedQuote, Answer::Valid]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(&base, &[]));
    let (turns, rubric) = interview();
    let score = ai
        .score_interview(&turns, &rubric, &["Apache Kafka".into()])
        .await
        .expect("the second answer quotes the candidate");
    assert_eq!(score.dimensions[0].quotes, ["so we moved to Kafka"]);
    assert_eq!(score.overall, 79.0, "(3·82 + 70) / 4, computed by us");
    assert_eq!(score.integrity.median_answer_latency_ms, Some(65_000));
    assert_eq!(ai.scorer(), "openai:test-model");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].user_content(), seen[1].user_content());
    assert!(seen[0]
        .user_content()
        .contains("[01:05] candidate: We needed replay"));
    let system = |s: &Seen| {
        s.body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        system(&seen[0]).contains("- Technical (weight 3)"),
        "{}",
        system(&seen[0])
    );
    assert!(!system(&seen[0]).contains("rejected"));
    let re_ask = system(&seen[1]);
    assert!(
        re_ask.contains("Your previous answer was rejected")
            && re_ask.contains("not the candidate's words verbatim"),
        "{re_ask}"
    );
    assert!(
        !re_ask.contains("rewrote everything"),
        "the reason does not repeat the invented words"
    );
}

const FIRST_QUESTION: &str = "How do you find a slow PostgreSQL query?";

#[tokio::test]
async fn an_interviewer_turn_off_the_script_is_re_asked_and_the_questions_are_in_the_prompt() {
    let (server, origin) = Server::start(vec![Answer::OffScript, Answer::Valid]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(&base, &[]));
    let req: extraction::JobRequirements = serde_json::from_value(requirements()).unwrap();
    let mut questions = assessment::questions::generate(&req, &[]);
    questions[0].text = FIRST_QUESTION.into();
    let next = ai
        .interviewer_turn("Backend (Go)", &questions, &[], Some("Amara"))
        .await
        .expect("the second turn follows the script");
    assert_eq!(
        next,
        assessment::interviewer::Next::Ask {
            text: format!("Hello Amara! {FIRST_QUESTION}"),
            index: 0
        }
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let system = |s: &Seen| {
        s.body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        system(&seen[0]).contains(&format!("1. {FIRST_QUESTION}")),
        "{}",
        system(&seen[0])
    );
    assert!(system(&seen[0]).contains("The role: Backend (Go)."));
    assert!(
        system(&seen[1]).contains("the next question is number 1"),
        "{}",
        system(&seen[1])
    );
}

#[tokio::test]
async fn drafted_questions_off_the_rubric_are_re_asked_and_take_the_rubrics_spelling() {
    let (server, origin) = Server::start(vec![Answer::OffRubric, Answer::Valid]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(&base, &[]));
    let req: extraction::JobRequirements = serde_json::from_value(requirements()).unwrap();
    let drafted = ai
        .draft_questions(&req, &[])
        .await
        .expect("the second draft is on the rubric");
    assert_eq!(drafted.len(), 2);
    assert_eq!(
        drafted[0].dimension, "Technical Skills",
        "the rubric's spelling"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].user_content().contains("\"required_skills\""),
        "the role's requirements are sent"
    );
    let system = seen[1].body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("- Technical Skills:")
            && system.contains("question 1 probes a dimension not in the rubric"),
        "{system}"
    );
}

#[tokio::test]
async fn a_model_that_keeps_inventing_quotes_fails_the_score_for_good() {
    let (server, origin) = Server::start(vec![Answer::InventedQuote; 3]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[("TALENTI_AI_INVALID_OUTPUT_RETRIES", "2")],
    ));
    let (turns, rubric) = interview();
    let err = ai.score_interview(&turns, &rubric, &[]).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("not the candidate's words verbatim")
            && message.contains("after 3 attempts"),
        "{message}"
    );
    assert!(matches!(
        job_kinds::JobError::from(err),
        job_kinds::JobError::Permanent { .. }
    ));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn every_re_ask_after_invalid_output_sends_the_cut_text() {
    let (server, origin) =
        Server::start(vec![Answer::InvalidProfile, Answer::InvalidProfile]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[
            ("TALENTI_AI_MAX_INPUT_CHARS", "500"),
            ("TALENTI_AI_INVALID_OUTPUT_RETRIES", "2"),
        ],
    ));
    let doc = document(2_000);
    let profile = ai
        .parse_resume(&doc, "2026-11")
        .await
        .expect("third answer is valid");
    assert_eq!(profile.email.as_deref(), Some("amara@example.com"));
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "two invalid answers, re-asked twice");
    assert_cut(&seen, &doc, 500);
}

#[tokio::test]
async fn text_within_the_limit_is_sent_whole() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[("TALENTI_AI_MAX_INPUT_CHARS", "800")],
    ));
    for len in [799, 800, 801] {
        let doc = document(len);
        ai.parse_resume(&doc, "2026-11").await.expect("parsed");
        let last = server.seen().pop().unwrap();
        assert_cut(std::slice::from_ref(&last), &doc, 800);
        assert_eq!(last.user_content().chars().count(), len.min(800));
    }
}

#[tokio::test]
async fn the_default_limit_is_60000_characters() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (config, ai) = provider_from_env(&openai_vars(&base, &[]));
    assert_eq!(config.ai_max_input_chars, 60_000);
    let doc = document(200_000);
    ai.parse_resume(&doc, "2026-11").await.expect("parsed");
    assert_cut(&server.seen(), &doc, 60_000);
}

// ---------------------------------------------------------------------------
// (b) Azure OpenAI (TALENTI_AI_API_VERSION) against OpenAI's own auth

#[tokio::test]
async fn azure_sends_api_version_and_the_key_as_api_key() {
    let (server, origin) = Server::start(vec![]).await;
    // An Azure deployment URL, as the setting's help describes it.
    let base = format!("{origin}/openai/deployments/talenti-gpt4o/");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[
            ("TALENTI_AI_API_KEY", "azure-secret-key"),
            ("TALENTI_AI_API_VERSION", "2024-10-21"),
        ],
    ));
    ai.parse_resume(&document(100), "2026-11")
        .await
        .expect("parsed");
    ai.extract_requirements(&document(100))
        .await
        .expect("extracted");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.path, "/openai/deployments/talenti-gpt4o/chat/completions");
        assert_azure_auth(s, "2024-10-21");
    }
}

#[tokio::test]
async fn azure_streamed_calls_carry_the_same_version_and_key() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/openai/deployments/talenti-gpt4o");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[
            ("TALENTI_AI_API_KEY", "azure-secret-key"),
            ("TALENTI_AI_API_VERSION", "2024-08-01-preview"),
            ("TALENTI_AI_STREAM", "1"),
        ],
    ));
    ai.parse_resume(&document(100), "2026-11")
        .await
        .expect("parsed");
    let s = &server.seen()[0];
    assert_eq!(s.body["stream"], true);
    assert_azure_auth(s, "2024-08-01-preview");
}

#[tokio::test]
async fn without_api_version_the_key_is_a_bearer_token() {
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (config, ai) = provider_from_env(&openai_vars(
        &base,
        &[("TALENTI_AI_API_KEY", "sk-test-key")],
    ));
    assert_eq!(config.ai_api_version, None);
    ai.parse_resume(&document(100), "2026-11")
        .await
        .expect("parsed");
    ai.extract_requirements(&document(100))
        .await
        .expect("extracted");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.path, "/v1/chat/completions");
        assert_bearer_auth(s);
        assert_eq!(s.body["model"], "test-model");
    }
}

#[tokio::test]
async fn an_empty_api_version_is_unset() {
    // `TALENTI_AI_API_VERSION=` (as an env file or a compose file writes an
    // unset value) must not switch an OpenAI endpoint to Azure's header.
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(
        &base,
        &[
            ("TALENTI_AI_API_KEY", "sk-test-key"),
            ("TALENTI_AI_API_VERSION", ""),
        ],
    ));
    ai.parse_resume(&document(100), "2026-11")
        .await
        .expect("parsed");
    assert_bearer_auth(&server.seen()[0]);
}

/// Azure OpenAI: `api-version` is the only query parameter and the key
/// travels in `api-key`, never as a bearer token.
fn assert_azure_auth(s: &Seen, version: &str) {
    assert_eq!(s.query, [("api-version".to_owned(), version.to_owned())]);
    assert_eq!(s.api_key.as_deref(), Some("azure-secret-key"));
    assert_eq!(s.authorization, None, "no Authorization header for Azure");
}

/// OpenAI and compatibles: the key is a bearer token, no query, no api-key.
fn assert_bearer_auth(s: &Seen) {
    assert!(s.query.is_empty(), "no query string: {:?}", s.query);
    assert_eq!(s.authorization.as_deref(), Some("Bearer sk-test-key"));
    assert_eq!(s.api_key, None, "no api-key header without an api-version");
}

#[tokio::test]
async fn without_a_key_no_credentials_are_sent() {
    // Ollama, vLLM: no key configured.
    let (server, origin) = Server::start(vec![]).await;
    let base = format!("{origin}/v1");
    let (_, ai) = provider_from_env(&openai_vars(&base, &[]));
    ai.parse_resume(&document(100), "2026-11")
        .await
        .expect("parsed");
    let s = &server.seen()[0];
    assert_eq!(s.authorization, None);
    assert_eq!(s.api_key, None);
}

#[test]
fn a_malformed_base_url_is_refused_at_start() {
    // Not at every job, as a transient failure retried until the attempts
    // run out.
    let (_, built) = try_provider_from_env(&openai_vars("localhost:11434/v1", &[]));
    assert!(built.is_err(), "a base URL without a scheme must not build");
}
