//! The workspace's crate boundaries, checked on the resolved dependency
//! graph (`cargo metadata`): what each crate may link is part of its
//! purpose, so a dependency that crosses a boundary fails here rather than
//! in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The platform this builds for (what `cargo metadata` resolves for: other
/// platforms' dependencies are neither linked nor downloaded).
fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_owned()
}

/// Every package's normal (linked) dependencies, by name.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version=1", "--locked", "--offline"])
        .args(["--filter-platform", &host()])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut graph = BTreeMap::<String, BTreeSet<String>>::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let deps = graph
            .entry(names[node["id"].as_str().unwrap()].to_owned())
            .or_default();
        for dep in node["deps"].as_array().unwrap() {
            let linked = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if linked {
                deps.insert(names[dep["pkg"].as_str().unwrap()].to_owned());
            }
        }
    }
    graph
}

/// Every package `from` links, directly or not.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(p) = todo.pop() {
        for d in graph.get(&p).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

const OURS: &[&str] = &[
    "extraction",
    "assessment",
    "documents",
    "pdf-text",
    "job-engine",
    "recruiting",
    "job-kinds",
    "reports",
    "mail",
    "seal",
    "api",
    "worker",
    "scheduler",
    "tests",
];

#[test]
fn only_the_worker_links_pdfium_and_only_the_job_engine_uses_apalis() {
    let graph = graph();
    for p in ["api", "scheduler", "job-kinds", "recruiting", "documents"] {
        let linked = reachable(&graph, p);
        assert!(!linked.contains("pdfium-render"), "{p} links pdfium");
        assert!(!linked.contains("pdf-text"), "{p} links pdf-text");
    }
    assert!(reachable(&graph, "worker").contains("pdfium-render"));

    for p in OURS {
        let direct = &graph[*p];
        let apalis: Vec<_> = direct.iter().filter(|d| d.starts_with("apalis")).collect();
        if *p == "job-engine" {
            assert!(!apalis.is_empty(), "the job engine is built on apalis");
        } else {
            assert!(apalis.is_empty(), "{p} uses {apalis:?} directly");
        }
    }
}

#[test]
fn the_extraction_engine_does_no_io_and_the_job_engine_knows_no_recruiting() {
    let graph = graph();
    let extraction = reachable(&graph, "extraction");
    for io in [
        "tokio",
        "sqlx",
        "reqwest",
        "redis",
        "object_store",
        "hyper",
        "mio",
    ] {
        assert!(!extraction.contains(io), "extraction links {io}");
    }
    for p in OURS {
        assert!(!extraction.contains(*p), "extraction links {p}");
    }

    let engine = reachable(&graph, "job-engine");
    for p in OURS {
        assert!(!engine.contains(*p), "job-engine links {p}");
    }
    let recruiting = reachable(&graph, "recruiting");
    for p in ["job-engine", "job-kinds", "documents", "pdf-text"] {
        assert!(!recruiting.contains(p), "recruiting links {p}");
    }
}

#[test]
fn mail_and_sealing_know_no_database_and_no_domain() {
    let graph = graph();
    for p in ["mail", "seal"] {
        let linked = reachable(&graph, p);
        for other in ["sqlx", "redis", "object_store"] {
            assert!(!linked.contains(other), "{p} links {other}");
        }
        for ours in OURS {
            assert!(*ours == p || !linked.contains(*ours), "{p} links {ours}");
        }
    }
}

/// Every type the OpenAPI document names (`ToSchema`, or its
/// `#[schema(as = …)]`) has its own name: utoipa keeps one schema per name,
/// so two types sharing one would silently describe one of them wrongly.
#[test]
fn openapi_schema_names_are_unique() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && !name.starts_with('.') && name != "target" && name != "vendor" {
                dirs.push(path);
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // A derive (its list may span lines) naming ToSchema: the
            // item it is on follows within a few lines.
            if !line.contains("utoipa::ToSchema") {
                continue;
            }
            let mut alias = None;
            let item = lines[i..].iter().take(12).find_map(|l| {
                let l = l.trim();
                if let Some(rest) = l.strip_prefix("#[schema(as = ") {
                    alias = rest.split([')', ',']).next().map(str::to_owned);
                }
                let l = l.strip_prefix("pub ").unwrap_or(l);
                let rest = l
                    .strip_prefix("struct ")
                    .or_else(|| l.strip_prefix("enum "))?;
                Some(
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()?
                        .to_owned(),
                )
            });
            let Some(item) = item else { continue };
            let name = alias.unwrap_or(item);
            let at = format!("{}:{}", file.strip_prefix(root).unwrap().display(), i + 1);
            if let Some(first) = seen.insert(name.clone(), at.clone()) {
                assert_eq!(
                    first, at,
                    "schema name `{name}` is used by {first} and {at}"
                );
            }
        }
    }
    assert!(seen.len() > 50, "found only {} schemas", seen.len());
}
