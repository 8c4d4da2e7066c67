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

/// The stacks shipped in stacks/ validate clean too.
#[test]
fn shipped_stacks_validate_clean() {
    let root = crate::support::repo_root().join("stacks");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("stacks/ exists") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let (diagnostics, text) = validate(&dir);
        assert!(diagnostics.is_empty(), "{}:\n{text}", dir.display());
        checked += 1;
    }
    assert!(checked > 0, "no stacks under stacks/");
}

/// Every stack file the project ships is already in canonical layout.
#[test]
fn shipped_files_are_formatted() {
    let root = crate::support::repo_root();
    let mut unformatted = Vec::new();
    for top in ["stacks", "modules", "tests/fixtures/valid"] {
        for entry in walkdir::WalkDir::new(root.join(top)) {
            let path = entry.expect("walk").into_path();
            if path.extension().and_then(|e| e.to_str()) != Some("hcl") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            match plat::fmt::format_source(&text) {
                Ok(formatted) if formatted == text => {}
                Ok(_) => unformatted.push(path.display().to_string()),
                Err(e) => unformatted.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(unformatted.is_empty(), "run plat fmt on: {unformatted:?}");
}
