//! An in-process Talenti, for the tests that need no processes (the way
//! crates.io's `TestApp` and zero-to-production's `spawn_app` work): the
//! API's real router called in process (no child process, no port), and the
//! worker's real job runner driven by the test ([`TestApp::run_pending_jobs`])
//! instead of by Redis. Each app has its own database ([`TestEnv`]).
//!
//! What this does not run: Redis, the dispatcher, lease renewal, the
//! scheduler, signals. Tests of those stay process tests ([`TestEnv::api`],
//! [`TestEnv::worker`]).

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::ConnectInfo,
    http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode},
    Router,
};
use clap::Parser;
use job_engine::{
    db::{JobRow, JobStatus},
    runner::{RetryDelay, Runner, RunnerConfig},
};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

use crate::{fixture, OrgFixture, Session, TestEnv, OPS_EMAIL};

/// The worker-side settings the API's config does not carry.
#[derive(Debug, Parser)]
struct WorkerArgs {
    #[command(flatten)]
    ai: job_kinds::ai::AiConfig,
}

/// The API and a job runner in this process, over this test's database.
pub struct TestApp {
    pub env: TestEnv,
    router: Router,
    runner: Runner<job_kinds::Services>,
    runner_parts: RunnerParts,
    /// Access token of the platform operator (`OPS_EMAIL`).
    pub token: String,
}

struct RunnerParts {
    pool: sqlx::PgPool,
    services: Arc<job_kinds::Services>,
    registry: job_kinds::Registry,
    mail: mail::MailConfig,
}

impl RunnerParts {
    fn runner(&self, retry_delay: RetryDelay) -> Runner<job_kinds::Services> {
        Runner::new(
            self.pool.clone(),
            self.services.clone(),
            self.registry.clone(),
            RunnerConfig {
                worker_id: format!("testapp-{}", Uuid::new_v4().simple()),
                lease: Duration::from_secs(60),
                retry_delay,
            },
        )
    }
}

impl TestApp {
    /// An app with the settings every process test's API and worker get.
    pub async fn new(name: &str) -> Self {
        Self::with_args(name, &[]).await
    }

