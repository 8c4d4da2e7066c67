//! `plat plan` end to end: state seeded through the state API, plans checked as text and JSON.

use std::str::FromStr;

use plat::state::{InstanceAddress, InstanceState, LocalBackend, State, StatePaths};

use crate::support::{plat, scratch};

/// A stack directory and its state file under `--state-dir`.
struct Fixture {
    root: std::path::PathBuf,
}

impl Fixture {
    fn new(name: &str, stack: &str) -> Fixture {
        let root = scratch(name);
        std::fs::create_dir_all(root.join("stack")).expect("mkdir");
        std::fs::write(root.join("stack/main.hcl"), stack).expect("write stack");
        Fixture { root }
    }

    fn state_paths(&self) -> StatePaths {
        StatePaths::at(self.root.join("state/stack/default.json"))
    }

    /// Seeds state with plat_data instances: (address, input, id).
    fn seed(&self, instances: &[(&str, serde_json::Value, &str)]) {
        let mut state = State::new();
        for (address, input, id) in instances {
            let address = InstanceAddress::from_str(address).expect("address");
            let attributes = serde_json::json!({
                "id": id, "input": input, "output": input, "triggers_replace": null,
            });
            state.set_instance(&address, "plat", InstanceState::new(attributes, Vec::new()));
        }
        LocalBackend::new(self.state_paths())
            .write(&mut state)
            .expect("write state");
    }

    fn plan(&self, extra: &[&str]) -> (i32, String, String) {
        let state_dir = self.root.join("state");
        let mut args = vec![
            "plan",
            "stack",
            "--state-dir",
            state_dir.to_str().unwrap_or("state"),
        ];
        args.extend_from_slice(extra);
        let out = plat()
            .current_dir(&self.root)
            .args(&args)
            .output()
            .expect("plat runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

const STACK: &str = "resource \"plat_data\" \"a\" {\n  input = \"one\"\n}\n\nresource \"plat_data\" \"b\" {\n  input = plat_data.a.output\n}\n";

#[test]
fn plan_on_empty_state_creates_everything() {
    let fixture = Fixture::new("plan-empty", STACK);
    let (code, out, err) = fixture.plan(&["--detailed-exitcode"]);
    assert_eq!(code, 2, "changes present; stderr: {err}");
    insta::assert_snapshot!("plan_empty_state", out);
}

#[test]
fn plan_with_matching_state_has_no_changes() {
    let fixture = Fixture::new("plan-noop", STACK);
    fixture.seed(&[
        ("plat_data.a", serde_json::json!("one"), "id-a"),
        ("plat_data.b", serde_json::json!("one"), "id-b"),
    ]);
    let (code, out, err) = fixture.plan(&["--detailed-exitcode"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No changes. The infrastructure matches the configuration.\n"
        ),
        "stderr: {err}"
    );
}

#[test]
fn plan_updates_replaces_and_deletes_with_reasons() {
    let stack = "resource \"plat_data\" \"a\" {\n  input = \"two\"\n}\n\nresource \"plat_data\" \"r\" {\n  input            = \"x\"\n  triggers_replace = \"v2\"\n}\n";
    let fixture = Fixture::new("plan-changes", stack);
    fixture.seed(&[
        ("plat_data.a", serde_json::json!("one"), "id-a"),
        ("plat_data.r", serde_json::json!("x"), "id-r"),
        ("plat_data.gone", serde_json::json!("old"), "id-g"),
    ]);
    let (code, out, err) = fixture.plan(&[]);
    assert_eq!(code, 0, "stderr: {err}");
    insta::assert_snapshot!("plan_update_replace_delete", out);
}

#[test]
fn plan_json_is_versioned_and_masks_secrets() {
    let stack = "variable \"pw\" {\n  type      = string\n  sensitive = true\n  default   = \"hunter2-secret\"\n}\n\nresource \"plat_data\" \"a\" {\n  input = { password = var.pw, user = \"admin\" }\n}\n";
    let fixture = Fixture::new("plan-json", stack);
    let (code, out, err) = fixture.plan(&["--json"]);
    assert_eq!(code, 0, "stderr: {err}");
    assert!(
        !out.contains("hunter2-secret"),
        "secret in JSON plan:\n{out}"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["format_version"], "1.0");
    let change = &doc["resource_changes"][0];
    assert_eq!(change["address"], "plat_data.a");
    assert_eq!(change["action"], "create");
    assert_eq!(change["after"]["input"]["user"], "admin");
    assert_eq!(
        change["after"]["input"]["password"],
        serde_json::Value::Null
    );
    assert_eq!(change["after_sensitive"]["input"]["password"], true);
    assert_eq!(change["after_unknown"]["id"], true);
    assert_eq!(doc["summary"]["add"], 1);
}

#[test]
fn plan_refuses_a_corrupt_state_and_leaves_it_alone() {
    let fixture = Fixture::new("plan-corrupt", STACK);
    let path = fixture.state_paths().state;
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, "{\"format_version\": 1, \"serial\": ").expect("write");
    let (code, _, err) = fixture.plan(&[]);
    assert_eq!(code, 1);
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "{\"format_version\": 1, \"serial\": "
    );
}

#[test]
fn plan_fails_at_once_when_the_state_is_locked() {
    let fixture = Fixture::new("plan-locked", STACK);
    let paths = fixture.state_paths();
    let _held = plat::state::Lock::acquire(
        &paths,
        plat::state::LockInfo::new("plat apply (test holder)"),
    )
    .expect("lock");
    let (code, _, err) = fixture.plan(&[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("plat apply (test holder)"),
        "the message names the holder: {err}"
    );
}

#[test]
fn plan_of_a_provider_not_built_in_says_so() {
    let fixture = Fixture::new(
        "plan-aws",
        "resource \"helm_release\" \"r\" {\n  name = \"x\"\n}\n\nresource \"aws_launch_template\" \"c\" {\n  name = \"x\"\n}\n",
    );
    let (code, _, err) = fixture.plan(&[]);
    assert_eq!(code, 1);
    assert!(err.contains("provider \"helm\" is not built in"), "{err}");
    assert!(
        err.contains("aws_launch_template.c: plat cannot plan aws_launch_template yet: provider \"aws\" does not have this type yet"),
        "{err}"
    );
}

#[test]
fn a_count_or_for_each_not_known_until_apply_fails_the_plan() {
    // (case, the counted resource, what the error names)
    let cases = [
        (
            "count",
            "resource \"plat_data\" \"b\" {\n  count = random_string.a.result == \"\" ? 0 : 1\n  input = 1\n}\n",
            "plat_data.b: its count is not known until apply",
        ),
        (
            "for_each",
            "resource \"plat_data\" \"b\" {\n  for_each = toset([random_string.a.result])\n  input    = each.key\n}\n",
            "plat_data.b: its for_each is not known until apply",
        ),
    ];
    for (case, counted, says) in cases {
        let fixture = Fixture::new(
            &format!("plan-unknown-{case}"),
            &format!("resource \"random_string\" \"a\" {{\n  length = 4\n}}\n\n{counted}"),
        );
        let (code, out, err) = fixture.plan(&[]);
        assert_eq!(code, 1, "{case}: {out}{err}");
        assert!(err.contains(says), "{case}: {err}");
    }
}
