//! Completes the generated OpenAPI document with the statuses every
//! operation can answer because of how the API is built, not because of
//! what one handler does: the rate limiter (429), the request timeout
//! (408), the database (503), authentication and organisation selection
//! (400/401/403/404), path and query extraction (400/422), and body
//! extraction (400/413/415/422). Each rule follows from the operation's
//! shape (secured? parameters? a body?), so a new route is documented by
//! the same code that serves it, and a schema-driven fuzzer finds no status
//! the document does not list.

use utoipa::openapi::{
    content::Content,
    header::HeaderBuilder,
    path::{Operation, ParameterBuilder, ParameterIn},
    response::ResponseBuilder,
    schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type},
    OpenApi, Ref, RefOr, Required,
};

/// Why each added status happens.
const STATUSES: &[(&str, &str)] = &[
    ("400", "Malformed request: unreadable JSON or multipart, a malformed id in the path or query, a NUL character in a query parameter, or no usable organisation (`organisation_required`)"),
    ("401", "Missing, invalid or expired credentials (`unauthorized`, `token_expired`)"),
    ("403", "Authenticated but not allowed: the member's role, an API key's scope, a candidate account, or an API key on an account endpoint"),
    ("404", "Not found; another organisation's records answer exactly like unknown ones"),
    ("408", "The request took longer than the server's request timeout"),
    ("413", "The body is larger than the server accepts"),
    ("415", "The body is not of the documented content type"),
    ("422", "Validation failed; `fields` names each field at fault (a NUL character in a string is refused here too)"),
    ("429", "Rate limited (per client address, per authenticated caller, or after failed authentication); retry after `Retry-After` seconds"),
    ("503", "The database is unavailable (`database_unavailable`); retry after `Retry-After` seconds"),
];

pub fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let path_level_params = item
            .parameters
            .iter()
            .flatten()
            .filter_map(param_in)
            .collect::<Vec<_>>();
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
            &mut item.options,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(path, op, &path_level_params);
        }
    }
}

fn param_in(p: &RefOr<utoipa::openapi::path::Parameter>) -> Option<ParameterIn> {
    match p {
        RefOr::T(p) => Some(p.parameter_in.clone()),
        RefOr::Ref(_) => None,
    }
}

fn complete_operation(path: &str, op: &mut Operation, inherited: &[ParameterIn]) {
    let ins: Vec<ParameterIn> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(param_in)
        .chain(inherited.iter().cloned())
        .collect();
    let in_path = path.contains('{') || ins.contains(&ParameterIn::Path);
    let in_query = ins.contains(&ParameterIn::Query);
    let body = op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let api = path.starts_with("/api/");

    let mut codes = vec!["408", "429"];
    if api {
        codes.push("503");
    }
    if secured {
        codes.extend(["400", "401", "403", "404"]);
    }
    if in_path {
        codes.extend(["400", "404"]);
    }
    if in_query {
        codes.extend(["400", "422"]);
    }
    if body {
        codes.extend(["400", "413", "415", "422"]);
    }
    for code in codes {
        if op.responses.responses.contains_key(code) {
            continue;
        }
        let why = STATUSES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, d)| *d)
            .expect("every added status is described");
        let mut response = ResponseBuilder::new().description(why).content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        );
        if code == "429" || code == "503" {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    ))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        op.responses
            .responses
            .insert(code.to_owned(), RefOr::T(response.build()));
    }

    // Secured operations act in one organisation: say how to pick it.
    if secured && api {
        let params = op.parameters.get_or_insert_with(Vec::new);
        let named = |p: &RefOr<utoipa::openapi::path::Parameter>| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("x-organisation-id"));
        if !params.iter().any(named) {
            params.push(RefOr::T(
                ParameterBuilder::new()
                    .name("X-Organisation-Id")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "The organisation to act in; needed when the caller belongs to several \
                         (an API key always acts in its own)",
                    ))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
                    ))
                    .build(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        let (_, doc) = crate::api_routes(1 << 20);
        serde_json::to_value(doc).expect("serialisable")
    }

    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
        out
    }

    #[test]
    fn every_operation_lists_the_statuses_its_shape_can_answer() {
        let doc = document();
        for (method, path, op) in operations(&doc) {
            let has = |code: &str| op["responses"].get(code).is_some();
            let name = format!("{method} {path}");
            assert!(has("429") && has("408"), "{name}");
            if path.starts_with("/api/") {
                assert!(has("503"), "{name}");
                assert!(
                    op["responses"]["503"]["headers"]["Retry-After"].is_object(),
                    "{name}"
                );
            }
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                for code in ["400", "401", "403", "404"] {
                    assert!(has(code), "{name} lacks {code}");
                }
            }
            if path.contains('{') {
                assert!(has("400") && has("404"), "{name}");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(has(code), "{name} lacks {code}");
                }
            }
            let in_query = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if in_query {
                assert!(has("400") && has("422"), "{name}");
            }
        }
    }

    #[test]
    fn schemas_carry_the_constraints_the_server_enforces() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        // Every list's page size.
        for (method, path, op) in operations(&doc) {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "limit" {
                    let s = &p["schema"];
                    assert_eq!(
                        (s["minimum"].as_i64(), s["maximum"].as_i64()),
                        (Some(1), Some(200)),
                        "{method} {path}"
                    );
                }
            }
        }
        let scopes = &schemas["ApiKeyRequest"]["properties"]["scopes"];
        assert_eq!(scopes["minItems"], 1);
        assert_eq!(
            schemas["ApiKeyScope"]["enum"],
            serde_json::json!(["read", "write"])
        );
        for (schema, field) in [
            ("OrganisationRequest", "name"),
            ("ApiKeyRequest", "name"),
            ("CreateJobRole", "title"),
            ("CreateCandidate", "first_name"),
        ] {
            assert_eq!(
                schemas[schema]["properties"][field]["minLength"], 1,
                "{schema}.{field}"
            );
        }
        for schema in ["SignupRequest", "InvitationRequest", "CreateCandidate"] {
            assert_eq!(
                schemas[schema]["properties"]["email"]["format"], "email",
                "{schema}"
            );
        }
        assert_eq!(
            schemas["CreateCandidate"]["properties"]["linkedin_url"]["format"],
            "uri"
        );
        let weight = &schemas["RubricDimension"]["properties"]["weight"];
        assert_eq!(
            (
                weight["exclusiveMinimum"].as_f64(),
                weight["maximum"].as_f64()
            ),
            (Some(0.0), Some(1000.0))
        );
    }
}
