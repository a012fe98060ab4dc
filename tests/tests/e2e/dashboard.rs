//! The operators' dashboard in a real headless browser (Debian's chromium,
//! driven through chromedriver over WebDriver): sign in, see a dead job,
//! retry it and see it succeed; pause a kind and see it paused; a read-only
//! platform viewer sees the same and gets no buttons (and the API refuses
//! them anyway). A screenshot is kept in the test's log directory, and in
//! `TALENTI_SCREENSHOT_DIR` if set (docs/dashboard.png came from there).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use job_engine::db::JobStatus;
use serde_json::json;
use tests::{free_port, wait_for, TestEnv, OPS_EMAIL, PASSWORD};

const T: Duration = Duration::from_secs(60);

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free port, and a headless chromium session through it.
async fn browser() -> (Driver, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; scripts/test installs it)"),
    );
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1400,900"]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    let client = wait_for("chromedriver to take a session", T, || {
        let caps = caps.clone();
        let url = url.clone();
        async move {
            ClientBuilder::rustls()
                .ok()?
                .capabilities(caps)
                .connect(&url)
                .await
                .ok()
        }
    })
    .await;
    (driver, client)
}

/// Waits for the element `css`, and (if given) for its text to contain `text`.
async fn wait_text(c: &Client, css: &str, text: &str) -> Element {
    wait_for(&format!("`{css}` to show `{text}`"), T, || async {
        let e = c.find(Locator::Css(css)).await.ok()?;
        e.text().await.ok()?.contains(text).then_some(e)
    })
    .await
}

/// Clicks the element `css` once it is there. The page re-renders its tables
/// every 2 s, so an element found a moment ago may be gone (stale): found
/// again and clicked until a click lands.
async fn click(c: &Client, css: &str) {
    wait_for(&format!("a click on `{css}`"), T, || async {
        let e = c.find(Locator::Css(css)).await.ok()?;
        e.click().await.ok()
    })
    .await
}

async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/admin")).await.unwrap();
    let form = c.wait().for_element(Locator::Css("#login")).await.unwrap();
    form.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    form.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "#who", email).await;
    let form = c.find(Locator::Css("#login")).await.unwrap();
    assert!(
        !form.is_displayed().await.unwrap(),
        "the sign-in form is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_retries_a_dead_job_and_pauses_a_kind_in_the_browser() {
    let env = TestEnv::new("dashboard").await;
    let api = env.api(&[]).await;
    // A dead job (made so before any worker runs), and a delayed one so
    // that `noop` has a queue to show.
    let dead = api.enqueue("noop", json!({})).await;
    sqlx::query(
        "UPDATE jobs SET status = 'dead', attempt = 1, finished_at = now(),
                last_error = 'the provider was down' WHERE id = $1",
    )
    .bind(dead)
    .execute(&env.pool)
    .await
    .unwrap();
    let (s, _) = api
        .post_json(
            "/api/v1/admin/jobs",
            Some(json!({ "kind": "noop", "payload": {}, "run_at": "2099-01-01T00:00:00Z" })),
        )
        .await;
    assert_eq!(s, 202);
    let _worker = env.worker("worker", &[]);

    let (_driver, c) = browser().await;
    let base = api.base.clone();
    sign_in(&c, &base, OPS_EMAIL).await;
    wait_text(&c, "#who", "platform admin").await;

    // Jobs: the dead one, retried, succeeds.
    c.find(Locator::Css("nav button[data-view=jobs]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, &format!("[data-testid=status-{dead}]"), "dead").await;
    wait_text(
        &c,
        &format!("tr[data-job='{dead}']"),
        "the provider was down",
    )
    .await;
    click(&c, &format!("[data-testid=retry-{dead}]")).await;
    wait_text(&c, &format!("[data-testid=status-{dead}]"), "succeeded").await;
    assert_eq!(env.job(dead).await.status, JobStatus::Succeeded);

    // Queues: pause noop (the page asks why).
    c.find(Locator::Css("nav button[data-view=queues]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "[data-testid=pause-noop]", "Pause").await;
    click(&c, "[data-testid=pause-noop]").await;
    c.send_alert_text("maintenance window").await.unwrap();
    c.accept_alert().await.unwrap();
    wait_text(&c, "[data-testid=state-noop]", "paused").await;
    wait_text(&c, "[data-testid=state-noop]", "maintenance window").await;
    let (_, q) = api.get_json("/api/v1/queues").await;
    assert_eq!(q["pauses"][0]["reason"], "maintenance window", "{q}");

    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(env.log_dir.join("dashboard.png"), &png).unwrap();
    if let Ok(dir) = std::env::var("TALENTI_SCREENSHOT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("dashboard.png"), &png).unwrap();
    }

    // A read-only platform viewer: sees the pause, gets no buttons.
    let viewer = "viewer@talenti.test";
    let session = api.session(viewer).await;
    env.operator(&["platform-admin", "grant", "--read-only", viewer]);
    c.find(Locator::Css("#who a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sign_in(&c, &base, viewer).await;
    wait_text(&c, "#who", "read-only").await;
    wait_text(&c, "[data-testid=state-noop]", "paused").await;
    assert!(
        c.find(Locator::Css("[data-testid=resume-noop]"))
            .await
            .is_err(),
        "a viewer gets no buttons"
    );
    let res = api
        .as_(
            &session.access_token,
            reqwest::Method::POST,
            "/api/v1/queues/resume",
        )
        .json(&json!({ "kind": "noop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "and the API refuses them");
    let res = api
        .as_(
            &session.access_token,
            reqwest::Method::GET,
            "/api/v1/queues",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "but they see the queues");
    c.close().await.unwrap();
}
