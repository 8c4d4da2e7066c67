//! Snapshot tests of the diagnostics for each broken stack under tests/fixtures/invalid.

use crate::support::{fixtures, validate};

#[test]
fn broken_stacks_diagnostics() {
    let dirs = fixtures("invalid");
    assert!(
        !dirs.is_empty(),
        "no broken stacks under tests/fixtures/invalid"
    );
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (diagnostics, text) = validate(&dir);
        assert!(
            diagnostics.has_errors(),
            "{name}: expected at least one error, got:\n{text}"
        );
        insta::assert_snapshot!(format!("invalid__{name}"), text);
    }
}
