//! Property tests: no input makes the parser, loader or evaluator panic.

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use crate::support::{eval_marked, scratch};

/// Fragments that combine into plausible (and implausible) expressions.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("-2.5".to_string()),
        Just("\"s\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("var.list".to_string()),
        Just("var.obj".to_string()),
        Just("var.secret".to_string()),
        Just("var.unknown".to_string()),
        Just("var.partial".to_string()),
        Just("var.nothing".to_string()),
        "[a-z]{1,6}".prop_map(|s| s),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let functions = prop_oneof![
            Just("length"),
            Just("upper"),
            Just("jsonencode"),
            Just("concat"),
            Just("merge"),
            Just("element"),
            Just("cidrsubnet"),
            Just("format"),
            Just("lookup"),
            Just("flatten"),
            Just("tostring"),
            Just("toset"),
            Just("keys"),
            Just("try"),
            Just("can"),
            Just("range"),
        ];
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} + {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} == {b}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("{a} ? {b} : {c}")),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ k = {a}, \"j\" = {b} }}")),
            (functions, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, v)| format!("{f}({})", v.join(", "))),
            inner.clone().prop_map(|a| format!("[for x in {a} : x]")),
            inner
                .clone()
                .prop_map(|a| format!("{{ for k, v in {a} : k => v }}")),
            inner.clone().prop_map(|a| format!("\"pre-${{{a}}}-post\"")),
            inner.clone().prop_map(|a| format!("({a})[0]")),
            inner.clone().prop_map(|a| format!("({a}).name")),
            inner.clone().prop_map(|a| format!("({a})[*].x")),
            inner.prop_map(|a| format!("!{a}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn evaluator_never_panics_on_generated_expressions(expr in expression()) {
        let _ = eval_marked(&expr);
    }

    #[test]
    fn evaluator_never_panics_on_arbitrary_text(text in "\\PC{0,60}") {
        let _ = eval_marked(&text);
    }

    #[test]
    fn sensitive_inputs_never_render_in_plain_text(expr in expression()) {
        // Whatever an expression does with var.secret, the masked rendering never shows it.
        let expr = format!("[{expr}, var.secret]");
        if let Ok(parsed) = plat::lang::ast::parse_expr(&expr) {
            let vars = crate::support::test_vars();
            let ctx = plat::lang::functions::FuncContext::new(".");
            let mut evaluator = plat::lang::eval::Evaluator::new(&vars, &ctx);
            if let Ok(v) = evaluator.eval_in(plat::lang::source::FileId(0), &parsed) {
                prop_assert!(!v.render().contains("hunter2"));
            }
        }
    }
}

/// Arbitrary stack files: loading, graph building and validation report, never panic.
#[test]
fn loader_never_panics_on_arbitrary_stack_files() {
    let dir = scratch("fuzz-stack");
    let fragments = [
        "resource \"plat_data\" \"a\" {",
        "}",
        "input = ",
        "var.x",
        "variable \"x\" {",
        "default = 1",
        "locals {",
        "a = local.a",
        "module \"m\" {",
        "source = \"./\"",
        "count = ",
        "for_each = ",
        "dynamic \"d\" {",
        "content {",
        "output \"o\" {",
        "value = ",
        "\"${",
        "%{ for x in [1] }",
        "%{ endfor }",
        "[",
        "]",
        "(",
        ")",
        "{",
        "=",
        ",",
        "\n",
        "depends_on = [",
        "each.key",
        "count.index",
        "data.x.y",
        "module.m.o",
        "lifecycle {",
        "provider = aws.west",
        "<<EOT\n",
        "EOT\n",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    });
    let strategy = prop::collection::vec(prop::sample::select(fragments.to_vec()), 0..40);
    runner
        .run(&strategy, |parts| {
            std::fs::write(dir.join("main.hcl"), parts.join(" ")).expect("write");
            let mut request = plat::stack::AnalysisRequest::new(&dir);
            request.vars.environment = false;
            let _ = plat::stack::analyse(&request);
            Ok(())
        })
        .expect("no panic");
}

/// Realistic stacks with random damage (bytes deleted, duplicated or replaced): every stage
/// reports, none panics. Deterministic: the same seed gives the same inputs.
#[test]
fn damaged_realistic_stacks_never_panic() {
    let mut sources = Vec::new();
    for dir in crate::support::fixtures("valid") {
        for entry in walkdir::WalkDir::new(&dir) {
            let path = entry.expect("walk").into_path();
            if path.extension().and_then(|e| e.to_str()) == Some("hcl") {
                sources.push(std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    let dir = scratch("damaged");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        0..sources.len(),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..6),
    );
    for _ in 0..300 {
        let (which, edits) = strategy.new_tree(&mut runner).expect("generate").current();
        let mut bytes = sources[which].clone().into_bytes();
        for (at, kind, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => {
                    bytes.remove(i);
                }
                1 => bytes.insert(i, bytes[i]),
                2 => bytes[i] = b"{}[]()\"$%~=,.:\n#"[usize::from(byte) % 16],
                _ => bytes.truncate(i),
            }
        }
        std::fs::write(dir.join("main.hcl"), &bytes).expect("write");
        let mut request = plat::stack::AnalysisRequest::new(&dir);
        request.vars.environment = false;
        let analysis = plat::stack::analyse(&request);
        let _ =
            plat::lang::diagnostics::render_text(&analysis.sources, &analysis.diagnostics, false);
        let _ = plat::fmt::format_source(&String::from_utf8_lossy(&bytes));
    }
}
