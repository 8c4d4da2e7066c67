//! End-to-end tests of the plat binary: exit codes, output formats, console, graph, fmt.

use std::io::Write;
use std::process::Stdio;

use crate::support::{plat, scratch};

fn run_with_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = plat()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("plat runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("plat finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

#[test]
fn console_evaluates_lines_from_stdin() {
    let dir = scratch("console-empty");
    let (code, out, err) = run_with_stdin(
        &["console", dir.to_str().unwrap_or(".")],
        "cidrsubnet(\"10.0.0.0/16\", 8, 2)\n1 + 1\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "\"10.0.2.0/24\"\n2\n"),
        "stderr: {err}"
    );
}

#[test]
fn console_masks_sensitive_values_and_reports_errors() {
    let dir = scratch("console-stack");
    write(
        &dir,
        "main.hcl",
        "variable \"pw\" {\n  type      = string\n  sensitive = true\n  default   = \"hunter2\"\n}\nlocals {\n  greeting = \"hello ${plat.env}\"\n}\n",
    );
    let (code, out, err) = run_with_stdin(
        &["console", dir.to_str().unwrap_or("."), "--env", "pr-7"],
        "var.pw\nlocal.greeting\nvar.pww\n",
    );
    assert_eq!(code, 1, "an erroring line makes the exit code 1");
    assert_eq!(out, "(sensitive value)\n\"hello pr-7\"\n");
    assert!(
        !out.contains("hunter2") && !err.contains("hunter2"),
        "secret leaked"
    );
    assert!(err.contains("did you mean var.pw?"), "stderr: {err}");
}

#[test]
fn console_requires_values_for_required_variables() {
    let dir = scratch("console-required");
    write(
        &dir,
        "main.hcl",
        "variable \"region\" {\n  type = string\n}\n",
    );
    let (code, _, err) = run_with_stdin(&["console", dir.to_str().unwrap_or(".")], "var.region\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("variable \"region\" has no value"),
        "stderr: {err}"
    );
    let (code, out, err) = run_with_stdin(
        &[
            "console",
            dir.to_str().unwrap_or("."),
            "--var",
            "region=eu-west-1",
        ],
        "var.region\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "\"eu-west-1\"\n"),
        "stderr: {err}"
    );
}