    /// An app whose API configuration also has `args` (the `api` binary's
    /// flags, e.g. `("--upload-max-bytes", "1000000")`, `("--diagnostics",
    /// "0")`); the runner's registry and services follow the same config.
    /// Retries are due at once ([`RetryDelay::Fixed`] zero); see
    /// [`TestApp::set_retry_delay`].
    pub async fn with_args(name: &str, args: &[(&str, &str)]) -> Self {
        let env = TestEnv::new(name).await;
        let storage = env.log_dir.join("storage");
        let outbox = env.outbox();
        let mut argv: Vec<String> = vec!["api".into()];
        let base = [
            ("--database-url", env.database_url.as_str()),
            ("--redis-url", env.redis_url.as_str()),
            ("--queue-prefix", env.prefix.as_str()),
            ("--storage-url", storage.to_str().expect("utf-8 path")),
            ("--jwt-secret", "test-secret-test-secret-test-secret!"),
            ("--data-keys", crate::TEST_DATA_KEYS),
            ("--index-key", crate::TEST_INDEX_KEY),
            ("--outbox", outbox.to_str().expect("utf-8 path")),
            ("--from", "Talenti <no-reply@talenti.test>"),
            ("--rate-limit-per-second", "100000"),
            ("--rate-limit-burst", "100000"),
            ("--auth-rate-limit-per-minute", "100000"),
            // Webhook receivers in tests listen on loopback.
            ("--webhooks-allow-private", "1"),
        ];
        // `--diagnostics` is a bare flag on the command line (a value only
        // in TALENTI_DIAGNOSTICS): on unless `args` turn it off.
        let mut diagnostics = true;
        // `args` win over the base settings they name.
        let base = base
            .iter()
            .filter(|(k, _)| args.iter().all(|(a, _)| a != k));
        for (k, v) in base.chain(args) {
            if *k == "--diagnostics" {
                diagnostics = job_engine::config::parse_flag(v).expect("--diagnostics value");
            } else {
                argv.push(format!("{k}={v}"));
            }
        }
        let mut config = api::Config::try_parse_from(&argv).expect("api config");
        config.common.diagnostics = diagnostics;
        let pool = config
            .common
            .pool_with_acquire_timeout(Duration::from_millis(config.db_acquire_timeout_ms))
            .expect("api pool");
        let state = api::AppState::new(&config, pool).expect("api state");
        let router = api::router(state, &config);

        let ai = WorkerArgs::try_parse_from(["worker", "--ai-provider=builtin"])
            .expect("worker config")
            .ai;
        let runner_parts = RunnerParts {
            pool: config.common.pool().expect("runner pool"),
            services: Arc::new(job_kinds::Services {
                storage: config.files.storage().expect("storage"),
                ai: ai.build().expect("ai provider"),
                documents: Arc::new(pdf_text::PdfiumReader),
                limits: config.files.doc_limits(),
                mailer: mail::Mailer::from_config(&config.mail).expect("mailer"),
                postbox: job_kinds::Postbox::new(
                    &config.mail,
                    config.keys.keyring().expect("keyring"),
                )
                .expect("postbox"),
                webhooks: job_kinds::WebhookSender::new(&config.webhooks).expect("webhooks"),
                calls: config.calls.build().expect("call providers"),
            }),
            registry: job_kinds::registry(config.common.diagnostics),
            mail: config.mail.clone(),
        };
        let mut app = Self {
            env,
            router,
            runner: runner_parts.runner(RetryDelay::Fixed(Duration::ZERO)),
            runner_parts,
            token: String::new(),
        };
        app.token = app.session(OPS_EMAIL).await.access_token;
        api::operator::run(
            &app.env.pool,
            &api::operator::PlatformAdmin::Grant {
                email: OPS_EMAIL.into(),
                read_only: false,
            },
        )
        .await
        .expect("grant platform admin");
        app
    }

    /// The job runner's keyring from now on (`TALENTI_DATA_KEYS` syntax),
    /// as when workers are deployed with a new key; the API keeps its own.
    pub fn set_worker_keys(&mut self, spec: &str) {
        let keys = Arc::new(crate::test_keyring(spec));
        let old = &self.runner_parts.services;
        self.runner_parts.services = Arc::new(job_kinds::Services {
            storage: old.storage.clone(),
            ai: old.ai.clone(),
            documents: old.documents.clone(),
            limits: old.limits,
            mailer: old.mailer.clone(),
            postbox: job_kinds::Postbox::new(&self.runner_parts.mail, keys).expect("postbox"),
            webhooks: old.webhooks.clone(),
            calls: old.calls.clone(),
        });
        self.runner = self.runner_parts.runner(RetryDelay::Fixed(Duration::ZERO));
    }

    /// When failed attempts' retries are due from now on:
    /// [`RetryDelay::Policy`] for the kinds' real backoff, `Fixed(ZERO)`
    /// (the default) for at once.
    pub fn set_retry_delay(&mut self, retry_delay: RetryDelay) {
        self.runner = self.runner_parts.runner(retry_delay);
    }

    /// The test's clock: every job waiting for a retry is due now, as if
    /// its backoff had passed. Returns how many.
    pub async fn make_retries_due(&self) -> u64 {
        sqlx::query(
            "UPDATE jobs SET run_at = clock_timestamp() WHERE status = 'failed' AND run_at > clock_timestamp()",
        )
        .execute(&self.env.pool)
        .await
        .expect("make retries due")
        .rows_affected()
    }

