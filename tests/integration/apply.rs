//! `plat apply` and `plat destroy` end to end with the built-in providers.

use crate::support::{plat, scratch};

fn run(root: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = plat()
        .current_dir(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("plat runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const STACK: &str = r#"variable "names" {
  type    = set(string)
  default = ["a", "b"]
}

resource "random_password" "db" {
  length  = 20
  special = false
}

resource "plat_data" "node" {
  for_each = var.names
  input = {
    name = "node-${each.key}"
    pw   = random_password.db.result
  }
}

resource "local_file" "config" {
  filename = "${path.module}/out/config.txt"
  content  = join(",", [for n in plat_data.node : n.input.name])
}

output "file_id" {
  value = local_file.config.id
}

output "password" {
  value     = random_password.db.result
  sensitive = true
}
"#;

fn setup(name: &str) -> std::path::PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    std::fs::write(root.join("stack/main.hcl"), STACK).expect("write");
    root
}

#[test]
fn apply_converges_and_destroy_leaves_nothing() {
    let root = setup("apply-cycle");
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(out.contains("password = (sensitive value)"), "{out}");
    assert_eq!(
        std::fs::read_to_string(root.join("stack/out/config.txt")).expect("file"),
        "node-a,node-b"
    );
    // The password reached its dependants for real (it is in state), but never the output.
    let state = std::fs::read_to_string(root.join("state/stack/default.json")).expect("state");
    assert!(state.contains("\"random_password.db\""), "{state}");
    assert!(!out.contains("\"pw\""), "{out}");

    let (code, out, _) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No changes. The infrastructure matches the configuration.\n"
        )
    );

    // A key removed and a file edited behind plat's back.
    std::fs::write(
        root.join("stack/main.hcl"),
        STACK.replace("[\"a\", \"b\"]", "[\"a\"]"),
    )
    .expect("write");
    std::fs::write(root.join("stack/out/config.txt"), "edited").expect("edit");
    let (_, out, _) = run(&root, &["plan", "stack"]);
    assert!(
        out.contains("# local_file.config has changed outside plat"),
        "drift shown apart: {out}"
    );
    assert!(
        out.contains("~ content              = \"node-a,node-b\" -> \"edited\""),
        "{out}"
    );
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("# plat_data.node[\"b\"] will be destroyed"),
        "{out}"
    );
    assert!(
        out.contains("# local_file.config must be replaced"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("stack/out/config.txt")).expect("file"),
        "node-a"
    );

    let (code, out, err) = run(&root, &["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("Destroy complete! Resources: 3 destroyed."),
        "{out}"
    );
    assert!(
        !root.join("stack/out/config.txt").exists(),
        "the file is gone"
    );
    let (code, out, _) = run(
        &root,
        &["plan", "stack", "--destroy", "--detailed-exitcode"],
    );
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No changes. The infrastructure matches the configuration.\n"
        )
    );
}

#[test]
fn apply_without_a_terminal_asks_for_auto_approve_and_changes_nothing() {
    let root = setup("apply-no-tty");
    let (code, _, err) = run(&root, &["apply", "stack"]);
    assert_eq!(code, 1);
    assert!(err.contains("--auto-approve"), "{err}");
    assert!(!root.join("stack/out/config.txt").exists());
}

#[test]
fn a_failed_operation_stops_the_apply_and_keeps_what_was_done() {
    let root = scratch("apply-failure");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    // `blocker` is a file, so a file below it cannot be created.
    std::fs::write(root.join("blocker"), "not a directory").expect("write");
    std::fs::write(
        root.join("stack/main.hcl"),
        "resource \"plat_data\" \"first\" {\n  input = \"ok\"\n}\n\nresource \"local_file\" \"bad\" {\n  filename = \"blocker/inside.txt\"\n  content  = plat_data.first.output\n}\n\nresource \"plat_data\" \"after\" {\n  input = local_file.bad.id\n}\n",
    )
    .expect("write");
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("local_file.bad: create failed"), "{err}");
    assert!(out.contains("plat_data.first: Creation complete"), "{out}");
    assert!(
        !out.contains("plat_data.after: Creating"),
        "nothing after a failure starts: {out}"
    );
    let state =
        std::fs::read_to_string(root.join("state/stack/default.json")).expect("state saved");
    assert!(state.contains("\"plat_data.first\""), "{state}");
    assert!(!state.contains("\"local_file.bad\""), "{state}");
    assert!(
        !root.join("state/stack/default.json.journal").exists(),
        "the journal is folded in"
    );
}

