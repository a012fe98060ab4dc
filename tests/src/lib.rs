//! Test harness: each test gets its own database and Redis key prefix, and
//! runs the real `api`, `worker` and `scheduler` binaries as processes.
//! Everything waits on conditions with deadlines, never bare sleeps.

pub mod app;
pub mod fake_openai;
pub mod fixtures;
pub mod webhook_receiver;

pub use app::{AppRequest, AppResponse, TestApp};

use std::{
    collections::HashMap,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use job_engine::db::{JobRow, JobStatus, Scope};
use serde_json::Value;
use sqlx::{postgres::PgPoolOptions, PgPool};
use uuid::Uuid;

/// The platform admin every test API knows (granted by `api platform-admin grant`).
pub const OPS_EMAIL: &str = "ops@talenti.test";
pub const PASSWORD: &str = "correct horse battery";
/// The keyring every test process seals personal data with.
pub const TEST_DATA_KEYS: &str = "test1:dGFsZW50aS10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGU=";
/// The blind-index key of every test process.
pub const TEST_INDEX_KEY: &str = "dGFsZW50aS10ZXN0LWluZGV4LWtleS0wMTIzNDU2Nzg=";

/// The test keyring (data keys `spec`, the test index key).
pub fn test_keyring(spec: &str) -> seal::Keyring {
    seal::Keyring::parse(spec, TEST_INDEX_KEY).expect("test keyring")
}

pub fn admin_database_url() -> String {
    std::env::var("TALENTI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@localhost:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TALENTI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Where the binaries under test are: `TALENTI_BIN_DIR`, or the workspace's
/// debug build, which is brought up to date once per test run.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Ok(dir) = std::env::var("TALENTI_BIN_DIR") {
            return PathBuf::from(dir);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-q",
                "-p",
                "api",
                "-p",
                "worker",
                "-p",
                "scheduler",
                "-p",
                "ops",
            ])
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build for the binaries under test");
        assert!(status.success(), "building the binaries under test failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join("target"));
        target.join("debug")
    })
}

/// `TALENTI_SCHEDULE` with `entries` and every other schedule declared in
/// code turned off, so that only a test's own schedules tick.
pub fn only_schedules(entries: &str) -> String {
    let mut spec = entries.to_owned();
    for p in job_kinds::registry(true).periodic() {
        if !entries.contains(&format!("{}=", p.name)) {
            spec.push_str(&format!(";{}=off", p.name));
        }
    }
    spec
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind port 0")
        .local_addr()
        .expect("addr")
        .port()
}