    /// Runs every due job to completion, in process, through the worker's
    /// path (claim, run the kind's handler, record the outcome), over and
    /// over while jobs are due (retries, jobs enqueued by jobs), and the
    /// dead-letter hooks that come due. Returns how many attempts ran.
    pub async fn run_pending_jobs(&self) -> usize {
        let mut attempts = 0;
        for _ in 0..1000 {
            let pass = self.runner.run_due_once(1000).await.expect("run due jobs");
            attempts += pass.attempts;
            if pass == job_engine::runner::DuePass::default() {
                return attempts;
            }
        }
        panic!("jobs kept coming due after 1000 passes ({attempts} attempts)");
    }

    /// Runs the due jobs ([`TestApp::run_pending_jobs`]); then the job `id`
    /// must be `status`.
    pub async fn settled(&self, id: Uuid, status: JobStatus) -> JobRow {
        self.run_pending_jobs().await;
        let job = self.env.job(id).await;
        assert_eq!(
            job.status, status,
            "job {id} after running the due jobs: {job:?}"
        );
        job
    }

    /// The router's answer to `req`, as the server would give it.
    pub async fn request(&self, req: Request<Body>) -> axum::response::Response {
        oneshot_as_server(self.router.clone(), req).await
    }

    /// A request without credentials.
    pub fn anon(&self, method: Method, path: &str) -> AppRequest {
        AppRequest {
            router: self.router.clone(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A request as the platform operator.
    pub fn req(&self, method: Method, path: &str) -> AppRequest {
        self.anon(method, path).bearer_auth(&self.token)
    }

    /// A request with the given bearer credential (token or API key).
    pub fn as_(&self, credential: &str, method: Method, path: &str) -> AppRequest {
        self.anon(method, path).bearer_auth(credential)
    }

    /// Signs up `email` (or logs in if it exists) with [`crate::PASSWORD`].
    pub async fn session(&self, email: &str) -> Session {
        crate::fixtures::session(self, email).await
    }

    /// `POST /auth/login`: (status, JSON body).
    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        self.anon(Method::POST, "/api/v1/auth/login")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .fetch()
            .await
    }

    /// Enqueues through the admin endpoint; returns the job id.
    pub async fn enqueue(&self, kind: &str, payload: Value) -> Uuid {
        let (status, body) = self
            .post_json(
                "/api/v1/admin/jobs",
                Some(serde_json::json!({ "kind": kind, "payload": payload })),
            )
            .await;
        assert_eq!(status, 202, "enqueue answered {status}: {body}");
        body["job_id"]
            .as_str()
            .expect("job_id")
            .parse()
            .expect("uuid")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        self.req(Method::GET, path).fetch().await
    }

    pub async fn post_json(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.req(Method::POST, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.fetch().await
    }

    /// Sends a request as `who` and returns (status, JSON body or Null).
    pub async fn call(
        &self,
        who: &Session,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_with(&who.access_token, method, path, body).await
    }

    /// Sends a request with `credential` (a token or an API key) and returns
    /// (status, JSON body or Null).
    pub async fn call_with(
        &self,
        credential: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        crate::fixtures::Client::send(self, Some(credential), method, path, body).await
    }

    /// Uploads a fixture as `who` to `path` (multipart `file`).
    pub async fn upload(&self, who: &Session, path: &str, fixture_name: &str) -> (u16, Value) {
        self.as_(&who.access_token, Method::POST, path)
            .multipart_fixture(fixture_name)
            .fetch()
            .await
    }

    /// Creates an organisation owned by `<tag>-owner@…` with an admin, a
    /// recruiter and a reviewer who joined through invitations.
    pub async fn organisation(&self, tag: &str) -> OrgFixture {
        crate::fixtures::organisation(self, tag).await
    }

    /// `who` opens a job role titled `title` whose description is the
    /// fixture job description `jd` (e.g. `jd_01`); returns its path
    /// (`/api/v1/job-roles/{id}`). Its requirements are not extracted.
    pub async fn job_role(&self, who: &Session, jd: &str, title: &str) -> String {
        crate::fixtures::job_role(self, who, jd, title).await
    }

    /// `who` creates a candidate (`email`), an open job role, the
    /// application and a scheduled interview; returns the interview.
    pub async fn scheduled_interview(&self, who: &Session, email: &str) -> Value {
        crate::fixtures::scheduled_interview(self, who, email).await
    }

    /// `who` uploads the fixture resume `fixture` to the job role at
    /// `role_path`; once its parse has run, the resume as `GET
    /// /resumes/{id}` shows it (with its `candidate_id` and
    /// `application_id`).
    pub async fn parsed_resume(&self, who: &Session, role_path: &str, fixture: &str) -> Value {
        let (st, up) = self
            .upload(who, &format!("{role_path}/resumes"), fixture)
            .await;
        assert_eq!(st, 202, "{up}");
        self.run_pending_jobs().await;
        let path = format!("/api/v1/resumes/{}", up["resume_id"].as_str().unwrap());
        let (st, resume) = self.call(who, Method::GET, &path, None).await;
        assert_eq!(st, 200, "{resume}");
        resume
    }

    /// A scheduled interview whose candidate (`email`) `who` invited;
    /// returns (interview, invitation).
    pub async fn invited_interview(&self, who: &Session, email: &str) -> (Value, Value) {
        crate::fixtures::invited_interview(self, who, email).await
    }
}

impl crate::fixtures::Client for TestApp {
    async fn send(
        &self,
        credential: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = match credential {
            Some(c) => self.as_(c, method, path),
            None => self.anon(method, path),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.fetch().await
    }
}

/// Calls the router as the server would, with a loopback peer address (the
/// rate limiter and audit log read it).
async fn oneshot_as_server(router: Router, mut req: Request<Body>) -> axum::response::Response {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    router
        .oneshot(req)
        .await
        .unwrap_or_else(|e: Infallible| match e {})
}

/// A request to a [`TestApp`], built like a `reqwest::RequestBuilder`.
#[derive(Clone)]
pub struct AppRequest {
    router: Router,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl AppRequest {
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers.append(
            HeaderName::try_from(name.as_ref()).expect("header name"),
            HeaderValue::try_from(value.as_ref()).expect("header value"),
        );
        self
    }

    pub fn bearer_auth(self, credential: &str) -> Self {
        self.header(header::AUTHORIZATION, format!("Bearer {credential}"))
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = Bytes::from(serde_json::to_vec(body).expect("json body"));
        self
    }

    /// A raw body, with no content type unless set by [`AppRequest::header`].
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// A multipart form carrying a fixture as `file`, as
    /// [`crate::resume_form`] builds it.
    pub fn multipart_fixture(mut self, name: &str) -> Self {
        let boundary = format!("talenti-{}", Uuid::new_v4().simple());
        let file_name = name.rsplit('/').next().unwrap();
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&fixture(name));
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}"))
                .expect("content type"),
        );
        self.body = Bytes::from(body);
        self
    }

    /// Sends it. Never fails (there is no network); a `Result` so that code
    /// written for `reqwest` reads the same.
    pub async fn send(self) -> Result<AppResponse, Infallible> {
        let mut req = Request::builder()
            .method(self.method)
            .uri(self.path)
            .body(Body::from(self.body))
            .expect("request");
        *req.headers_mut() = self.headers;
        let res = oneshot_as_server(self.router, req).await;
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("response body");
        Ok(AppResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Sends it; (status, JSON body or Null).
    pub async fn fetch(self) -> (u16, Value) {
        let res = self.send().await.unwrap_or_else(|e| match e {});
        (
            res.status.as_u16(),
            serde_json::from_slice(&res.body).unwrap_or(Value::Null),
        )
    }
}

/// A [`TestApp`]'s answer, read like a `reqwest::Response`.
#[derive(Debug, Clone)]
pub struct AppResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl AppResponse {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    pub async fn json<T: serde::de::DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    pub async fn text(self) -> Result<String, std::string::FromUtf8Error> {
        String::from_utf8(self.body.to_vec())
    }
}