#[test]
fn output_shows_saved_outputs_and_sensitive_ones_only_when_named() {
    let root = setup("apply-output");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&root, &["output", "stack"]);
    assert_eq!(code, 0);
    assert!(out.contains("password = (sensitive value)"), "{out}");
    assert!(out.contains("file_id = \""), "{out}");
    let (code, out, _) = run(&root, &["output", "stack", "password", "--raw"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.len(),
        20,
        "the password itself, when named: {} characters",
        out.len()
    );
    let (code, _, err) = run(&root, &["output", "stack", "pasword"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean \"password\"?"), "{err}");
}

/// A stack of slow steps, each followed by a file that depends on it.
fn slow_stack() -> String {
    let mut stack = String::new();
    for i in 0..4 {
        stack.push_str(&format!(
            "resource \"time_sleep\" \"step{i}\" {{\n  create_duration = \"300ms\"\n}}\n\nresource \"local_file\" \"f{i}\" {{\n  filename = \"${{path.module}}/out/f{i}.txt\"\n  content  = \"file {i} after ${{time_sleep.step{i}.id}}\"\n}}\n\n"
        ));
    }
    stack
}

/// `kill -9` in the middle of an apply, at several points; the next apply recovers from the
/// journal and converges to exactly the configured files, and destroy leaves none.
#[test]
fn kill_9_during_apply_then_apply_converges() {
    use std::io::BufRead;
    for kill_after in 1..=3 {
        let root = scratch(&format!("apply-kill-{kill_after}"));
        std::fs::create_dir_all(root.join("stack")).expect("mkdir");
        std::fs::write(root.join("stack/main.hcl"), slow_stack()).expect("write");
        let mut child = plat()
            .current_dir(&root)
            .args(["apply", "stack", "--auto-approve"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("plat runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut completed = 0;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("Creation complete") {
                completed += 1;
                if completed == kill_after * 2 - 1 {
                    break;
                }
            }
        }
        child.kill().expect("kill -9");
        let _ = child.wait();

        let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
        assert_eq!(
            code, 0,
            "after kill at {kill_after}: stdout:\n{out}\nstderr:\n{err}"
        );
        for i in 0..4 {
            let text =
                std::fs::read_to_string(root.join(format!("stack/out/f{i}.txt"))).expect("file");
            assert!(text.starts_with(&format!("file {i} after ")), "{text}");
        }
        let files = std::fs::read_dir(root.join("stack/out"))
            .expect("dir")
            .count();
        assert_eq!(files, 4, "exactly the configured files");
        let (code, out, _) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
        assert_eq!(code, 0, "converged after kill at {kill_after}: {out}");
        let (code, _, err) = run(&root, &["destroy", "stack", "--auto-approve"]);
        assert_eq!(code, 0, "{err}");
        let files = std::fs::read_dir(root.join("stack/out"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(files, 0, "destroy leaves no file");
    }
}

/// A crash after a file was written but before its result was recorded: the next run finds the
/// file through the provider and adopts it instead of writing it again.
#[test]
fn recovery_adopts_an_object_whose_result_was_lost() {
    use std::str::FromStr;
    let root = scratch("apply-adopt");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    std::fs::write(
        root.join("stack/main.hcl"),
        "resource \"local_file\" \"f\" {\n  filename = \"${path.module}/out/f.txt\"\n  content  = \"hello\"\n}\n",
    )
    .expect("write");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");

    // Rewind the state to before the create, and leave the create's intent in the journal.
    let paths = plat::state::StatePaths::at(root.join("state/stack/default.json"));
    let backend = plat::state::LocalBackend::new(paths.clone());
    let mut state = backend.read().expect("read").expect("state");
    let address = plat::state::InstanceAddress::from_str("local_file.f").expect("address");
    let value = state.instance(&address).expect("instance").value();
    let implementation = plat::providers::registry()
        .implementation(plat::lang::config::ResourceMode::Managed, "local_file")
        .expect("local_file");
    let identity = implementation.identity(&plat::providers::resource::OpContext::new(), &value);
    assert!(identity.is_some(), "a file can be found again");
    state.remove_instance(&address);
    backend.write(&mut state).expect("write");
    let mut journal = plat::state::Journal::open_append(&paths).expect("journal");
    journal
        .append(&plat::state::Record::Intent(plat::state::Intent {
            seq: 0,
            address: address.clone(),
            provider: "local".into(),
            action: plat::state::journal::Action::Create,
            identity,
        }))
        .expect("append");
    drop(journal);

    let (code, out, err) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert!(err.contains("adopted (local_file.f)"), "{err}");
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No changes. The infrastructure matches the configuration.\n"
        )
    );
    assert!(!root.join("state/stack/default.json.journal").exists());
}

#[test]
fn state_list_show_mv_and_rm() {
    let root = setup("state-commands");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&root, &["state", "list", "stack"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "local_file.config\nplat_data.node[\"a\"]\nplat_data.node[\"b\"]\nrandom_password.db\n"
    );
    let (code, out, _) = run(
        &root,
        &["state", "show", "stack", "--address", "random_password.db"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("result           = (sensitive value)"),
        "{out}"
    );
    let (code, out, _) = run(
        &root,
        &[
            "state",
            "mv",
            "stack",
            "--from",
            "plat_data.node[\"b\"]",
            "--to",
            "plat_data.node[\"c\"]",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(
        &root,
        &["state", "rm", "stack", "--address", "plat_data.node"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Removed plat_data.node[\"a\"]")
            && out.contains("Removed plat_data.node[\"c\"]"),
        "{out}"
    );
    let (_, out, _) = run(&root, &["state", "list", "stack"]);
    assert_eq!(out, "local_file.config\nrandom_password.db\n");
    let (code, _, err) = run(
        &root,
        &["state", "show", "stack", "--address", "random_password.dbx"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("did you mean random_password.db?"), "{err}");
}

#[test]
fn a_saved_plan_applies_exactly_and_a_stale_one_is_refused() {
    let root = setup("saved-plan");
    let (code, out, err) = run(&root, &["plan", "stack", "--out", "plan.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("plat apply plan.json"), "{out}");
    let saved = std::fs::read_to_string(root.join("plan.json")).expect("plan file");
    assert!(
        !saved.contains("node-a"),
        "a saved plan holds no values: {saved}"
    );

    // Stale: the configuration changed after the plan was made.
    std::fs::write(
        root.join("stack/main.hcl"),
        STACK.replace("length  = 20", "length  = 21"),
    )
    .expect("write");
    let (code, _, err) = run(&root, &["apply", "plan.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("the saved plan is stale"), "{err}");
    assert!(
        !root.join("stack/out/config.txt").exists(),
        "nothing applied"
    );

    // Back to the planned configuration: it applies, without asking.
    std::fs::write(root.join("stack/main.hcl"), STACK).expect("write");
    let (code, out, err) = run(&root, &["apply", "plan.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Apply complete! Resources: 4 added"), "{out}");

    // Stale again: the state moved on since the plan was made.
    let (code, _, err) = run(&root, &["apply", "plan.json"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the state changed since the plan was made"),
        "{err}"
    );
}

#[test]
fn removed_resources_are_deleted_dependants_first() {
    let root = scratch("orphan-order");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    std::fs::write(
        root.join("stack/main.hcl"),
        "resource \"plat_data\" \"z_base\" {\n  input = \"base\"\n}\n\nresource \"plat_data\" \"m_middle\" {\n  input = plat_data.z_base.output\n}\n\nresource \"local_file\" \"a_top\" {\n  filename = \"${path.module}/out/top.txt\"\n  content  = plat_data.m_middle.output\n}\n",
    )
    .expect("write");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let state = std::fs::read_to_string(root.join("state/stack/default.json")).expect("state");
    assert!(state.contains("\"plat_data.m_middle\""), "{state}");
    assert!(
        state.contains("\"dependencies\": [\n            \"plat_data.z_base\"\n          ]"),
        "direct dependencies recorded: {state}"
    );

    std::fs::write(root.join("stack/main.hcl"), "locals {\n  empty = true\n}\n").expect("write");
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let order: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with(": Destroying..."))
        .map(|l| l.trim_end_matches(": Destroying..."))
        .collect();
    assert_eq!(
        order,
        ["local_file.a_top", "plat_data.m_middle", "plat_data.z_base"],
        "{out}"
    );
    assert!(!root.join("stack/out/top.txt").exists());
}

/// Ctrl-C stops starting operations, cuts the wait in progress short, and saves what was done.
#[test]
fn ctrl_c_stops_cleanly_and_the_next_apply_finishes() {
    use std::io::BufRead;
    let root = scratch("apply-interrupt");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    let mut stack = String::new();
    for i in 0..3 {
        let after = if i == 0 {
            String::new()
        } else {
            format!("\n  triggers = {{ after = time_sleep.s{}.id }}", i - 1)
        };
        stack.push_str(&format!(
            "resource \"time_sleep\" \"s{i}\" {{\n  create_duration = \"1s\"{after}\n}}\n\n"
        ));
    }
    std::fs::write(root.join("stack/main.hcl"), stack).expect("write");
    let mut child = plat()
        .current_dir(&root)
        .args(["apply", "stack", "--auto-approve"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("plat runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut lines = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok);
    for line in lines.by_ref() {
        seen.push(line.clone());
        if line.starts_with("time_sleep.s1: Creating") {
            break;
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    seen.extend(lines);
    let output = child.wait_with_output().expect("finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{seen:?}\n{stderr}");
    assert!(
        seen.iter().any(|l| l.contains("Interrupt received")),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|l| l.starts_with("time_sleep.s2: Creating")),
        "nothing new starts: {seen:?}"
    );
    assert!(
        !root.join("state/stack/default.json.journal").exists(),
        "state saved, journal folded"
    );
    let state = std::fs::read_to_string(root.join("state/stack/default.json")).expect("state");
    assert!(state.contains("\"time_sleep.s0\""), "{state}");

    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "converged");
}

#[test]
fn import_adopts_an_existing_object_and_force_unlock_removes_a_stale_lock() {
    let root = scratch("import");
    std::fs::create_dir_all(root.join("stack/out")).expect("mkdir");
    std::fs::write(root.join("stack/out/existing.txt"), "made by hand").expect("write");
    std::fs::write(
        root.join("stack/main.hcl"),
        "resource \"local_file\" \"existing\" {\n  filename        = \"${path.module}/out/existing.txt\"\n  content         = \"made by hand\"\n  file_permission = \"0644\"\n}\n",
    )
    .expect("write");
    let (code, out, err) = run(
        &root,
        &[
            "import",
            "local_file.existing",
            "stack/out/existing.txt",
            "stack",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(
        code, 0,
        "imported object matches the configuration: {out}{err}"
    );
    let (code, _, err) = run(&root, &["import", "local_file.nope", "x", "stack"]);
    assert_eq!(code, 1);
    assert!(err.contains("declares no local_file.nope"), "{err}");

    // A lock file left by a holder on another machine (simulated: info without an OS lock).
    let lock = root.join("state/stack/default.json.lock");
    std::fs::write(
        &lock,
        r#"{"id":"abc-123","user":"ci","host":"runner-7","pid":1,"command":"plat apply","since":"2026-01-01T00:00:00Z"}"#,
    )
    .expect("write lock");
    let (code, _, err) = run(&root, &["force-unlock", "wrong-id", "stack"]);
    assert_eq!(code, 1, "{err}");
    let (code, out, err) = run(&root, &["force-unlock", "abc-123", "stack"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ci@runner-7"), "{out}");
}

/// Independent operations overlap, up to --parallelism at a time.
#[test]
fn independent_operations_run_concurrently_up_to_parallelism() {
    let root = scratch("parallelism");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    let stack: String = (0..4)
        .map(|i| {
            format!("resource \"time_sleep\" \"s{i}\" {{\n  create_duration = \"300ms\"\n}}\n\n")
        })
        .collect();
    std::fs::write(root.join("stack/main.hcl"), stack).expect("write");
    let events = |out: &str| -> Vec<char> {
        out.lines()
            .filter_map(|l| {
                if l.ends_with(": Creating...") {
                    Some('S')
                } else if l.contains(": Creation complete") {
                    Some('E')
                } else {
                    None
                }
            })
            .collect()
    };
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        events(&out),
        "SSSSEEEE".chars().collect::<Vec<_>>(),
        "all four start at once:\n{out}"
    );
    let (code, _, err) = run(&root, &["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        &root,
        &["apply", "stack", "--auto-approve", "--parallelism", "1"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        events(&out),
        "SESESESE".chars().collect::<Vec<_>>(),
        "one at a time:\n{out}"
    );
}

#[test]
fn target_brings_its_dependencies_and_exclude_takes_its_dependants() {
    let root = setup("targeting");
    // local_file.config depends on plat_data.node, which depends on random_password.db.
    let (code, out, err) = run(
        &root,
        &["plan", "stack", "--target", "plat_data.node[\"a\"]"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("# plat_data.node[\"a\"] will be created"),
        "{out}"
    );
    assert!(
        out.contains("# random_password.db will be created"),
        "its dependency comes along: {out}"
    );
    assert!(
        !out.contains("plat_data.node[\"b\"]") && !out.contains("local_file.config"),
        "{out}"
    );

    let (code, out, err) = run(
        &root,
        &[
            "apply",
            "stack",
            "--auto-approve",
            "--exclude",
            "plat_data.node",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Resources: 1 added"),
        "only the password; the file depends on the excluded: {out}"
    );
    assert!(!root.join("stack/out/config.txt").exists());
    let (_, out, _) = run(&root, &["state", "list", "stack"]);
    assert_eq!(out, "random_password.db\n");
}

#[test]
fn show_and_state_pull_never_print_secrets() {
    let root = setup("show");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    let (_, secret, _) = run(&root, &["output", "stack", "password", "--raw"]);
    assert_eq!(secret.len(), 20);
    for args in [
        vec!["show", "stack"],
        vec!["show", "stack", "--json"],
        vec!["state", "pull", "stack"],
    ] {
        let (code, out, err) = run(&root, &args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.contains(&secret), "{args:?} printed the password");
        assert!(out.contains("(sensitive value)"), "{args:?}: {out}");
    }
    let (code, out, _) = run(
        &root,
        &["plan", "stack", "--destroy", "--out", "destroy.plan"],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(&root, &["show", "destroy.plan"]);
    assert_eq!(code, 0);
    assert!(out.contains("  - random_password.db"), "{out}");
}

#[test]
fn refresh_only_makes_the_state_match_without_changing_objects() {
    let root = setup("refresh-only");
    let (code, _, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(root.join("stack/out/config.txt"), "edited by hand").expect("edit");
    let (code, out, _) = run(
        &root,
        &["plan", "stack", "--refresh-only", "--detailed-exitcode"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("would update the state of 1 instance(s)"),
        "{out}"
    );
    let (code, out, err) = run(
        &root,
        &["apply", "stack", "--refresh-only", "--auto-approve"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Refresh complete! 1 instance(s) updated"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("stack/out/config.txt")).expect("file"),
        "edited by hand",
        "no object changed"
    );
    let (code, out, _) = run(
        &root,
        &["plan", "stack", "--refresh-only", "--detailed-exitcode"],
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "No changes. The state matches the objects.\n")
    );
    // The configuration still wants its own content back.
    let (_, out, _) = run(&root, &["plan", "stack"]);
    assert!(
        out.contains("# local_file.config must be replaced"),
        "{out}"
    );
    assert!(
        !out.contains("changed outside plat"),
        "the state now knows the edit: {out}"
    );
}

/// A data source is read at plan time when its arguments are known, and during apply when they
/// depend on something not created yet.
#[test]
fn data_sources_are_read_when_their_arguments_are_known() {
    let root = scratch("data-source");
    std::fs::create_dir_all(root.join("stack")).expect("mkdir");
    std::fs::write(root.join("stack/settings.txt"), "from disk").expect("write");
    std::fs::write(
        root.join("stack/main.hcl"),
        "data \"local_file\" \"settings\" {\n  filename = \"${path.module}/settings.txt\"\n}\n\nresource \"local_file\" \"copy\" {\n  filename = \"${path.module}/out/copy.txt\"\n  content  = upper(data.local_file.settings.content)\n}\n\ndata \"local_file\" \"copy_back\" {\n  filename = local_file.copy.filename\n}\n\nresource \"plat_data\" \"seen\" {\n  input = data.local_file.copy_back.content\n}\n",
    )
    .expect("write");
    let (code, out, err) = run(&root, &["plan", "stack"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("+ content              = \"FROM DISK\""),
        "read at plan time: {out}"
    );
    assert!(
        out.contains("# data.local_file.copy_back will be read during apply"),
        "{out}"
    );
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(
        &root,
        &["state", "show", "stack", "--address", "plat_data.seen"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("output           = \"FROM DISK\"") || out.contains("output = \"FROM DISK\""),
        "{out}"
    );
    let (code, out, _) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = run(&root, &["destroy", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{err}");
}

/// Which data sources wait for a changing resource (Terraform's rule): a direct reference to it,
/// a `depends_on` that leads to it through anything, or a module call's `depends_on`. A
/// reference that only passes through a local is read at plan time when its value is known.
#[test]
fn data_sources_wait_for_the_changes_they_depend_on() {
    let root = scratch("data-source-waits");
    std::fs::create_dir_all(root.join("stack/reader")).expect("mkdir");
    std::fs::write(root.join("stack/settings.txt"), "from disk").expect("write");
    std::fs::write(
        root.join("stack/reader/main.hcl"),
        "data \"local_file\" \"inside\" {\n  filename = \"${path.root}/settings.txt\"\n}\n",
    )
    .expect("write");
    let stack = |input: &str| {
        format!(
            r#"variable "input" {{
  default = "{input}"
}}

resource "plat_data" "src" {{
  input = var.input
}}

resource "plat_data" "other" {{
  input = "unchanged"
}}

locals {{
  src_id     = plat_data.src.id
  settings   = "${{path.module}}/settings.txt"
}}

data "local_file" "direct" {{
  filename = "${{path.module}}/${{substr(plat_data.src.id, 0, 0)}}settings.txt"
}}

data "local_file" "depends_on_resource" {{
  filename   = local.settings
  depends_on = [plat_data.src]
}}

data "local_file" "depends_on_local" {{
  filename   = local.settings
  depends_on = [local.src_id]
}}

data "local_file" "through_local" {{
  filename = "${{path.module}}/${{substr(local.src_id, 0, 0)}}settings.txt"
}}

data "local_file" "depends_on_unchanged" {{
  filename   = local.settings
  depends_on = [plat_data.other]
}}

module "reader" {{
  source     = "./reader"
  depends_on = [plat_data.src]
}}
"#
        )
    };
    std::fs::write(root.join("stack/main.hcl"), stack("one")).expect("write");
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(root.join("stack/main.hcl"), stack("two")).expect("write");
    let (code, out, err) = run(&root, &["plan", "stack"]);
    assert_eq!(code, 0, "{err}");
    let deferred: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# "))
        .filter_map(|l| l.strip_suffix(" will be read during apply"))
        .collect();
    assert_eq!(
        deferred,
        [
            "data.local_file.depends_on_local",
            "data.local_file.depends_on_resource",
            "data.local_file.direct",
            "module.reader.data.local_file.inside",
        ],
        "{out}"
    );
    assert!(
        out.contains("# (it depends on plat_data.src, which has changes pending)"),
        "{out}"
    );
    let (code, out, err) = run(&root, &["apply", "stack", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(&root, &["plan", "stack", "--detailed-exitcode"]);
    assert_eq!(code, 0, "nothing waits once nothing changes: {out}");
}