/// Polls `f` until it returns Some, or panics after `deadline` with `what`.
pub async fn wait_for<T, F, Fut>(what: &str, deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A child process, killed when dropped. Output goes to a log file under
/// `target/test-logs/` for post-mortems.
pub struct Proc {
    pub name: String,
    child: Child,
    pub log: PathBuf,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: asks for a graceful shutdown.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// Waits for the process to exit; returns its exit code.
    pub async fn wait_exit(&mut self, deadline: Duration) -> Option<i32> {
        let name = self.name.clone();
        let child = &mut self.child;
        wait_for(&format!("{name} to exit"), deadline, || {
            let r = child.try_wait().expect("try_wait");
            async move { r }
        })
        .await
        .code()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the process log contains `needle` at least `times` times.
    pub async fn wait_log(&self, needle: &str, times: usize, deadline: Duration) {
        let what = format!("{} log to show `{needle}` {times}x", self.name);
        wait_for(&what, deadline, || {
            let n = self.log_text().matches(needle).count();
            async move { (n >= times).then_some(()) }
        })
        .await
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private redis-server on its own port, for tests that stop Redis.
pub struct OwnRedis {
    pub port: u16,
    proc: Option<Proc>,
    log_dir: PathBuf,
}

impl OwnRedis {
    pub async fn start(log_dir: &Path) -> Self {
        let mut r = Self {
            port: free_port(),
            proc: None,
            log_dir: log_dir.to_path_buf(),
        };
        r.restart().await;
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (empty: it keeps nothing on disk) and waits for it.
    pub async fn restart(&mut self) {
        let log = self.log_dir.join(format!("redis-{}.log", self.port));
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("redis log");
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(out.try_clone().expect("log fd"))
            .stderr(out)
            .spawn()
            .expect("start redis-server (is Redis installed?)");
        self.proc = Some(Proc {
            name: "redis".into(),
            child,
            log,
        });
        let url = self.url();
        wait_for("own redis to answer", Duration::from_secs(10), || {
            let url = url.clone();
            async move {
                let client = redis::Client::open(url).ok()?;
                let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .ok()
            }
        })
        .await;
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }
}

/// One test's world: a fresh migrated database, a Redis prefix, processes.
pub struct TestEnv {
    pub name: String,
    pub db_name: String,
    pub database_url: String,
    pub prefix: String,
    pub redis_url: String,
    pub pool: PgPool,
    pub log_dir: PathBuf,
    pub http: reqwest::Client,
    /// Environment every process of this test gets.
    pub env: HashMap<String, String>,
}

impl TestEnv {
    pub async fn new(name: &str) -> Self {
        Self::with_redis(name, redis_url()).await
    }

    pub async fn with_redis(name: &str, redis_url: String) -> Self {
        let short = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let db_name = format!("talenti_test_{short}");
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin_database_url())
            .await
            .expect("connect to Postgres (is it running? see README)");
        sqlx::query(&format!("CREATE DATABASE {db_name}"))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let database_url = replace_db(&admin_database_url(), &db_name);
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&database_url)
            .await
            .expect("connect test database");
        job_kinds::MIGRATOR
            .run(&pool)
            .await
            .expect("migrate test database");

        let log_dir = workspace_root()
            .join("target/test-logs")
            .join(format!("{name}-{short}"));
        std::fs::create_dir_all(&log_dir).expect("log dir");
        let prefix = format!("t{short}");
        let env = HashMap::from([
            ("DATABASE_URL".to_owned(), database_url.clone()),
            ("REDIS_URL".to_owned(), redis_url.clone()),
            ("TALENTI_QUEUE_PREFIX".to_owned(), prefix.clone()),
            ("TALENTI_DIAGNOSTICS".to_owned(), "1".to_owned()),
            ("TALENTI_LOG_FORMAT".to_owned(), "pretty".to_owned()),
            ("RUST_LOG".to_owned(), "info".to_owned()),
            // Uploads of this test stay in its own folder.
            (
                "TALENTI_STORAGE_URL".to_owned(),
                log_dir.join("storage").to_string_lossy().into_owned(),
            ),
            ("TALENTI_DATA_KEYS".to_owned(), TEST_DATA_KEYS.to_owned()),
            ("TALENTI_INDEX_KEY".to_owned(), TEST_INDEX_KEY.to_owned()),
            (
                "TALENTI_MAIL_OUTBOX".to_owned(),
                log_dir.join("outbox").to_string_lossy().into_owned(),
            ),
            (
                "TALENTI_MAIL_FROM".to_owned(),
                "Talenti <no-reply@talenti.test>".to_owned(),
            ),
            (
                "TALENTI_JWT_SECRET".to_owned(),
                "test-secret-test-secret-test-secret!".to_owned(),
            ),
            (
                "TALENTI_RATE_LIMIT_PER_SECOND".to_owned(),
                "100000".to_owned(),
            ),
            ("TALENTI_RATE_LIMIT_BURST".to_owned(), "100000".to_owned()),
            (
                "TALENTI_AUTH_RATE_LIMIT_PER_MINUTE".to_owned(),
                "100000".to_owned(),
            ),
        ]);
        Self {
            name: name.to_owned(),
            db_name,
            database_url,
            prefix,
            redis_url,
            pool,
            log_dir,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                // Refused uploads close their connection; never reuse one.
                .pool_max_idle_per_host(0)
                .build()
                .expect("http client"),
            env,
        }
    }

    /// Starts one of the binaries with this test's environment plus `extra`.
    pub fn spawn(&self, bin: &str, label: &str, extra: &[(&str, &str)]) -> Proc {
        let log = self.log_dir.join(format!("{label}.log"));
        let out = std::fs::File::create(&log).expect("process log");
        let mut cmd = Command::new(bin_dir().join(bin));
        cmd.envs(&self.env)
            .envs(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log fd"))
            .stderr(out);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {bin}: {e}"));
        Proc {
            name: label.to_owned(),
            child,
            log,
        }
    }

    pub fn worker(&self, label: &str, extra: &[(&str, &str)]) -> Proc {
        self.spawn("worker", label, extra)
    }

    pub fn scheduler(&self, label: &str, extra: &[(&str, &str)]) -> Proc {
        self.spawn("scheduler", label, extra)
    }

    /// Starts the API on a free port and waits until it answers. A port
    /// found free can be taken (by any outgoing connection on this machine)
    /// before the API binds it; the API then exits, and it is started again
    /// on another port rather than waited on until the deadline.
    pub async fn api(&self, extra: &[(&str, &str)]) -> Api {
        // The binaries are built (once per test run) before the clock starts.
        bin_dir();
        // Generous: on a busy two-core machine a debug binary can take a
        // while to start and migrate nothing.
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut attempt = 0;
        let mut api = loop {
            attempt += 1;
            let port = free_port();
            let port_s = port.to_string();
            let mut all = vec![("PORT", port_s.as_str())];
            all.extend_from_slice(extra);
            let proc = self.spawn("api", &format!("api-{port}"), &all);
            let mut api = Api {
                base: format!("http://127.0.0.1:{port}"),
                http: self.http.clone(),
                proc,
                token: String::new(),
            };
            let url = format!("{}/health/live", api.base);
            let answered = loop {
                let live = self.http.get(&url).send().await;
                if live.is_ok_and(|r| r.status().is_success()) {
                    break true;
                }
                if !api.proc.is_running() {
                    break false;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for the api to answer; its log:\n{}",
                    api.proc.log_text()
                );
                tokio::time::sleep(Duration::from_millis(25)).await;
            };
            if answered {
                break api;
            }
            assert!(
                attempt < 5 && Instant::now() < deadline,
                "the api exited before answering ({attempt} attempts); its log:\n{}",
                api.proc.log_text()
            );
        };
        // The platform operator every test acts as unless it says otherwise,
        // made a platform admin the only way an unverified account can be.
        api.token = api.session(OPS_EMAIL).await.access_token;
        self.operator(&["platform-admin", "grant", OPS_EMAIL]);
        api
    }

    /// Runs an operator command (`api <args>`) against this test's database;
    /// panics if it fails. Returns what it printed.
    pub fn operator(&self, args: &[&str]) -> String {
        let out = Command::new(bin_dir().join("api"))
            .args(args)
            .envs(&self.env)
            .stdin(Stdio::null())
            .output()
            .expect("run the api binary");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "api {args:?} failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    /// Runs `talenti-ops --json <args>` against this test's database;
    /// panics if it fails. Returns its JSON.
    pub fn ops(&self, args: &[&str]) -> Value {
        let out = Command::new(bin_dir().join("talenti-ops"))
            .arg("--json")
            .args(args)
            .envs(&self.env)
            .stdin(Stdio::null())
            .output()
            .expect("run talenti-ops");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "talenti-ops {args:?} failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("talenti-ops {args:?}: {e}: {text}"))
    }

    pub async fn job(&self, id: Uuid) -> JobRow {
        job_engine::db::get(&self.pool, Scope::Platform, id)
            .await
            .expect("read job")
            .expect("job exists")
    }

    /// Waits until the job satisfies `pred`.
    pub async fn wait_job(
        &self,
        id: Uuid,
        what: &str,
        deadline: Duration,
        pred: impl Fn(&JobRow) -> bool,
    ) -> JobRow {
        wait_for(&format!("job {id} to be {what}"), deadline, || async {
            let job = self.job(id).await;
            pred(&job).then_some(job)
        })
        .await
    }

    pub async fn wait_status(&self, id: Uuid, status: JobStatus, deadline: Duration) -> JobRow {
        self.wait_job(id, status.as_str(), deadline, |j| j.status == status)
            .await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .expect("count query")
    }

    /// Redis keys under this test's prefix.
    pub async fn redis_keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.redis_url.as_str()).expect("redis url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query_async(&mut conn)
            .await
            .expect("KEYS")
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Drop the database and Redis keys on a separate runtime: Drop cannot
        // be async and may run inside the test's runtime.
        let db = self.db_name.clone();
        let redis_url = self.redis_url.clone();
        let prefix = self.prefix.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(admin) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_database_url())
                    .await
                {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                }
                let connect = job_engine::queue::Queues::connect(&redis_url, &prefix);
                if let Ok(Ok(q)) = tokio::time::timeout(Duration::from_secs(2), connect).await {
                    let _ = q.purge().await;
                }
            });
        })
        .join();
    }
}