#[test]
fn variable_precedence_default_file_env_cli() {
    let dir = scratch("var-precedence");
    write(&dir, "main.hcl", "variable \"a\" {\n  default = \"default\"\n}\nvariable \"b\" {\n  default = \"default\"\n}\nvariable \"c\" {\n  default = \"default\"\n}\nvariable \"d\" {\n  type    = list(number)\n  default = []\n}\n");
    write(&dir, "x.platvars", "b = \"file\"\nc = \"file\"\n");
    write(&dir, "y.json", "{\"c\": \"json\", \"d\": [1, 2]}");
    let dir_s = dir.to_str().unwrap_or(".");
    let mut cmd = plat();
    cmd.args([
        "console",
        dir_s,
        "--var-file",
        &format!("{dir_s}/x.platvars"),
        "--var-file",
        &format!("{dir_s}/y.json"),
        "--var",
        "c=cli",
    ])
    .env("PLAT_VAR_b", "env")
    .env("PLAT_VAR_c", "env")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("plat runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"[var.a, var.b, var.c, var.d]\n")
        .expect("stdin");
    let out = child.wait_with_output().expect("plat finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.split_whitespace().collect::<String>(),
        "[\"default\",\"env\",\"cli\",[1,2,],]",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn validate_exit_codes_and_json() {
    let dir = scratch("validate-json");
    write(&dir, "main.hcl", "locals {\n  a = var.missing\n}\n");
    let out = plat()
        .args(["validate", dir.to_str().unwrap_or("."), "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["error_count"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "plat::lang::undefined_reference");
    assert_eq!(d["location"]["line"], 2);
    assert_eq!(d["location"]["column"], 7);

    write(&dir, "main.hcl", "locals {\n  a = 1\n}\n");
    let out = plat()
        .args(["validate", dir.to_str().unwrap_or(".")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "The stack is valid.\n"
    );
}

#[test]
fn validate_of_a_missing_directory_fails_cleanly() {
    let out = plat()
        .args(["validate", "/nonexistent/plat/stack"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read directory /nonexistent/plat/stack"),
        "{err}"
    );
}

#[test]
fn graph_prints_dot_with_dependencies() {
    let dir = scratch("graph");
    write(
        &dir,
        "main.hcl",
        "variable \"n\" {\n  default = 2\n}\nresource \"random_id\" \"a\" {\n  count       = var.n\n  byte_length = 4\n}\noutput \"ids\" {\n  value = random_id.a[*].hex\n}\n",
    );
    let out = plat()
        .args(["graph", dir.to_str().unwrap_or(".")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph plat {"), "{dot}");
    assert!(dot.contains("\"random_id.a\" -> \"var.n\";"), "{dot}");
    assert!(dot.contains("\"output.ids\" -> \"random_id.a\";"), "{dot}");
}

#[test]
fn version_and_completions() {
    let out = plat().arg("version").output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("plat v{}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = plat().args(["completions", "bash"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("validate"));
}

#[test]
fn fmt_check_diff_and_rewrite() {
    let dir = scratch("fmt");
    let messy = "resource \"random_id\" \"a\" {\n byte_length=4\n    prefix = \"x\" # keep me\n}\n";
    write(&dir, "main.hcl", messy);
    let dir_s = dir.to_str().unwrap_or(".");
    let out = plat()
        .args(["fmt", "--check", dir_s])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "unformatted files make --check fail"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("main.hcl"));
    assert_eq!(
        std::fs::read_to_string(dir.join("main.hcl")).expect("read"),
        messy,
        "--check changes nothing"
    );

    let out = plat()
        .args(["fmt", "--check", "--diff", dir_s])
        .output()
        .expect("runs");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("- byte_length=4") && diff.contains("+  byte_length = 4"),
        "{diff}"
    );

    let out = plat().args(["fmt", dir_s]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let formatted = std::fs::read_to_string(dir.join("main.hcl")).expect("read");
    assert_eq!(
        formatted,
        "resource \"random_id\" \"a\" {\n  byte_length = 4\n  prefix      = \"x\" # keep me\n}\n"
    );
    let out = plat()
        .args(["fmt", "--check", dir_s])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "formatting is idempotent");
}

#[test]
fn secrets_never_appear_in_errors() {
    let dir = scratch("secret-errors");
    write(
        &dir,
        "main.hcl",
        "variable \"port\" {\n  type      = number\n  sensitive = true\n}\nvariable \"pw\" {\n  type      = string\n  sensitive = true\n  default   = \"s3cr3t-value\"\n}\nresource \"random_id\" \"x\" {\n  byte_length = var.pw\n}\n",
    );
    let dir_s = dir.to_str().unwrap_or(".");
    let out = plat()
        .args(["validate", dir_s, "--var", "port=hunter2-secret"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("(sensitive) value"), "{all}");
    assert!(
        !all.contains("hunter2-secret") && !all.contains("s3cr3t-value"),
        "secret leaked:\n{all}"
    );
}

#[test]
fn a_var_file_read_from_a_pipe_gives_the_same_values_to_every_step() {
    use std::io::Write;
    let root = crate::support::scratch("cli-var-file-pipe");
    std::fs::write(
        root.join("main.hcl"),
        "variable \"x\" {\n  type = string\n\n  validation {\n    condition     = var.x != \"BAD\"\n    error_message = \"x must not be BAD.\"\n  }\n}\n\nresource \"plat_data\" \"a\" {\n  input = var.x\n}\n",
    )
    .expect("write");
    // (given on stdin, exit code, what the output says)
    let cases = [
        ("x = \"BAD\"\n", 1, "x must not be BAD."),
        ("x = \"fine\"\n", 0, "input  = \"fine\""),
    ];
    for (given, code, says) in cases {
        let mut child = crate::support::plat()
            .current_dir(&root)
            .args(["plan", ".", "--var-file", "/dev/stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("plat runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(given.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("plat ends");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{given}: {text}");
        assert!(text.contains(says), "{given}: {text}");
    }
}
