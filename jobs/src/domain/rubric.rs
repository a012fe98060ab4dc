//! A job role's scoring rubric: weighted dimensions.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricDimension {
    pub name: String,
    /// Relative weight; positive.
    pub weight: f64,
    #[serde(default)]
    pub description: String,
}

pub const MAX_DIMENSIONS: usize = 30;

/// Checks a rubric: 1–30 dimensions, names non-empty and unique (ignoring
/// case), weights positive and finite. Returns every problem with its path.
pub fn validate(rubric: &[RubricDimension]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if rubric.len() > MAX_DIMENSIONS {
        problems.push((
            "rubric".to_owned(),
            format!("at most {MAX_DIMENSIONS} dimensions"),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, d) in rubric.iter().enumerate() {
        let name = d.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            problems.push((
                format!("rubric[{i}].name"),
                "1 to 100 characters".to_owned(),
            ));
        }
        let key = name.to_lowercase();
        if !name.is_empty() && seen.contains(&key) {
            problems.push((
                format!("rubric[{i}].name"),
                format!("`{name}` appears twice"),
            ));
        }
        seen.push(key);
        if !(d.weight.is_finite() && d.weight > 0.0) {
            problems.push((
                format!("rubric[{i}].weight"),
                "must be a positive number".to_owned(),
            ));
        }
        if d.description.chars().count() > 2_000 {
            problems.push((
                format!("rubric[{i}].description"),
                "at most 2000 characters".to_owned(),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(name: &str, weight: f64) -> RubricDimension {
        RubricDimension {
            name: name.into(),
            weight,
            description: String::new(),
        }
    }

    #[test]
    fn rejects_duplicate_names_and_bad_weights() {
        assert!(validate(&[dim("Communication", 1.0), dim("Rust", 2.5)]).is_empty());
        let p = validate(&[
            dim("Rust", 1.0),
            dim("rust", 1.0),
            dim("Go", 0.0),
            dim("", f64::NAN),
        ]);
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rubric[1].name",
                "rubric[2].weight",
                "rubric[3].name",
                "rubric[3].weight"
            ]
        );
    }
}