fn replace_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if base[..i].contains("://") && i > base.find("://").unwrap() + 2 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// The API under test.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub proc: Proc,
    /// Access token of the platform operator (`OPS_EMAIL`).
    pub token: String,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request as the platform operator.
    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// A request with the given bearer credential (token or API key).
    pub fn as_(
        &self,
        credential: &str,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(credential)
    }

    /// Signs up `email` (or logs in if it exists) with [`PASSWORD`].
    pub async fn session(&self, email: &str) -> Session {
        fixtures::session(self, email).await
    }

    /// Enqueues through the admin endpoint; returns the job id.
    pub async fn enqueue(&self, kind: &str, payload: Value) -> Uuid {
        let res = self
            .req(reqwest::Method::POST, "/api/v1/admin/jobs")
            .json(&serde_json::json!({ "kind": kind, "payload": payload }))
            .send()
            .await
            .expect("enqueue request");
        assert_eq!(res.status(), 202, "enqueue answered {}", res.status());
        let body: Value = res.json().await.expect("enqueue body");
        body["job_id"]
            .as_str()
            .expect("job_id")
            .parse()
            .expect("uuid")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let res = self
            .req(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.req(reqwest::Method::POST, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("POST");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// The fields a 4xx error body names (`error.fields[].field`).
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// An organisation with a member in every role.
#[derive(Debug, Clone)]
pub struct OrgFixture {
    pub id: Uuid,
    pub owner: Session,
    pub admin: Session,
    pub recruiter: Session,
    pub reviewer: Session,
}

impl OrgFixture {
    pub fn member(&self, role: &str) -> &Session {
        match role {
            "owner" => &self.owner,
            "admin" => &self.admin,
            "recruiter" => &self.recruiter,
            "reviewer" => &self.reviewer,
            other => panic!("no role {other}"),
        }
    }
}

impl Api {
    /// `POST /auth/login`: (status, JSON body).
    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        let body = serde_json::json!({ "email": email, "password": password });
        fixtures::Client::send(
            self,
            None,
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some(body),
        )
        .await
    }

    /// `who` creates a candidate (`email`), an open job role, the
    /// application and a scheduled interview; returns the interview.
    pub async fn scheduled_interview(&self, who: &Session, email: &str) -> Value {
        fixtures::scheduled_interview(self, who, email).await
    }

    /// See [`fixtures::job_role`].
    pub async fn job_role(&self, who: &Session, jd: &str, title: &str) -> String {
        fixtures::job_role(self, who, jd, title).await
    }

    /// Sends a request as `who` and returns (status, JSON body or Null).
    pub async fn call(
        &self,
        who: &Session,
        method: reqwest::Method,
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
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        fixtures::Client::send(self, Some(credential), method, path, body).await
    }

    /// Creates an organisation owned by `<tag>-owner@…` with an admin, a
    /// recruiter and a reviewer who joined through invitations.
    pub async fn organisation(&self, tag: &str) -> OrgFixture {
        fixtures::organisation(self, tag).await
    }
}

impl fixtures::Client for Api {
    async fn send(
        &self,
        credential: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = match credential {
            Some(c) => self.as_(c, method, path),
            None => self.http.request(method, self.url(path)),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// A fixture file (tests/fixtures/resumes/…).
pub fn fixture(name: &str) -> Vec<u8> {
    let p = workspace_root().join("tests/fixtures/resumes").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A multipart form carrying a fixture as `file`.
pub fn resume_form(name: &str) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(fixture(name))
        .file_name(name.rsplit('/').next().unwrap().to_owned());
    reqwest::multipart::Form::new().part("file", part)
}

impl Api {
    /// Uploads a fixture as `who` to `path` (multipart `file`).
    pub async fn upload(&self, who: &Session, path: &str, fixture_name: &str) -> (u16, Value) {
        let res = self
            .as_(&who.access_token, reqwest::Method::POST, path)
            .multipart(resume_form(fixture_name))
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// A TCP proxy in front of a real server (Postgres, say) that a test can
/// cut and restore: "stopping the database" for the processes behind it
/// without stopping the server every other test shares. Cutting closes the
/// listener and every open connection, as a stopped server would.
pub struct TcpProxy {
    pub port: u16,
    target: String,
    cut: tokio::sync::watch::Sender<bool>,
}

impl TcpProxy {
    pub async fn start(target: &str) -> Self {
        let port = free_port();
        let (cut, _) = tokio::sync::watch::channel(false);
        let proxy = Self {
            port,
            target: target.to_owned(),
            cut,
        };
        proxy.serve().await;
        proxy
    }

    async fn serve(&self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind the proxy port");
        let target = self.target.clone();
        let mut cut = self.cut.subscribe();
        let sender = self.cut.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { continue };
                        let target = target.clone();
                        let mut cut = sender.subscribe();
                        tokio::spawn(async move {
                            let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = cut.wait_for(|c| *c) => {}
                            }
                        });
                    }
                    _ = cut.wait_for(|c| *c) => return,
                }
            }
        });
    }

    /// Refuses new connections and breaks the open ones.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Accepts connections again, on the same port.
    pub async fn restore(&self) {
        self.cut.send_replace(false);
        self.serve().await;
    }

    /// `url` (a postgres:// URL on localhost:5432) rewritten to go through
    /// this proxy.
    pub fn postgres_url(&self, url: &str) -> String {
        url.replacen("localhost:5432", &format!("127.0.0.1:{}", self.port), 1)
            .replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", self.port), 1)
    }
}

impl TestEnv {
    /// Where this test's emails go when no SMTP server is set.
    pub fn outbox(&self) -> PathBuf {
        self.log_dir.join("outbox")
    }

    /// This test's Redis queues, through the same code the workers use.
    pub async fn queues(&self) -> job_engine::queue::Queues {
        job_engine::queue::Queues::connect(&self.redis_url, &self.prefix)
            .await
            .expect("connect to this test's Redis queues")
    }

    /// Enqueues a job in its own committed transaction, as a business write
    /// would, with its kind's attempts; returns its id.
    pub async fn enqueue_committed(&self, kind: &str, payload: Value) -> Uuid {
        let registry = job_kinds::registry(true);
        let spec = registry
            .get(kind)
            .unwrap_or_else(|| panic!("no job kind {kind}"));
        let mut tx = self.pool.begin().await.expect("begin");
        let enqueued = spec
            .enqueue_json(&mut tx, payload, job_engine::Enqueue::system())
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        enqueued.job.id
    }
}

/// The log lines of `proc` that contain every one of `needles`.
/// How many jobs `worker`'s dispatcher pushed to Redis, from its debug log
/// (`job_engine::dispatcher=debug`: `dispatched … count=N` per push).
pub fn dispatcher_pushed(worker: &Proc) -> usize {
    log_lines(worker, &["dispatched", "count="])
        .iter()
        .map(|l| {
            let n = &l[l.find("count=").unwrap() + "count=".len()..];
            let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().unwrap()
        })
        .sum()
}

pub fn log_lines(proc: &Proc, needles: &[&str]) -> Vec<String> {
    proc.log_text()
        .lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .map(str::to_owned)
        .collect()
}
