// The operators' dashboard: the queue API (`/api/v1/queues`, `/jobs`,
// `/schedules`) in a page, refreshed every two seconds. No build step, no
// third-party code; served by the API binary. Platform admins act; platform
// viewers and an organisation's members see (the server enforces it).
"use strict";

const state = { token: sessionStorage.getItem("talenti.token"), me: null, view: "queues", timer: null, detail: null };
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return e;
};

function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.classList.add("show");
  setTimeout(() => t.classList.remove("show"), 2500);
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign({ authorization: `Bearer ${state.token}` }, body ? { "content-type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) { signOut(); throw new Error("signed out"); }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.error?.message || `HTTP ${res.status}`);
  return data;
}

const canAct = () => !!state.me?.user?.is_platform_admin;
const ago = (secs) => secs < 1 ? "—" : secs < 90 ? `${secs.toFixed(0)} s` : secs < 5400 ? `${(secs / 60).toFixed(0)} min` : `${(secs / 3600).toFixed(1)} h`;
const time = (t) => t ? new Date(t).toLocaleString() : "";
const status = (s) => el("span", { class: `status ${s}` }, s);

function signOut() {
  sessionStorage.removeItem("talenti.token");
  state.token = null;
  clearInterval(state.timer);
  $("#nav").hidden = true;
  document.querySelectorAll(".view").forEach((v) => (v.hidden = true));
  $("#login").hidden = false;
  $("#who").textContent = "";
}

async function signIn(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    const res = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: f.get("email"), password: f.get("password") }),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(data?.error?.message || "sign-in failed");
    state.token = data.access_token;
    sessionStorage.setItem("talenti.token", state.token);
    await start();
  } catch (e) {
    $("#login-error").textContent = e.message;
  }
}

async function start() {
  state.me = await api("GET", "/api/v1/me");
  const u = state.me.user;
  const role = u.is_platform_admin ? "platform admin" : u.is_platform_viewer ? "platform viewer (read-only)" : "organisation member";
  $("#who").replaceChildren(`${u.email} · ${role} `, el("a", { onclick: signOut }, "sign out"));
  $("#login").hidden = true;
  $("#nav").hidden = false;
  show(state.view);
}

