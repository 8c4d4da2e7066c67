//! Data-driven evaluator tests: expression → value, with unknown and sensitive marks shown.

use crate::support::eval_marked;

/// (expression, expected rendering). `sensitive(...)` and `unknown(type)` show the marks.
const CASES: &[(&str, &str)] = &[
    // Literals and collections
    ("1 + 2 * 3", "7"),
    ("10 / 4", "2.5"),
    ("7 % 3", "1"),
    ("-var.n", "-3"),
    ("\"a\" == \"a\"", "true"),
    ("[1, 2] == [1, 2]", "true"),
    ("{a = 1} != {a = 2}", "true"),
    ("!var.flag", "false"),
    ("var.n > 2 && var.n < 4", "true"),
    ("\"5\" + 1", "6"),
    ("null", "null"),
    ("[1, \"a\", true]", "[1, \"a\", true]"),
    ("{ a = 1, \"b-c\" = 2 }", "{a = 1, b-c = 2}"),
    // Templates
    ("\"${var.name}-${var.n}\"", "\"plat-3\""),
    ("\"${var.n}\"", "3"),
    ("\"%{ if var.flag }yes%{ else }no%{ endif }\"", "\"yes\""),
    ("\"%{ for x in var.list }${x}.%{ endfor }\"", "\"a.b.c.\""),
    ("\"%{ for i, x in var.list ~} ${i}=${x} %{ endfor ~}!\"", "\"0=a 1=b 2=c !\""),
    ("\"%{ for x in var.list ~} ${x} %{~ endfor }\"", "\"abc\""),
    ("\"${var.list}\"", "[\"a\", \"b\", \"c\"]"),
    ("\"a  ${\"b\"~}   c\"", "\"a  bc\""),
    ("\"$${literal}\"", "\"${literal}\""),
    // Strip markers trim only up to the end of a line, as Terraform's template scanner does.
    (
        "<<EOT\nenv:\n%{ for item in var.list ~}\n  - name: ${item}\n%{ endfor ~}\ndone\nEOT",
        "\"env:\\n  - name: a\\n  - name: b\\n  - name: c\\ndone\\n\"",
    ),
    (
        "<<EOT\nitems:\n  %{~ for x in var.list }\n  ${x}\n  %{~ endfor }\nend\nEOT",
        "\"items:\\n\\n  a\\n\\n  b\\n\\n  c\\n\\nend\\n\"",
    ),
    ("\"${var.name}   %{~ if true }x%{ endif }\"", "\"platx\""),
    // Conditionals
    ("var.flag ? \"on\" : \"off\"", "\"on\""),
    ("var.n > 5 ? 1 : 2", "2"),
    // For expressions
    ("[for x in var.list : upper(x)]", "[\"A\", \"B\", \"C\"]"),
    ("[for x in var.list : x if x != \"b\"]", "[\"a\", \"c\"]"),
    ("{for k, v in var.obj : k => v * 10}", "{a = 10, b = 20}"),
    ("{for x in [\"a\", \"b\", \"a\"] : x => x...}", "{a = [\"a\", \"a\"], b = [\"b\"]}"),
    ("[for i, x in var.list : \"${i}${x}\"]", "[\"0a\", \"1b\", \"2c\"]"),
    // Splat, index, attribute access
    ("[{a = 1}, {a = 2}][*].a", "[1, 2]"),
    ("var.list[1]", "\"b\""),
    ("var.list.0", "\"a\""),
    ("var.obj[\"b\"]", "2"),
    ("var.obj.a", "1"),
    ("{a = {b = [1, 2]}}.a.b[1]", "2"),
    ("var.nothing[*]", "[]"),
    ("var.subnets[*].id", "[\"subnet-0\", \"subnet-1\", \"subnet-2\"]"),
    ("var.subnets.*.tags.az", "[\"az0\", \"az1\", \"az2\"]"),
    ("var.subnets[*].tags[\"az\"]", "[\"az0\", \"az1\", \"az2\"]"),
    ("var.subnets.*.id[1]", "\"subnet-1\""),
    ("var.subnets[1].tags", "{az = \"az1\"}"),
    ("length(var.subnets)", "3"),
    ("length(var.obj)", "2"),
    ("length(var.name)", "4"),
    ("var.subnets[*].nope", "error: this object has no attribute named \"nope\""),
    // Unknown propagation
    ("var.unknown", "unknown(string)"),
    ("\"x-${var.unknown}\"", "unknown(string)"),
    ("var.unknown == \"a\"", "unknown(bool)"),
    ("var.n + length(var.unknown)", "unknown(number)"),
    ("upper(var.unknown)", "unknown(string)"),
    ("[for x in var.unknown_list : x]", "unknown(any)"),
    ("var.unknown_list[0]", "unknown(any)"),
    ("length(var.partial)", "2"),
    ("var.partial[0]", "\"x\""),
    ("var.partial[1]", "unknown(string)"),
    ("var.partial == [\"x\", \"y\"]", "unknown(bool)"),
    ("var.partial == [\"z\", \"y\"]", "false"),
    ("var.unknown != null ? 1 : 2", "unknown(number)"),
    ("false && var.unknown == \"a\"", "false"),
    ("can(var.unknown)", "unknown(bool)"),
    ("try(var.unknown, \"fallback\")", "unknown(any)"),
    // Sensitive propagation
    ("var.secret", "sensitive(\"hunter2\")"),
    ("\"pw:${var.secret}\"", "sensitive(\"pw:hunter2\")"),
    ("upper(var.secret)", "sensitive(\"HUNTER2\")"),
    ("length(var.secret)", "sensitive(7)"),
    ("var.secret == \"x\"", "sensitive(false)"),
    ("[var.secret, \"a\"]", "[sensitive(\"hunter2\"), \"a\"]"),
    ("{ pw = var.secret }.pw", "sensitive(\"hunter2\")"),
    ("var.flag ? var.secret : \"none\"", "sensitive(\"hunter2\")"),
    ("[for c in [var.secret] : c]", "[sensitive(\"hunter2\")]"),
    // Functions, try and can
    ("can(var.obj.missing)", "false"),
    ("can(var.obj.a)", "true"),
    ("try(var.obj.missing, \"default\")", "\"default\""),
    ("abs(-4)", "4"),
    // Errors
    ("var.obj.missing", "error: this object has no attribute named \"missing\""),
    ("var.list[5]", "error: index 5 is out of range for a list of 3 elements"),
    ("var.list.name", "error: cannot read attribute \"name\" of a list"),
    ("\"a\" + 1", "error: the operands of + must be numbers, but one is string"),
    ("1 / 0", "error: division by zero"),
    ("\"x${var.list}\"", "error: a tuple([string, string, string]) cannot be interpolated into a string"),
    ("\"x${var.nothing}\"", "error: a null value cannot be interpolated into a string"),
    ("var.nothing.a", "error: cannot read attribute \"a\" of a null value"),
    ("nosuchfunction(1)", "error: there is no function named \"nosuchfunction\""),
    ("abs(1, 2)", "error: abs(): function \"abs\" expects 1 argument, but 2 were given"),
    ("abs(\"x\")", "error: abs(): invalid value for \"num\" parameter: a number is required, but \"x\" cannot be converted to a number"),
    ("{for x in [\"a\", \"a\"] : x => x}", "error: two elements produce the key \"a\""),
    ("var.n ? 1 : 2", "error: the condition must be a bool, not number"),
    ("foo.bar", "error: unknown name \"foo\""),
];

#[test]
fn evaluator_table() {
    let mut failures = Vec::new();
    for (expr, expected) in CASES {
        let got = eval_marked(expr);
        if got != *expected {
            failures.push(format!(
                "  {expr}\n    expected: {expected}\n    got:      {got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} evaluator case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
