//! A job role's scoring rubric: weighted dimensions, and the default one
//! for a role that has none.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricDimension {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Relative weight, above 0 and at most 1000.
    #[schema(exclusive_minimum = 0, maximum = 1000)]
    pub weight: f64,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
}

pub const MAX_DIMENSIONS: usize = 30;

/// A rubric's version: a digest of its dimensions (names, weights,
/// descriptions, in order). Equal versions, equal rubrics.
pub fn version(rubric: &[RubricDimension]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for d in rubric {
        for part in [
            d.name.as_bytes(),
            &d.weight.to_be_bytes(),
            d.description.as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `rubric`, or the default one when it is empty: what every scorer,
/// drafter and check of a role works with.
pub fn or_default(rubric: &[RubricDimension]) -> std::borrow::Cow<'_, [RubricDimension]> {
    if rubric.is_empty() {
        std::borrow::Cow::Owned(default_rubric())
    } else {
        std::borrow::Cow::Borrowed(rubric)
    }
}

/// The rubric an interview is scored against when its job role has none.
pub fn default_rubric() -> Vec<RubricDimension> {
    [
        (
            "Technical Skills",
            0.25,
            "Depth and accuracy on the role's technologies.",
        ),
        ("Communication", 0.20, "Clear, complete, direct answers."),
        (
            "Problem Solving",
            0.20,
            "Reasoning through trade-offs and failure cases.",
        ),
        (
            "Cultural Fit",
            0.15,
            "Ownership, collaboration and learning from incidents.",
        ),
        (
            "Experience Relevance",
            0.20,
            "Concrete experience that matches the role.",
        ),
    ]
    .into_iter()
    .map(|(name, weight, description)| RubricDimension {
        name: name.to_owned(),
        weight,
        description: description.to_owned(),
    })
    .collect()
}

/// Weights are relative, so a bound costs nothing; without one a weight near
/// `f64::MAX` sums to infinity and the rubric can no longer be read back.
pub const MAX_WEIGHT: f64 = 1000.0;

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
        if !(d.weight.is_finite() && d.weight > 0.0 && d.weight <= MAX_WEIGHT) {
            problems.push((
                format!("rubric[{i}].weight"),
                format!("a number above 0 and at most {MAX_WEIGHT}"),
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
    fn a_rubric_version_changes_with_any_part_of_any_dimension() {
        let base = default_rubric();
        let v = version(&base);
        assert_eq!(v.len(), 16);
        assert_eq!(v, version(&default_rubric()));
        let mut renamed = base.clone();
        renamed[0].name.push('!');
        let mut reweighted = base.clone();
        reweighted[1].weight += 0.01;
        let mut described = base.clone();
        described[2].description.clear();
        let mut reordered = base.clone();
        reordered.swap(0, 1);
        for other in [
            renamed,
            reweighted,
            described,
            reordered,
            base[..4].to_vec(),
        ] {
            assert_ne!(version(&other), v);
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
            dim("Huge", 1.797_693_134_862_315_5e308),
        ]);
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rubric[1].name",
                "rubric[2].weight",
                "rubric[3].name",
                "rubric[3].weight",
                "rubric[4].weight"
            ]
        );
    }
}