function show(view) {
  state.view = view;
  document.querySelectorAll("#nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== view));
  clearInterval(state.timer);
  const refresh = { queues: loadQueues, jobs: loadJobs, schedules: loadSchedules, consistency: loadConsistency }[view];
  const tick = () => refresh().catch((e) => toast(e.message));
  tick();
  state.timer = setInterval(tick, 2000);
}

async function act(what, fn) {
  try {
    await fn();
    toast(what);
    show(state.view);
  } catch (e) {
    toast(e.message);
  }
}

async function loadQueues() {
  const q = await api("GET", "/api/v1/queues");
  const perMin = Object.fromEntries((q.throughput || []).map((t) => [t.kind, t.succeeded_per_minute]));
  const rows = q.kinds.map((k) => {
    const pause = q.pauses.find((p) => p.kind === k.kind);
    const button = !canAct() ? "" : k.paused
      ? el("button", { "data-testid": `resume-${k.kind}`, onclick: () => act(`${k.kind} resumed`, () => api("POST", "/api/v1/queues/resume", { kind: k.kind })) }, "Resume")
      : el("button", { "data-testid": `pause-${k.kind}`, onclick: () => {
          const reason = prompt(`Why pause ${k.kind}?`, "paused from the dashboard");
          if (reason) act(`${k.kind} paused`, () => api("POST", "/api/v1/queues/pause", { kind: k.kind, reason }));
        } }, "Pause");
    return el("tr", { "data-kind": k.kind },
      el("td", {}, k.kind), el("td", { class: "num" }, k.due), el("td", { class: "num" }, k.scheduled),
      el("td", { class: "num" }, k.running), el("td", { class: "num" }, k.retrying), el("td", { class: "num" }, k.dead),
      el("td", { class: "num" }, ago(k.oldest_due_secs)), el("td", { class: "num" }, perMin[k.kind]?.toFixed(1) ?? ""),
      el("td", { "data-testid": `state-${k.kind}` }, k.paused ? status("paused") : "running", pause ? ` — ${pause.reason}` : ""),
      el("td", {}, button));
  });
  $("#queues tbody").replaceChildren(...rows);
  $("#queues-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function jobQuery() {
  const f = new FormData($("#job-filter"));
  const params = new URLSearchParams({ limit: "50" });
  if (f.get("kind")) params.set("kind", f.get("kind"));
  if (f.get("status")) params.set("status", f.get("status"));
  const q = (f.get("q") || "").trim();
  if (/^[0-9a-f-]{36}$/i.test(q)) return { id: q };
  if (q.includes("=")) {
    const [key, ...rest] = q.split("=");
    const raw = rest.join("=");
    let value = raw;
    try { value = JSON.parse(raw); } catch (_) { /* a string */ }
    params.set("payload", JSON.stringify({ [key.trim()]: value }));
  }
  return { params };
}

async function loadJobs() {
  const q = jobQuery();
  const items = q.id ? [await api("GET", `/api/v1/jobs/${q.id}`)] : (await api("GET", `/api/v1/jobs?${q.params}`)).items;
  const rows = items.map((j) => {
    const buttons = [];
    if (canAct() && (j.status === "dead" || j.status === "failed"))
      buttons.push(el("button", { "data-testid": `retry-${j.id}`, onclick: () => act("retried", () => api("POST", `/api/v1/jobs/${j.id}/retry`)) }, "Retry"));
    if (canAct() && ["queued", "failed", "running"].includes(j.status))
      buttons.push(el("button", { onclick: () => act("cancelled", () => api("POST", `/api/v1/jobs/${j.id}/cancel`)) }, "Cancel"));
    return el("tr", { "data-job": j.id },
      el("td", {}, el("a", { onclick: () => { state.detail = j.id; loadDetail(); } }, j.id.slice(0, 8))),
      el("td", {}, j.kind), el("td", { "data-testid": `status-${j.id}` }, status(j.status)),
      el("td", { class: "num" }, `${j.attempt}/${j.max_attempts}`), el("td", { class: "err", title: j.error || "" }, j.error || ""),
      el("td", {}, time(j.created_at)), el("td", {}, ...buttons));
  });
  $("#jobs tbody").replaceChildren(...rows);
  if (state.detail) await loadDetail();
}

async function loadDetail() {
  const j = await api("GET", `/api/v1/jobs/${state.detail}`);
  const box = $("#job-detail");
  box.hidden = false;
  box.replaceChildren(
    el("h2", {}, `${j.kind} `, status(j.status), ` `, el("small", {}, j.id)),
    el("p", {}, `attempt ${j.attempt} of ${j.max_attempts}` + (j.progress ? ` · ${j.progress.percent}% ${j.progress.message || ""}` : "") + (j.worker_id ? ` · worker ${j.worker_id}` : "")),
    el("p", {}, `created ${time(j.created_at)} · due ${time(j.run_at)} · started ${time(j.started_at)} · finished ${time(j.finished_at)}`),
    j.error ? el("p", { class: "error" }, j.error) : "",
    el("h2", {}, "payload"), el("pre", {}, JSON.stringify(j.payload ?? "(platform admins only)", null, 2)),
    el("h2", {}, "result"), el("pre", {}, JSON.stringify(j.result, null, 2)));
}

async function loadSchedules() {
  const list = await api("GET", "/api/v1/schedules").catch((e) => { if (/platform/.test(e.message)) return []; throw e; });
  $("#schedules tbody").replaceChildren(...list.map((s) => {
    const buttons = !canAct() ? [] : [
      s.paused
        ? el("button", { onclick: () => act(`${s.name} resumed`, () => api("POST", "/api/v1/schedules/resume", { name: s.name })) }, "Resume")
        : el("button", { onclick: () => { const reason = prompt(`Why pause ${s.name}?`, "paused from the dashboard"); if (reason) act(`${s.name} paused`, () => api("POST", "/api/v1/schedules/pause", { name: s.name, reason })); } }, "Pause"),
      el("button", { onclick: () => act(`${s.name} triggered`, () => api("POST", "/api/v1/schedules/trigger", { name: s.name })) }, "Run now"),
    ];
    return el("tr", {}, el("td", {}, s.name), el("td", {}, s.kind), el("td", {}, s.expression), el("td", {}, time(s.last_tick)),
      el("td", {}, s.last_job_status ? status(s.last_job_status) : ""), el("td", {}, time(s.next_tick)),
      el("td", {}, s.paused ? status("paused") : "on"), el("td", {}, ...buttons));
  }));
}

async function loadConsistency() {
  const v = await api("GET", "/api/v1/queues/consistency");
  $("#consistency tbody").replaceChildren(...v.kinds.map((c) => el("tr", {},
    el("td", {}, c.kind), el("td", { class: "num" }, c.undispatched), el("td", { class: "num" }, ago(c.oldest_undispatched_secs)),
    el("td", { class: "num" }, c.dispatched_waiting), el("td", { class: "num" }, c.missing_from_redis ?? "?"),
    el("td", { class: "num" }, c.expired_leases))));
  $("#redis-error").textContent = v.redis_error ? `Redis not asked: ${v.redis_error}` : "";
}

document.addEventListener("DOMContentLoaded", () => {
  $("#login").addEventListener("submit", signIn);
  $("#job-filter").addEventListener("submit", (e) => { e.preventDefault(); state.detail = null; $("#job-detail").hidden = true; loadJobs().catch((x) => toast(x.message)); });
  document.querySelectorAll("#nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  if (state.token) start().catch(() => signOut());
});
