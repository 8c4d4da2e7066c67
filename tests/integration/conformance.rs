//! Realistic stacks that must validate with no diagnostics at all.

use crate::support::{fixtures, validate};

#[test]
fn realistic_stacks_validate_clean() {
    let dirs = fixtures("valid");
    assert!(!dirs.is_empty(), "no stacks under tests/fixtures/valid");
    let mut failures = Vec::new();
    for dir in &dirs {
        let (diagnostics, text) = validate(dir);
        if !diagnostics.is_empty() {
            failures.push(format!("{}:\n{text}", dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "stacks with diagnostics:\n{}",
        failures.join("\n")
    );
}
