//! Data-driven tests of the function library: every function, Terraform's semantics and messages,
//! and the propagation of unknown and sensitive marks.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{call, lookup, names, FuncContext, FuncResult};
use crate::lang::types::Type;
use crate::lang::value::Value;

fn s(x: &str) -> Value {
    Value::string(x)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn b(x: bool) -> Value {
    Value::Bool(x)
}

fn null() -> Value {
    Value::Null
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn tup(items: Vec<Value>) -> Value {
    Value::Tuple(items)
}

fn set(items: Vec<Value>) -> Value {
    Value::set_from(items)
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| s(x)).collect())
}

fn stup(items: &[&str]) -> Value {
    Value::Tuple(items.iter().map(|x| s(x)).collect())
}

fn nums(items: &[f64]) -> Value {
    Value::List(items.iter().map(|x| n(*x)).collect())
}

fn ntup(items: &[f64]) -> Value {
    Value::Tuple(items.iter().map(|x| n(*x)).collect())
}

fn entries(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(entries(pairs))
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(entries(pairs))
}

fn unk(t: Type) -> Value {
    Value::Unknown(t)
}

fn sens(v: Value) -> Value {
    v.sensitive()
}

enum Want {
    Is(Value),
    Fails(&'static str),
}

use Want::{Fails, Is};

fn ctx_with(base: impl Into<PathBuf>, plan_time: bool) -> FuncContext {
    FuncContext {
        base_dir: base.into(),
        plan_time,
    }
}

fn apply_ctx() -> FuncContext {
    ctx_with("/base/dir", false)
}

fn run(ctx: &FuncContext, name: &str, args: Vec<Value>) -> FuncResult {
    let Some(f) = lookup(name) else {
        panic!("function {name} is not registered");
    };
    call(f, ctx, args)
}

fn check_table(ctx: &FuncContext, cases: Vec<(&str, Vec<Value>, Want)>) {
    let mut failures = Vec::new();
    for (name, args, want) in cases {
        let shown = format!("{name}({args:?})");
        let got = run(ctx, name, args);
        match (&got, &want) {
            (Ok(v), Is(e)) if v == e => {}
            (Err(err), Fails(needle)) if err.message.contains(needle) => {}
            (Ok(v), Is(e)) => failures.push(format!("{shown}\n   got  {v:?}\n   want {e:?}")),
            (Err(err), Is(e)) => failures.push(format!(
                "{shown}\n   got error {:?}\n   want {e:?}",
                err.message
            )),
            (Ok(v), Fails(needle)) => failures.push(format!(
                "{shown}\n   got {v:?}\n   want error containing {needle:?}"
            )),
            (Err(err), Fails(needle)) => failures.push(format!(
                "{shown}\n   got error {:?}\n   want error containing {needle:?}",
                err.message
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn numeric_functions() {
    check_table(
        &apply_ctx(),
        vec![
            ("abs", vec![n(-3.5)], Is(n(3.5))),
            ("abs", vec![s("-2")], Is(n(2.0))),
            (
                "abs",
                vec![s("x")],
                Fails("invalid value for \"num\" parameter"),
            ),
            ("abs", vec![null()], Fails("must not be null")),
            ("ceil", vec![n(1.2)], Is(n(2.0))),
            ("floor", vec![n(-1.5)], Is(n(-2.0))),
            ("signum", vec![n(-7.0)], Is(n(-1.0))),
            ("signum", vec![n(0.0)], Is(n(0.0))),
            ("signum", vec![n(3.0)], Is(n(1.0))),
            ("log", vec![n(8.0), n(2.0)], Is(n(3.0))),
            ("log", vec![n(16.0), n(2.0)], Is(n(4.0))),
            (
                "log",
                vec![n(-1.0), n(10.0)],
                Fails("result is not a number"),
            ),
            ("pow", vec![n(3.0), n(2.0)], Is(n(9.0))),
            ("pow", vec![n(4.0), n(0.5)], Is(n(2.0))),
            (
                "pow",
                vec![n(-1.0), n(0.5)],
                Fails("result is not a number"),
            ),
            ("max", vec![n(12.0), n(54.0), n(3.0)], Is(n(54.0))),
            ("min", vec![n(12.0), n(54.0), n(3.0)], Is(n(3.0))),
            ("max", vec![], Fails("must pass at least one number")),
            ("min", vec![s("2"), n(1.0)], Is(n(1.0))),
            ("parseint", vec![s("100"), n(10.0)], Is(n(100.0))),
            ("parseint", vec![s("FF"), n(16.0)], Is(n(255.0))),
            ("parseint", vec![s("ff"), n(16.0)], Is(n(255.0))),
            ("parseint", vec![s("-10"), n(2.0)], Is(n(-2.0))),
            (
                "parseint",
                vec![s("zZ"), n(62.0)],
                Is(n(35.0 * 62.0 + 61.0)),
            ),
            (
                "parseint",
                vec![s("12"), n(2.0)],
                Fails("cannot parse \"12\" as a base 2 integer"),
            ),
            ("parseint", vec![s(""), n(10.0)], Fails("cannot parse")),
            (
                "parseint",
                vec![s("1"), n(63.0)],
                Fails("base must be a whole number between 2 and 62"),
            ),
            (
                "parseint",
                vec![s("1"), n(2.5)],
                Fails("base must be a whole number"),
            ),
            (
                "parseint",
                vec![n(1.0), n(10.0)],
                Fails("first argument must be a string, not number"),
            ),
        ],
    );
}

#[test]
fn string_functions() {
    let long = ["word"; 30].join(" ");
    check_table(
        &apply_ctx(),
        vec![
            ("chomp", vec![s("hello\n\r\n")], Is(s("hello"))),
            ("chomp", vec![s("a\nb\r")], Is(s("a\nb"))),
            ("chomp", vec![s("a\nb")], Is(s("a\nb"))),
            ("indent", vec![n(2.0), s("a\nb\n")], Is(s("a\n  b\n  "))),
            ("indent", vec![n(-1.0), s("a")], Fails("spaces must be")),
            ("join", vec![s(", "), strs(&["a", "b"])], Is(s("a, b"))),
            (
                "join",
                vec![s("-"), stup(&["a"]), strs(&["b", "c"])],
                Is(s("a-b-c")),
            ),
            ("join", vec![s(",")], Fails("at least one list is required")),
            (
                "join",
                vec![s(","), tup(vec![null()])],
                Fails("element 0 is null"),
            ),
            ("join", vec![s(","), ntup(&[1.0, 2.0])], Is(s("1,2"))),
            ("lower", vec![s("HELLO ẞ İ")], Is(s("hello ß i"))),
            ("upper", vec![s("straße")], Is(s("STRAßE"))),
            (
                "replace",
                vec![s("1 + 2 + 3"), s("+"), s("-")],
                Is(s("1 - 2 - 3")),
            ),
            (
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")],
                Is(s("hello everybody")),
            ),
            (
                "replace",
                vec![s("a-b c-d"), s("/(\\w)-(\\w)/"), s("$2-$1")],
                Is(s("b-a d-c")),
            ),
            ("replace", vec![s("a/b"), s("/"), s("|")], Is(s("a|b"))),
            (
                "replace",
                vec![s("x"), s("/(/"), s("y")],
                Fails("invalid regexp pattern"),
            ),
            (
                "regex",
                vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")],
                Is(s("aaabbbccc")),
            ),
            (
                "regex",
                vec![s("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)"), s("2019-02-01")],
                Is(stup(&["2019", "02", "01"])),
            ),
            (
                "regex",
                vec![
                    s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/"),
                ],
                Is(obj(vec![
                    ("authority", s("terraform.io")),
                    ("scheme", s("https")),
                ])),
            ),
            (
                "regex",
                vec![s("(a)|(b)"), s("b")],
                Is(tup(vec![null(), s("b")])),
            ),
            (
                "regex",
                vec![s("[a-z]+"), s("123")],
                Fails("pattern did not match any part of the given string"),
            ),
            (
                "regex",
                vec![s("(a)(?P<n>b)"), s("ab")],
                Fails("cannot mix both named and unnamed capture groups"),
            ),
            (
                "regex",
                vec![s("[a-"), s("ab")],
                Fails("invalid regexp pattern"),
            ),
            (
                "regexall",
                vec![s("[a-z]+"), s("1234abcd5678efgh9")],
                Is(strs(&["abcd", "efgh"])),
            ),
            ("regexall", vec![s("[a-z]+"), s("123")], Is(list(vec![]))),
            (
                "regexall",
                vec![s("(\\w)=(\\d)"), s("a=1 b=2")],
                Is(list(vec![stup(&["a", "1"]), stup(&["b", "2"])])),
            ),
            (
                "split",
                vec![s(","), s("foo,bar,baz")],
                Is(strs(&["foo", "bar", "baz"])),
            ),
            ("split", vec![s(","), s("foo")], Is(strs(&["foo"]))),
            ("split", vec![s(","), s("")], Is(strs(&[""]))),
            ("split", vec![s(""), s("abc")], Is(strs(&["a", "b", "c"]))),
            (
                "startswith",
                vec![s("hello world"), s("hello")],
                Is(b(true)),
            ),
            (
                "startswith",
                vec![s("hello world"), s("world")],
                Is(b(false)),
            ),
            ("endswith", vec![s("hello world"), s("world")], Is(b(true))),
            ("endswith", vec![s("hello world"), s("hello")], Is(b(false))),
            ("strcontains", vec![s("hello world"), s("o w")], Is(b(true))),
            ("strrev", vec![s("hello")], Is(s("olleh"))),
            ("strrev", vec![s("e\u{301}x💃🏿")], Is(s("💃🏿xe\u{301}"))),
            (
                "substr",
                vec![s("hello world"), n(1.0), n(4.0)],
                Is(s("ello")),
            ),
            ("substr", vec![s("hello"), n(-3.0), n(-1.0)], Is(s("llo"))),
            ("substr", vec![s("hello"), n(0.0), n(-1.0)], Is(s("hello"))),
            ("substr", vec![s("hello"), n(2.0), n(0.0)], Is(s(""))),
            ("substr", vec![s("hello"), n(10.0), n(2.0)], Is(s(""))),
            ("substr", vec![s("hello"), n(-10.0), n(2.0)], Is(s("he"))),
            ("substr", vec![s("hello"), n(3.0), n(100.0)], Is(s("lo"))),
            ("substr", vec![s("🤔🤷x"), n(1.0), n(1.0)], Is(s("🤷"))),
            (
                "substr",
                vec![s("hello"), n(1.5), n(1.0)],
                Fails("offset must be a whole number"),
            ),
            (
                "title",
                vec![s("hello world-foo_bar 9lives")],
                Is(s("Hello World-Foo_bar 9lives")),
            ),
            ("trim", vec![s("?!hello?!"), s("!?")], Is(s("hello"))),
            ("trim", vec![s("  x "), s("")], Is(s("  x "))),
            (
                "trimprefix",
                vec![s("helloworld"), s("hello")],
                Is(s("world")),
            ),
            (
                "trimprefix",
                vec![s("helloworld"), s("x")],
                Is(s("helloworld")),
            ),
            (
                "trimsuffix",
                vec![s("helloworld"), s("world")],
                Is(s("hello")),
            ),
            ("trimspace", vec![s("  hello\n\t ")], Is(s("hello"))),
            (
                "format",
                vec![s("Hello, %s!"), s("Ander")],
                Is(s("Hello, Ander!")),
            ),
            (
                "format",
                vec![s("There are %d lights"), n(4.0)],
                Is(s("There are 4 lights")),
            ),
            ("format", vec![s("%d"), s("12")], Is(s("12"))),
            ("format", vec![s("%.2f"), n(1.23456)], Is(s("1.23"))),
            (
                "format",
                vec![s("%5d|%-5s|"), n(42.0), s("ab")],
                Is(s("   42|ab   |")),
            ),
            (
                "format",
                vec![s("%q"), s("a\"b<")],
                Is(s("\"a\\\"b\\u003c\"")),
            ),
            (
                "format",
                vec![s("%v %v %v"), s("s"), n(1.5), b(true)],
                Is(s("s 1.5 true")),
            ),
            (
                "format",
                vec![s("%v"), tup(vec![n(1.0), s("a")])],
                Is(s("[1,\"a\"]")),
            ),
            (
                "format",
                vec![s("%#v"), obj(vec![("a", n(1.0))])],
                Is(s("{\"a\":1}")),
            ),
            ("format", vec![s("%#v"), s("x")], Is(s("\"x\""))),
            ("format", vec![s("%v"), null()], Is(s("null"))),
            (
                "format",
                vec![s("%t|%t"), b(true), s("false")],
                Is(s("true|false")),
            ),
            ("format", vec![s("100%%")], Is(s("100%"))),
            ("format", vec![s("%v"), n(1000000.0)], Is(s("1e+06"))),
            ("format", vec![s("%v"), n(123456.0)], Is(s("123456"))),
            ("format", vec![s("%v"), n(0.0001)], Is(s("0.0001"))),
            ("format", vec![s("%v"), n(-0.00001)], Is(s("-1e-05"))),
            (
                "format",
                vec![s("%[2]s %[1]s"), s("a"), s("b")],
                Is(s("b a")),
            ),
            (
                "format",
                vec![s("%[2]s %s"), s("a"), s("b"), s("c")],
                Is(s("b c")),
            ),
            (
                "format",
                vec![
                    s("%x %X %o %b %#x"),
                    n(255.0),
                    n(255.0),
                    n(8.0),
                    n(5.0),
                    n(255.0),
                ],
                Is(s("ff FF 10 101 0xff")),
            ),
            (
                "format",
                vec![s("%e|%E"), n(1000.0), n(1000.0)],
                Is(s("1.000000e+03|1.000000E+03")),
            ),
            (
                "format",
                vec![s("%g|%g|%.3g"), n(0.00001), n(1000.0), n(1234.5)],
                Is(s("1e-05|1000|1.23e+03")),
            ),
            (
                "format",
                vec![s("%05d|%+d|% d"), n(-42.0), n(5.0), n(5.0)],
                Is(s("-0042|+5| 5")),
            ),
            (
                "format",
                vec![s("%08.3f|%10.4f|%-8.1f|"), n(-1.23456), n(1.23456), n(2.25)],
                Is(s("-001.235|    1.2346|2.2     |")),
            ),
            (
                "format",
                vec![s("%.3s|%5.1s|%.0s"), s("abcdef"), s("xyz"), s("q")],
                Is(s("abc|    x|q")),
            ),
            ("format", vec![s("%4s|"), s("💃🏿")], Is(s("   💃🏿|"))),
            (
                "format",
                vec![s("%d"), n(1.5)],
                Fails("unsupported value for \"%d\" at 0: an integer is required"),
            ),
            (
                "format",
                vec![s("%s")],
                Fails("not enough arguments for \"%s\" at 0: need index 1 but have 0 total"),
            ),
            (
                "format",
                vec![s("hi"), n(1.0)],
                Fails("too many arguments; no verbs in format string"),
            ),
            (
                "format",
                vec![s("%s"), s("a"), s("b")],
                Fails("too many arguments; only 1 used by format string"),
            ),
            (
                "format",
                vec![s("%z"), n(1.0)],
                Fails("unsupported format verb 'z' in \"%z\" at offset 0"),
            ),
            (
                "format",
                vec![s("%[0]s"), n(1.0)],
                Fails("unrecognized format character '0' at offset 2"),
            ),
            (
                "format",
                vec![s("%☠"), n(1.0)],
                Fails("unrecognized format character '☠' at offset 1"),
            ),
            (
                "format",
                vec![s("abc %"), n(1.0)],
                Fails("invalid format string"),
            ),
            (
                "format",
                vec![s("%s"), null()],
                Fails("null value cannot be formatted"),
            ),
            (
                "format",
                vec![s("%s"), stup(&["a"])],
                Fails("unsupported value for \"%s\" at 0"),
            ),
            (
                "format",
                vec![s("%d"), s("x")],
                Fails("unsupported value for \"%d\" at 0"),
            ),
            (
                "format",
                vec![s("%99999999999d"), n(1.0)],
                Fails("too large"),
            ),
            (
                "formatlist",
                vec![s("Hello, %s!"), strs(&["Valentina", "Ander"])],
                Is(strs(&["Hello, Valentina!", "Hello, Ander!"])),
            ),
            (
                "formatlist",
                vec![s("%s, %s"), stup(&["a", "b"]), s("x")],
                Is(strs(&["a, x", "b, x"])),
            ),
            (
                "formatlist",
                vec![s("%s%s"), stup(&["a"]), stup(&["b", "c"])],
                Fails("argument 2 has length 2, which is inconsistent with argument 1 of length 1"),
            ),
            ("formatlist", vec![s("x")], Is(strs(&["x"]))),
            ("formatlist", vec![s("%s"), tup(vec![])], Is(list(vec![]))),
            (
                "formatlist",
                vec![s("%d"), stup(&["a"])],
                Fails("error on format iteration 0"),
            ),
            (
                "yamlencode",
                vec![s(&long)],
                Is(s(&format!(
                    "\"{} word\n  {} word\"\n",
                    ["word"; 16].join(" "),
                    ["word"; 12].join(" ")
                ))),
            ),
        ],
    );
}

#[test]
fn collection_functions() {
    let big = list(vec![s("a"), s("b"), s("c")]);
    check_table(
        &apply_ctx(),
        vec![
            ("alltrue", vec![tup(vec![s("true"), b(true)])], Is(b(true))),
            ("alltrue", vec![tup(vec![])], Is(b(true))),
            ("alltrue", vec![tup(vec![b(true), b(false)])], Is(b(false))),
            ("alltrue", vec![tup(vec![null()])], Is(b(false))),
            (
                "alltrue",
                vec![tup(vec![s("x")])],
                Fails("invalid value for \"list\" parameter"),
            ),
            ("anytrue", vec![tup(vec![])], Is(b(false))),
            ("anytrue", vec![tup(vec![b(false), b(true)])], Is(b(true))),
            ("anytrue", vec![tup(vec![null(), b(false)])], Is(b(false))),
            (
                "chunklist",
                vec![stup(&["a", "b", "c", "d", "e"]), n(2.0)],
                Is(list(vec![
                    strs(&["a", "b"]),
                    strs(&["c", "d"]),
                    strs(&["e"]),
                ])),
            ),
            (
                "chunklist",
                vec![stup(&["a"]), n(0.0)],
                Is(list(vec![strs(&["a"])])),
            ),
            ("chunklist", vec![tup(vec![]), n(3.0)], Is(list(vec![]))),
            (
                "chunklist",
                vec![stup(&["a"]), n(-1.0)],
                Fails("the size argument must be positive"),
            ),
            (
                "chunklist",
                vec![stup(&["a"]), n(1.5)],
                Fails("invalid size"),
            ),
            ("coalesce", vec![s(""), s("b")], Is(s("b"))),
            ("coalesce", vec![n(1.0), n(2.0)], Is(n(1.0))),
            ("coalesce", vec![null(), s(""), s("x")], Is(s("x"))),
            ("coalesce", vec![null(), n(1.0), s("a")], Is(s("1"))),
            (
                "coalesce",
                vec![null()],
                Fails("no non-null, non-empty-string arguments"),
            ),
            (
                "coalesce",
                vec![s("")],
                Fails("no non-null, non-empty-string arguments"),
            ),
            (
                "coalesce",
                vec![tup(vec![]), s("a")],
                Fails("all arguments must have the same type"),
            ),
            (
                "coalesce",
                vec![],
                Fails("at least one argument is required"),
            ),
            (
                "coalescelist",
                vec![stup(&["a", "b"]), stup(&["c"])],
                Is(stup(&["a", "b"])),
            ),
            (
                "coalescelist",
                vec![tup(vec![]), strs(&["c"])],
                Is(strs(&["c"])),
            ),
            ("coalescelist", vec![null(), stup(&["c"])], Is(stup(&["c"]))),
            (
                "coalescelist",
                vec![tup(vec![]), tup(vec![])],
                Fails("no non-null arguments"),
            ),
            (
                "coalescelist",
                vec![stup(&["a"]), s("a")],
                Fails("coalescelist arguments must be lists or tuples"),
            ),
            (
                "compact",
                vec![tup(vec![s("a"), s(""), null(), s("b")])],
                Is(strs(&["a", "b"])),
            ),
            ("compact", vec![ntup(&[1.0])], Is(strs(&["1"]))),
            (
                "concat",
                vec![stup(&["a", ""]), stup(&["b", "c"])],
                Is(stup(&["a", "", "b", "c"])),
            ),
            (
                "concat",
                vec![strs(&["a"]), strs(&["b"])],
                Is(strs(&["a", "b"])),
            ),
            (
                "concat",
                vec![strs(&["a"]), nums(&[1.0])],
                Is(strs(&["a", "1"])),
            ),
            (
                "concat",
                vec![s("a")],
                Fails("all arguments must be lists or tuples; got string"),
            ),
            (
                "concat",
                vec![set(vec![s("a")])],
                Fails("all arguments must be lists or tuples"),
            ),
            ("concat", vec![], Fails("at least one argument is required")),
            ("contains", vec![stup(&["a", "b"]), s("a")], Is(b(true))),
            ("contains", vec![stup(&["a", "b"]), s("c")], Is(b(false))),
            ("contains", vec![set(vec![n(1.0)]), n(1.0)], Is(b(true))),
            ("contains", vec![tup(vec![]), null()], Is(b(false))),
            (
                "contains",
                vec![s("a"), s("a")],
                Fails("argument must be list, tuple, or set"),
            ),
            (
                "distinct",
                vec![stup(&["a", "b", "a", "c", "d", "b"])],
                Is(strs(&["a", "b", "c", "d"])),
            ),
            ("distinct", vec![tup(vec![])], Is(list(vec![]))),
            ("element", vec![big.clone(), n(1.0)], Is(s("b"))),
            ("element", vec![big.clone(), n(3.0)], Is(s("a"))),
            ("element", vec![big.clone(), n(-1.0)], Is(s("c"))),
            ("element", vec![big.clone(), n(0.5)], Fails("invalid index")),
            (
                "element",
                vec![tup(vec![]), n(0.0)],
                Fails("cannot use element function with an empty list"),
            ),
            (
                "element",
                vec![set(vec![s("a")]), n(0.0)],
                Fails("cannot read elements from set(string)"),
            ),
            (
                "flatten",
                vec![tup(vec![stup(&["a", "b"]), tup(vec![]), stup(&["c"])])],
                Is(stup(&["a", "b", "c"])),
            ),
            (
                "flatten",
                vec![tup(vec![
                    tup(vec![stup(&["a", "b"]), tup(vec![])]),
                    stup(&["c"]),
                    s("d"),
                ])],
                Is(stup(&["a", "b", "c", "d"])),
            ),
            (
                "flatten",
                vec![tup(vec![set(vec![n(2.0), n(1.0)]), null()])],
                Is(tup(vec![n(1.0), n(2.0), null()])),
            ),
            (
                "flatten",
                vec![s("a")],
                Fails("can only flatten lists, sets and tuples"),
            ),
            ("index", vec![stup(&["a", "b", "c"]), s("b")], Is(n(1.0))),
            ("index", vec![stup(&["a"]), s("z")], Fails("item not found")),
            (
                "index",
                vec![tup(vec![]), s("a")],
                Fails("cannot search an empty list"),
            ),
            (
                "index",
                vec![set(vec![s("a")]), s("a")],
                Fails("argument must be a list or tuple"),
            ),
            (
                "keys",
                vec![obj(vec![("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))])],
                Is(stup(&["a", "c", "d"])),
            ),
            (
                "keys",
                vec![map(vec![("b", n(1.0)), ("a", n(2.0))])],
                Is(strs(&["a", "b"])),
            ),
            ("keys", vec![s("x")], Fails("must have map or object type")),
            (
                "values",
                vec![obj(vec![("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))])],
                Is(ntup(&[3.0, 2.0, 1.0])),
            ),
            (
                "values",
                vec![map(vec![("b", s("x")), ("a", s("y"))])],
                Is(strs(&["y", "x"])),
            ),
            (
                "values",
                vec![stup(&["a"])],
                Fails("values() requires a map as the first argument"),
            ),
            ("length", vec![tup(vec![])], Is(n(0.0))),
            ("length", vec![stup(&["a", "b"])], Is(n(2.0))),
            ("length", vec![obj(vec![("a", s("b"))])], Is(n(1.0))),
            ("length", vec![s("hello")], Is(n(5.0))),
            ("length", vec![s("🤔🤷e\u{301}")], Is(n(3.0))),
            (
                "length",
                vec![n(1.0)],
                Fails("argument must be a string, a collection type, or a structural type"),
            ),
            (
                "lookup",
                vec![
                    obj(vec![("a", s("ay")), ("b", s("bee"))]),
                    s("a"),
                    s("what?"),
                ],
                Is(s("ay")),
            ),
            (
                "lookup",
                vec![
                    obj(vec![("a", s("ay")), ("b", s("bee"))]),
                    s("c"),
                    s("what?"),
                ],
                Is(s("what?")),
            ),
            (
                "lookup",
                vec![obj(vec![("a", s("x"))]), s("c")],
                Fails("lookup failed to find key \"c\""),
            ),
            (
                "lookup",
                vec![map(vec![("a", s("x"))]), s("c"), n(1.0)],
                Is(s("1")),
            ),
            (
                "lookup",
                vec![map(vec![("a", s("x"))]), s("c"), tup(vec![])],
                Fails("the default value must have the same type as the map elements"),
            ),
            (
                "lookup",
                vec![s("x"), s("a")],
                Fails("lookup() requires a map as the first argument"),
            ),
            (
                "lookup",
                vec![obj(vec![]), s("a"), s("b"), s("c")],
                Fails("lookup() takes two or three arguments, got 4"),
            ),
            (
                "matchkeys",
                vec![
                    stup(&["i-123", "i-abc", "i-def"]),
                    stup(&["us-west", "us-east", "us-east"]),
                    stup(&["us-east"]),
                ],
                Is(strs(&["i-abc", "i-def"])),
            ),
            (
                "matchkeys",
                vec![stup(&["a"]), ntup(&[1.0]), stup(&["1"])],
                Is(strs(&["a"])),
            ),
            (
                "matchkeys",
                vec![stup(&["a"]), stup(&["x"]), tup(vec![])],
                Is(list(vec![])),
            ),
            (
                "matchkeys",
                vec![stup(&["a", "b"]), stup(&["x"]), stup(&["x"])],
                Fails("length of keys and values should be equal"),
            ),
            (
                "merge",
                vec![
                    obj(vec![("a", s("b")), ("c", s("d"))]),
                    obj(vec![("e", s("f")), ("c", s("z"))]),
                ],
                Is(obj(vec![("a", s("b")), ("c", s("z")), ("e", s("f"))])),
            ),
            (
                "merge",
                vec![map(vec![("a", n(1.0))]), map(vec![("b", n(2.0))])],
                Is(map(vec![("a", n(1.0)), ("b", n(2.0))])),
            ),
            (
                "merge",
                vec![map(vec![("a", n(1.0))]), obj(vec![("b", s("x"))])],
                Is(obj(vec![("a", n(1.0)), ("b", s("x"))])),
            ),
            ("merge", vec![], Is(obj(vec![]))),
            (
                "merge",
                vec![null(), obj(vec![("a", n(1.0))])],
                Is(obj(vec![("a", n(1.0))])),
            ),
            (
                "merge",
                vec![s("x")],
                Fails("arguments must be maps or objects, got \"string\""),
            ),
            ("one", vec![tup(vec![])], Is(null())),
            ("one", vec![stup(&["hello"])], Is(s("hello"))),
            ("one", vec![set(vec![])], Is(null())),
            (
                "one",
                vec![stup(&["a", "b"])],
                Fails("must be a list, set, or tuple value with either zero or one elements"),
            ),
            (
                "one",
                vec![s("a")],
                Fails("must be a list, set, or tuple value"),
            ),
            ("range", vec![n(3.0)], Is(nums(&[0.0, 1.0, 2.0]))),
            ("range", vec![n(0.0)], Is(nums(&[]))),
            ("range", vec![n(-3.0)], Is(nums(&[0.0, -1.0, -2.0]))),
            ("range", vec![n(1.0), n(4.0)], Is(nums(&[1.0, 2.0, 3.0]))),
            (
                "range",
                vec![n(1.0), n(8.0), n(2.0)],
                Is(nums(&[1.0, 3.0, 5.0, 7.0])),
            ),
            (
                "range",
                vec![n(1.0), n(3.0), n(0.5)],
                Is(nums(&[1.0, 1.5, 2.0, 2.5])),
            ),
            (
                "range",
                vec![n(10.0), n(5.0)],
                Is(nums(&[10.0, 9.0, 8.0, 7.0, 6.0])),
            ),
            (
                "range",
                vec![n(0.0), n(-4.0), n(-1.5)],
                Is(nums(&[0.0, -1.5, -3.0])),
            ),
            (
                "range",
                vec![n(5.0), n(1.0), n(1.0)],
                Fails("end must be greater than start when step is positive"),
            ),
            (
                "range",
                vec![n(1.0), n(5.0), n(-1.0)],
                Fails("end must be less than start when step is negative"),
            ),
            (
                "range",
                vec![n(0.0), n(1.0), n(0.0)],
                Fails("step must not be zero"),
            ),
            (
                "range",
                vec![n(1.0), n(2.0), n(3.0), n(4.0)],
                Fails("must have one, two, or three arguments"),
            ),
            (
                "range",
                vec![],
                Fails("must have one, two, or three arguments"),
            ),
            (
                "range",
                vec![n(2000.0)],
                Fails("more than 1024 values were generated"),
            ),
            (
                "range",
                vec![n(1e300)],
                Fails("more than 1024 values were generated"),
            ),
            (
                "reverse",
                vec![ntup(&[1.0, 2.0, 3.0])],
                Is(ntup(&[3.0, 2.0, 1.0])),
            ),
            ("reverse", vec![strs(&["a", "b"])], Is(strs(&["b", "a"]))),
            (
                "reverse",
                vec![set(vec![s("a"), s("b")])],
                Is(strs(&["b", "a"])),
            ),
            (
                "reverse",
                vec![s("ab")],
                Fails("can only reverse list or tuple values, not string"),
            ),
            (
                "setintersection",
                vec![stup(&["a", "b"]), stup(&["b", "c"]), stup(&["b", "d"])],
                Is(set(vec![s("b")])),
            ),
            (
                "setintersection",
                vec![stup(&["a", "b"])],
                Is(set(vec![s("a"), s("b")])),
            ),
            (
                "setunion",
                vec![stup(&["a", "b"]), stup(&["b", "c"]), stup(&["d"])],
                Is(set(vec![s("a"), s("b"), s("c"), s("d")])),
            ),
            (
                "setunion",
                vec![stup(&["a"]), ntup(&[1.0])],
                Is(set(vec![s("1"), s("a")])),
            ),
            (
                "setsubtract",
                vec![stup(&["a", "b", "c"]), stup(&["a", "c"])],
                Is(set(vec![s("b")])),
            ),
            (
                "setsubtract",
                vec![stup(&["a"]), tup(vec![])],
                Is(set(vec![s("a")])),
            ),
            (
                "setproduct",
                vec![stup(&["development", "staging"]), stup(&["app1", "app2"])],
                Is(list(vec![
                    stup(&["development", "app1"]),
                    stup(&["development", "app2"]),
                    stup(&["staging", "app1"]),
                    stup(&["staging", "app2"]),
                ])),
            ),
            (
                "setproduct",
                vec![set(vec![s("b"), s("a")]), set(vec![n(1.0)])],
                Is(set(vec![
                    tup(vec![s("a"), n(1.0)]),
                    tup(vec![s("b"), n(1.0)]),
                ])),
            ),
            (
                "setproduct",
                vec![stup(&["a"]), tup(vec![])],
                Is(list(vec![])),
            ),
            (
                "setproduct",
                vec![stup(&["a"])],
                Fails("at least two arguments are required"),
            ),
            (
                "setproduct",
                vec![stup(&["a"]), s("b")],
                Fails("a set or a list is required"),
            ),
            (
                "slice",
                vec![stup(&["a", "b", "c", "d"]), n(1.0), n(3.0)],
                Is(stup(&["b", "c"])),
            ),
            (
                "slice",
                vec![strs(&["a", "b", "c", "d"]), n(1.0), n(3.0)],
                Is(strs(&["b", "c"])),
            ),
            (
                "slice",
                vec![strs(&["a", "b"]), n(2.0), n(2.0)],
                Is(strs(&[])),
            ),
            (
                "slice",
                vec![strs(&["a", "b"]), n(2.0), n(1.0)],
                Fails("start index must not be greater than end index"),
            ),
            (
                "slice",
                vec![strs(&["a", "b"]), n(0.0), n(5.0)],
                Fails("end index must not be greater than the length of the list"),
            ),
            (
                "slice",
                vec![strs(&["a", "b"]), n(-1.0), n(1.0)],
                Fails("start index must not be less than zero"),
            ),
            (
                "slice",
                vec![strs(&["a", "b"]), n(3.0), n(3.0)],
                Fails("start index must not be greater than the length of the list"),
            ),
            (
                "slice",
                vec![set(vec![s("a")]), n(0.0), n(1.0)],
                Fails("cannot slice a set"),
            ),
            (
                "sort",
                vec![stup(&["e", "d", "a", "x"])],
                Is(strs(&["a", "d", "e", "x"])),
            ),
            (
                "sort",
                vec![ntup(&[10.0, 9.0, 2.0])],
                Is(strs(&["10", "2", "9"])),
            ),
            (
                "sort",
                vec![tup(vec![s("a"), null()])],
                Fails("given list element 1 is null; a null string cannot be sorted"),
            ),
            ("sum", vec![ntup(&[10.0, 13.0, 6.0, 4.5])], Is(n(33.5))),
            ("sum", vec![tup(vec![s("1"), n(2.0)])], Is(n(3.0))),
            ("sum", vec![set(vec![n(1.0), n(2.0)])], Is(n(3.0))),
            ("sum", vec![tup(vec![])], Fails("cannot sum an empty list")),
            (
                "sum",
                vec![stup(&["a"])],
                Fails("argument must be list, set, or tuple of number values"),
            ),
            (
                "sum",
                vec![tup(vec![null()])],
                Fails("argument must be list, set, or tuple of number values"),
            ),
            (
                "sum",
                vec![s("x")],
                Fails("argument must be list, set, or tuple. Received string"),
            ),
            (
                "transpose",
                vec![obj(vec![
                    ("a", stup(&["1", "2"])),
                    ("b", stup(&["2", "3"])),
                ])],
                Is(map(vec![
                    ("1", strs(&["a"])),
                    ("2", strs(&["a", "b"])),
                    ("3", strs(&["b"])),
                ])),
            ),
            ("transpose", vec![obj(vec![])], Is(map(vec![]))),
            (
                "transpose",
                vec![obj(vec![("a", null())])],
                Fails("input must not contain null list"),
            ),
            (
                "zipmap",
                vec![stup(&["a", "b"]), ntup(&[1.0, 2.0])],
                Is(obj(vec![("a", n(1.0)), ("b", n(2.0))])),
            ),
            (
                "zipmap",
                vec![strs(&["a", "b"]), nums(&[1.0, 2.0])],
                Is(map(vec![("a", n(1.0)), ("b", n(2.0))])),
            ),
            (
                "zipmap",
                vec![stup(&["a", "a"]), ntup(&[1.0, 2.0])],
                Is(obj(vec![("a", n(2.0))])),
            ),
            (
                "zipmap",
                vec![stup(&["a"]), ntup(&[1.0, 2.0])],
                Fails("number of keys (1) does not match number of values (2)"),
            ),
            (
                "zipmap",
                vec![stup(&["a"]), s("x")],
                Fails("values argument must be a list or tuple value"),
            ),
            (
                "zipmap",
                vec![tup(vec![null()]), ntup(&[1.0])],
                Fails("keys list has null value at index 0"),
            ),
        ],
    );
}

#[test]
fn encoding_functions() {
    let records = list(vec![
        obj(vec![("a", s("1")), ("b", s("2")), ("c", s("3"))]),
        obj(vec![("a", s("4")), ("b", s("x,y")), ("c", s("6"))]),
    ]);
    check_table(
        &apply_ctx(),
        vec![
            (
                "base64encode",
                vec![s("Hello World")],
                Is(s("SGVsbG8gV29ybGQ=")),
            ),
            (
                "base64decode",
                vec![s("SGVsbG8gV29ybGQ=")],
                Is(s("Hello World")),
            ),
            (
                "base64decode",
                vec![s("SGVsbG8g\nV29ybGQ=")],
                Is(s("Hello World")),
            ),
            (
                "base64decode",
                vec![s("xx$")],
                Fails("failed to decode base64 data"),
            ),
            ("base64decode", vec![s("/w==")], Fails("not valid UTF-8")),
            (
                "csvdecode",
                vec![s("a,b,c\n1,2,3\n4,\"x,y\",6\n")],
                Is(records),
            ),
            ("csvdecode", vec![s("a,b\n")], Is(list(vec![]))),
            ("csvdecode", vec![s("")], Fails("missing header line")),
            (
                "csvdecode",
                vec![s("a,b\n1\n")],
                Fails("CSV parse error on line 2: wrong number of fields"),
            ),
            (
                "csvdecode",
                vec![s("a,a\n1,2")],
                Fails("duplicate column name \"a\""),
            ),
            (
                "jsondecode",
                vec![s("{\"hello\": \"world\", \"n\": [1, 2.5, null, true]}")],
                Is(obj(vec![
                    ("hello", s("world")),
                    ("n", tup(vec![n(1.0), n(2.5), null(), b(true)])),
                ])),
            ),
            ("jsondecode", vec![s("true")], Is(b(true))),
            ("jsondecode", vec![s("\"x\"")], Is(s("x"))),
            ("jsondecode", vec![s("{")], Fails("invalid JSON")),
            ("jsondecode", vec![s("")], Fails("invalid JSON")),
            (
                "jsonencode",
                vec![obj(vec![("hello", s("world"))])],
                Is(s("{\"hello\":\"world\"}")),
            ),
            (
                "jsonencode",
                vec![tup(vec![
                    n(1.0),
                    n(1.5),
                    s("<a&b>\n"),
                    null(),
                    b(true),
                    n(1e21),
                    n(-0.25),
                ])],
                Is(s(
                    "[1,1.5,\"\\u003ca\\u0026b\\u003e\\n\",null,true,1000000000000000000000,-0.25]",
                )),
            ),
            (
                "jsonencode",
                vec![obj(vec![
                    ("b", n(1.0)),
                    ("a", map(vec![("z", strs(&[])), ("y", obj(vec![]))])),
                ])],
                Is(s("{\"a\":{\"y\":{},\"z\":[]},\"b\":1}")),
            ),
            ("jsonencode", vec![null()], Is(s("null"))),
            (
                "jsonencode",
                vec![set(vec![s("b"), s("a")])],
                Is(s("[\"a\",\"b\"]")),
            ),
            (
                "yamldecode",
                vec![s("hello: world")],
                Is(obj(vec![("hello", s("world"))])),
            ),
            ("yamldecode", vec![s("true")], Is(b(true))),
            (
                "yamldecode",
                vec![s("{a: 1, b: [x, 2.5, null, ~]}")],
                Is(obj(vec![
                    ("a", n(1.0)),
                    ("b", tup(vec![s("x"), n(2.5), null(), null()])),
                ])),
            ),
            (
                "yamldecode",
                vec![s("a: &x 1\nb: *x\n")],
                Is(obj(vec![("a", n(1.0)), ("b", n(1.0))])),
            ),
            (
                "yamldecode",
                vec![s("base: &b {a: 1}\nc:\n  <<: *b\n  d: 2\n")],
                Is(obj(vec![
                    ("base", obj(vec![("a", n(1.0))])),
                    ("c", obj(vec![("a", n(1.0)), ("d", n(2.0))])),
                ])),
            ),
            (
                "yamldecode",
                vec![s("1: one\ntrue: yes")],
                Is(obj(vec![("1", s("one")), ("true", s("yes"))])),
            ),
            (
                "yamldecode",
                vec![s("- a\n- |\n  multi\n  line\n")],
                Is(tup(vec![s("a"), s("multi\nline\n")])),
            ),
            ("yamldecode", vec![s("a: [")], Fails("invalid YAML")),
            (
                "yamldecode",
                vec![s("a: 1\n---\nb: 2\n")],
                Fails("invalid YAML"),
            ),
            (
                "yamlencode",
                vec![obj(vec![("a", s("b")), ("c", s("d"))])],
                Is(s("\"a\": \"b\"\n\"c\": \"d\"\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![
                    ("foo", ntup(&[1.0, 2.0, 3.0])),
                    ("bar", s("baz")),
                ])],
                Is(s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![
                    (
                        "foo",
                        tup(vec![
                            n(1.0),
                            obj(vec![("a", s("b")), ("c", s("d"))]),
                            n(3.0),
                        ]),
                    ),
                    ("bar", s("baz")),
                ])],
                Is(s(
                    "\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n",
                )),
            ),
            ("yamlencode", vec![b(true)], Is(s("true\n...\n"))),
            ("yamlencode", vec![n(1.5)], Is(s("1.5\n...\n"))),
            ("yamlencode", vec![null()], Is(s("null\n...\n"))),
            ("yamlencode", vec![s("")], Is(s("\"\"\n"))),
            ("yamlencode", vec![s("hello")], Is(s("\"hello\"\n"))),
            (
                "yamlencode",
                vec![s("hello\nworld")],
                Is(s("|-\n  hello\n  world\n")),
            ),
            ("yamlencode", vec![obj(vec![])], Is(s("{}\n"))),
            ("yamlencode", vec![tup(vec![])], Is(s("[]\n"))),
            (
                "yamlencode",
                vec![obj(vec![("a", obj(vec![("b", s("c"))]))])],
                Is(s("\"a\":\n  \"b\": \"c\"\n")),
            ),
            (
                "yamlencode",
                vec![tup(vec![ntup(&[1.0, 2.0]), ntup(&[3.0])])],
                Is(s("- - 1\n  - 2\n- - 3\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![
                    ("a", s("x\n")),
                    ("b", tup(vec![])),
                    ("c", null()),
                ])],
                Is(s("\"a\": |\n  x\n\"b\": []\n\"c\": null\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![("a", s(" lead\nx"))])],
                Is(s("\"a\": |2-\n   lead\n  x\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![("a", s("trailing \nx"))])],
                Is(s("\"a\": \"trailing \\nx\"\n")),
            ),
            (
                "yamlencode",
                vec![s("tab\there é 😀")],
                Is(s("\"tab\\there é \\U0001F600\"\n")),
            ),
            (
                "yamlencode",
                vec![obj(vec![("multi\nkey", s("v"))])],
                Is(s("? |-\n  multi\n  key\n: \"v\"\n")),
            ),
            (
                "urlencode",
                vec![s("Hello World!")],
                Is(s("Hello+World%21")),
            ),
            (
                "urlencode",
                vec![s("a/b?c=d&e")],
                Is(s("a%2Fb%3Fc%3Dd%26e")),
            ),
            ("urlencode", vec![s("~-._09AZaz")], Is(s("~-._09AZaz"))),
            ("urlencode", vec![s("é")], Is(s("%C3%A9"))),
        ],
    );
}

#[test]
fn path_functions() {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut cases = vec![
        ("abspath", vec![s("a/../b")], Is(s("/base/dir/b"))),
        ("abspath", vec![s("/x/./y/")], Is(s("/x/y"))),
        ("abspath", vec![s("")], Is(s("/base/dir"))),
        ("dirname", vec![s("foo/bar/baz.txt")], Is(s("foo/bar"))),
        ("dirname", vec![s("baz.txt")], Is(s("."))),
        ("dirname", vec![s("/foo")], Is(s("/"))),
        ("dirname", vec![s("")], Is(s("."))),
        ("dirname", vec![s("a//b/")], Is(s("a/b"))),
        ("basename", vec![s("foo/bar/baz.txt")], Is(s("baz.txt"))),
        ("basename", vec![s("foo/bar/")], Is(s("bar"))),
        ("basename", vec![s("/")], Is(s("/"))),
        ("basename", vec![s("")], Is(s("."))),
        ("pathexpand", vec![s("/etc/hosts")], Is(s("/etc/hosts"))),
        (
            "pathexpand",
            vec![s("~user/x")],
            Fails("cannot expand user-specific home dir"),
        ),
    ];
    if !home.is_empty() {
        cases.push((
            "pathexpand",
            vec![s("~/.ssh/../id")],
            Is(s(&format!("{}/id", home.trim_end_matches('/')))),
        ));
    }
    check_table(&apply_ctx(), cases);
}

/// A fresh directory under the system temp dir, unique to this test run.
fn temp_tree(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("plat-funcs-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub/deep")).expect("create temp tree");
    std::fs::write(dir.join("hello.txt"), "file content\n").expect("write");
    std::fs::write(dir.join("b.txt"), "b").expect("write");
    std::fs::write(dir.join("sub/c.txt"), "c").expect("write");
    std::fs::write(dir.join("sub/d.json"), "{}").expect("write");
    std::fs::write(dir.join("sub/deep/e.txt"), "e").expect("write");
    std::fs::write(dir.join("binary.bin"), [0xff, 0xfe, 0x00]).expect("write");
    dir
}

#[test]
fn file_functions() {
    let dir = temp_tree("files");
    let ctx = ctx_with(&dir, false);
    let abs = dir.join("hello.txt").to_string_lossy().into_owned();
    let d = dir.to_string_lossy().into_owned();
    check_table(
        &ctx,
        vec![
            ("file", vec![s("hello.txt")], Is(s("file content\n"))),
            ("file", vec![s("./sub/../hello.txt")], Is(s("file content\n"))),
            ("file", vec![s(&abs)], Is(s("file content\n"))),
            ("file", vec![s("missing.txt")], Fails(&*Box::leak(format!("no file exists at \"{d}/missing.txt\"").into_boxed_str()))),
            ("file", vec![s("binary.bin")], Fails("are not valid UTF-8")),
            ("file", vec![s("sub")], Fails("is a directory")),
            ("filebase64", vec![s("binary.bin")], Is(s("//4A"))),
            ("filemd5", vec![s("hello.txt")], Is(s("186e4cee4e00635b35be4236193f33fb"))),
            ("filesha1", vec![s("hello.txt")], Is(s("8027cc965a4daeddfdc280d902fd48be0b5a3f8e"))),
            ("filesha256", vec![s("hello.txt")], Is(s("694b27f021c4861b3373cd5ddbc42695c056d0a4297d2d85e2dae040a84e61df"))),
            ("filesha512", vec![s("hello.txt")], Is(s("b24309f6c846124d4c5bcff5c25bdd51d58dfea53fb303dde4713fc7f7455dd60608bc7816ed9016474e150954373c83d0facc92cd193c28d7463067cf61cf95"))),
            ("filebase64sha256", vec![s("hello.txt")], Is(s("aUsn8CHEhhszc81d28QmlcBW0KQpfS2F4trgQKhOYd8="))),
            ("filebase64sha512", vec![s("hello.txt")], Is(s("skMJ9shGEk1MW8/1wlvdUdWN/qU/swPd5HE/x/dFXdYGCLx4Fu2QFkdOFQlUNzyD0PrMks0ZPCjXRjBnz2HPlQ=="))),
            ("fileexists", vec![s("hello.txt")], Is(b(true))),
            ("fileexists", vec![s("nope.txt")], Is(b(false))),
            ("fileexists", vec![s("sub")], Fails("is a directory, not a file")),
            ("fileset", vec![s("."), s("*.txt")], Is(set(vec![s("b.txt"), s("hello.txt")]))),
            ("fileset", vec![s(&d), s("**/*.txt")], Is(set(vec![s("b.txt"), s("hello.txt"), s("sub/c.txt"), s("sub/deep/e.txt")]))),
            ("fileset", vec![s("sub"), s("*")], Is(set(vec![s("c.txt"), s("d.json")]))),
            ("fileset", vec![s("sub"), s("**")], Is(set(vec![s("c.txt"), s("d.json"), s("deep/e.txt")]))),
            ("fileset", vec![s("."), s("sub/{c,d}.*")], Is(set(vec![s("sub/c.txt"), s("sub/d.json")]))),
            ("fileset", vec![s("."), s("s?b/[cd].txt")], Is(set(vec![s("sub/c.txt")]))),
            ("fileset", vec![s("sub"), s("../*.txt")], Is(set(vec![s("../b.txt"), s("../hello.txt")]))),
            ("fileset", vec![s("."), s("hello.txt")], Is(set(vec![s("hello.txt")]))),
            ("fileset", vec![s("nowhere"), s("*")], Is(set(vec![]))),
            ("fileset", vec![s("."), s("[")], Fails("failed to glob pattern")),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn crypto_functions() {
    check_table(
        &apply_ctx(),
        vec![
            ("md5", vec![s("hello world")], Is(s("5eb63bbbe01eeed093cb22bb8f5acdc3"))),
            ("sha1", vec![s("hello world")], Is(s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"))),
            ("sha256", vec![s("hello world")], Is(s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"))),
            ("sha512", vec![s("hello world")], Is(s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"))),
            ("base64sha256", vec![s("hello world")], Is(s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="))),
            ("base64sha512", vec![s("hello world")], Is(s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="))),
            ("bcrypt", vec![s("x"), n(4.0), n(5.0)], Fails("bcrypt() takes no more than two arguments")),
            ("bcrypt", vec![s("x"), n(32.0)], Fails("outside the allowed range")),
            ("bcrypt", vec![s(&"x".repeat(73))], Fails("exceeds 72 bytes")),
        ],
    );
    let apply = apply_ctx();
    let id = run(&apply, "uuid", vec![]).expect("uuid");
    let id = id.as_str().unwrap_or_default().to_string();
    let shape =
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .expect("regex");
    assert!(shape.is_match(&id), "{id}");
    assert_ne!(
        run(&apply, "uuid", vec![]).expect("uuid"),
        Value::String(id)
    );
    let hash = run(&apply, "bcrypt", vec![s("hunter2"), n(4.0)]).expect("bcrypt");
    let hash = hash.as_str().unwrap_or_default();
    assert!(hash.starts_with("$2a$04$"), "{hash}");
    assert!(bcrypt::verify("hunter2", hash).expect("verify"));
    let plan = ctx_with("/", true);
    assert_eq!(run(&plan, "uuid", vec![]), Ok(unk(Type::String)));
    assert_eq!(run(&plan, "bcrypt", vec![s("x")]), Ok(unk(Type::String)));
    assert_eq!(
        run(&plan, "bcrypt", vec![sens(s("x"))]),
        Ok(sens(unk(Type::String)))
    );
    assert_eq!(run(&plan, "timestamp", vec![]), Ok(unk(Type::String)));
    let now = run(&apply, "timestamp", vec![]).expect("timestamp");
    let now = now.as_str().unwrap_or_default();
    let shape = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").expect("regex");
    assert!(shape.is_match(now), "{now}");
    assert!(run(&apply, "formatdate", vec![s("YYYY"), s(now)]).is_ok());
}

#[test]
fn network_functions() {
    check_table(
        &apply_ctx(),
        vec![
            ("cidrhost", vec![s("10.12.112.0/20"), n(16.0)], Is(s("10.12.112.16"))),
            ("cidrhost", vec![s("10.12.112.0/20"), n(268.0)], Is(s("10.12.113.12"))),
            ("cidrhost", vec![s("10.12.112.9/20"), n(1.0)], Is(s("10.12.112.1"))),
            ("cidrhost", vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)], Is(s("fd00:fd12:3456:7890::22"))),
            ("cidrhost", vec![s("10.0.0.0/24"), n(-1.0)], Is(s("10.0.0.255"))),
            ("cidrhost", vec![s("10.0.0.0/24"), n(-256.0)], Is(s("10.0.0.0"))),
            ("cidrhost", vec![s("10.0.0.0/24"), n(256.0)], Fails("prefix of 24 does not accommodate a host numbered 256")),
            ("cidrhost", vec![s("10.0.0.0/24"), n(-257.0)], Fails("does not accommodate a host numbered -257")),
            ("cidrhost", vec![s("10.0.0.0/24"), n(1.5)], Fails("hostnum must be a whole number")),
            ("cidrhost", vec![s("::/0"), n(1e30)], Is(s("0:c:9f2c:9cd0:4675::"))),
            ("cidrhost", vec![s("not-a-cidr"), n(1.0)], Fails("invalid CIDR expression")),
            ("cidrnetmask", vec![s("172.16.0.0/12")], Is(s("255.240.0.0"))),
            ("cidrnetmask", vec![s("10.0.0.0/0")], Is(s("0.0.0.0"))),
            ("cidrnetmask", vec![s("10.0.0.1/32")], Is(s("255.255.255.255"))),
            ("cidrnetmask", vec![s("::/64")], Fails("IPv6 addresses cannot have a netmask: ::/64")),
            ("cidrsubnet", vec![s("172.16.0.0/12"), n(4.0), n(2.0)], Is(s("172.18.0.0/16"))),
            ("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)], Is(s("10.1.2.240/28"))),
            ("cidrsubnet", vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)], Is(s("fd00:fd12:3456:7800:a200::/72"))),
            ("cidrsubnet", vec![s("10.0.0.0/8"), n(0.0), n(0.0)], Is(s("10.0.0.0/8"))),
            ("cidrsubnet", vec![s("::/0"), n(128.0), n(1.0)], Is(s("::1/128"))),
            ("cidrsubnet", vec![s("10.0.0.0/24"), n(8.0), n(300.0)], Fails("prefix extension of 8 does not accommodate a subnet numbered 300")),
            ("cidrsubnet", vec![s("10.0.0.0/24"), n(9.0), n(1.0)], Fails("insufficient address space to extend prefix of 24 by 9")),
            ("cidrsubnet", vec![s("10.0.0.0/24"), n(2000.0), n(1.0)], Fails("insufficient address space")),
            ("cidrsubnet", vec![s("10.0.0.0/24"), n(-1.0), n(1.0)], Fails("newbits must not be negative")),
            ("cidrsubnet", vec![s("10.0.0.0/24"), n(2.0), n(-1.0)], Fails("netnum must not be negative")),
            (
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)],
                Is(strs(&["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"])),
            ),
            (
                "cidrsubnets",
                vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(16.0), n(16.0), n(32.0)],
                Is(strs(&[
                    "fd00:fd12:3456:7800::/72",
                    "fd00:fd12:3456:7800:100::/72",
                    "fd00:fd12:3456:7800:200::/72",
                    "fd00:fd12:3456:7800:300::/88",
                ])),
            ),
            ("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0)], Is(strs(&["0.0.0.0/1", "128.0.0.0/1"]))),
            ("cidrsubnets", vec![s("10.0.0.0/8")], Is(list(vec![]))),
            ("cidrsubnets", vec![s("10.0.0.0/30"), n(1.0), n(1.0), n(1.0)], Fails("not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31")),
            ("cidrsubnets", vec![s("10.0.0.0/24"), n(2.0), n(1.0), n(1.0)], Fails("not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25")),
            ("cidrsubnets", vec![s("10.0.0.0/8"), n(0.0)], Fails("must extend prefix by at least one bit")),
            ("cidrsubnets", vec![s("10.0.0.0/8"), n(33.0)], Fails("may not extend prefix by more than 32 bits")),
            ("cidrsubnets", vec![s("10.0.0.0/30"), n(3.0)], Fails("would extend prefix to 33 bits, which is too long for an IPv4 address")),
        ],
    );
}

#[test]
fn conversion_functions() {
    check_table(
        &apply_ctx(),
        vec![
            ("tostring", vec![n(1.0)], Is(s("1"))),
            ("tostring", vec![b(true)], Is(s("true"))),
            ("tostring", vec![s("x")], Is(s("x"))),
            ("tostring", vec![null()], Is(null())),
            ("tostring", vec![tup(vec![])], Fails("cannot convert tuple([]) to string")),
            ("tonumber", vec![s("1.5")], Is(n(1.5))),
            ("tonumber", vec![null()], Is(null())),
            ("tonumber", vec![s("x")], Fails("cannot convert \"x\" to number; given string must be a decimal representation of a number")),
            ("tobool", vec![s("true")], Is(b(true))),
            ("tobool", vec![b(false)], Is(b(false))),
            ("tobool", vec![s("yes")], Fails("cannot convert \"yes\" to bool; only the strings \"true\" or \"false\" are allowed")),
            ("tobool", vec![n(1.0)], Fails("cannot convert number to bool")),
            ("tolist", vec![stup(&["a", "b"])], Is(strs(&["a", "b"]))),
            ("tolist", vec![tup(vec![n(1.0), s("a")])], Is(strs(&["1", "a"]))),
            ("tolist", vec![set(vec![s("b"), s("a")])], Is(strs(&["a", "b"]))),
            ("tolist", vec![null()], Is(null())),
            ("tolist", vec![tup(vec![obj(vec![]), s("a")])], Fails("cannot convert tuple([object({}), string]) to list of any single type")),
            ("tolist", vec![s("a")], Fails("cannot convert string to list")),
            ("toset", vec![stup(&["a", "b", "a"])], Is(set(vec![s("a"), s("b")]))),
            ("tomap", vec![obj(vec![("a", n(1.0)), ("b", s("x"))])], Is(map(vec![("a", s("1")), ("b", s("x"))]))),
            ("tomap", vec![stup(&["a"])], Fails("cannot convert")),
            ("type", vec![s("a")], Is(s("string"))),
            ("type", vec![tup(vec![n(1.0)])], Is(s("tuple([number])"))),
            ("type", vec![obj(vec![("a", b(true))])], Is(s("object({a = bool})"))),
            ("type", vec![unk(Type::list(Type::String))], Is(s("list(string)"))),
        ],
    );
}

#[test]
fn time_functions() {
    let ts = "2018-01-02T23:12:01Z";
    check_table(
        &apply_ctx(),
        vec![
            (
                "formatdate",
                vec![s("DD MMM YYYY hh:mm ZZZ"), s(ts)],
                Is(s("02 Jan 2018 23:12 UTC")),
            ),
            (
                "formatdate",
                vec![s("EEEE, DD-MMM-YY hh:mm:ss ZZZ"), s(ts)],
                Is(s("Tuesday, 02-Jan-18 23:12:01 UTC")),
            ),
            (
                "formatdate",
                vec![
                    s("EEE, DD MMM YYYY hh:mm:ss ZZZ"),
                    s("2018-01-02T23:12:01-08:00"),
                ],
                Is(s("Tue, 02 Jan 2018 23:12:01 -0800")),
            ),
            (
                "formatdate",
                vec![s("MMMM D, YYYY"), s(ts)],
                Is(s("January 2, 2018")),
            ),
            (
                "formatdate",
                vec![s("M/D h:m:s"), s("2018-03-04T05:06:07Z")],
                Is(s("3/4 5:6:7")),
            ),
            (
                "formatdate",
                vec![s("HH:mmaa H AA"), s(ts)],
                Is(s("11:12pm 11 PM")),
            ),
            (
                "formatdate",
                vec![s("H aa"), s("2018-01-02T00:30:00Z")],
                Is(s("12 am")),
            ),
            (
                "formatdate",
                vec![s("h 'o''clock' ''"), s("2018-01-02T07:00:00Z")],
                Is(s("7 o'clock '")),
            ),
            (
                "formatdate",
                vec![s("Z|ZZZZ|ZZZZZ|Z"), s("2018-01-02T23:12:01+05:30")],
                Is(s("+05:30|+0530|+05:30|+05:30")),
            ),
            ("formatdate", vec![s("Z|ZZZZZ"), s(ts)], Is(s("Z|+00:00"))),
            (
                "formatdate",
                vec![s("YYYY-MM-DD é"), s("2018-01-02T23:12:01.123456Z")],
                Is(s("2018-01-02 é")),
            ),
            (
                "formatdate",
                vec![s("'unterminated"), s(ts)],
                Fails("unterminated literal '"),
            ),
            (
                "formatdate",
                vec![s("YYY"), s(ts)],
                Fails("invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\""),
            ),
            (
                "formatdate",
                vec![s("ZZ"), s(ts)],
                Fails("timezone must be Z, ZZZZ, or ZZZZZ"),
            ),
            (
                "formatdate",
                vec![s("q"), s(ts)],
                Fails("invalid date format verb \"q\""),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-13-01T00:00:00Z")],
                Fails("not a valid RFC3339 timestamp: month out of range"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-02-30T00:00:00Z")],
                Fails("not a valid RFC3339 timestamp"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-01-02")],
                Fails("not a valid RFC3339 timestamp: end of string"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-01-02 00:00:00Z")],
                Fails("missing required time introducer 'T'"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-01-02T00:00:00")],
                Fails("not a valid RFC3339 timestamp"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("2018-01-02T00:00:00+25:00")],
                Fails("timezone hour out of range"),
            ),
            (
                "formatdate",
                vec![s("Y"), s("x")],
                Fails("not a valid RFC3339 timestamp"),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("10m")],
                Is(s("2017-11-22T00:10:00Z")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("-1h30m")],
                Is(s("2017-11-21T22:30:00Z")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00+01:00"), s("1.5h")],
                Is(s("2017-11-22T01:30:00+01:00")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00.9Z"), s("300ms")],
                Is(s("2017-11-22T00:00:01Z")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00-00:00"), s("0")],
                Is(s("2017-11-22T00:00:00Z")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("1h1m1s1ms1us1µs1ns")],
                Is(s("2017-11-22T01:01:01Z")),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("1d")],
                Fails("time: unknown unit \"d\" in duration \"1d\""),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("10")],
                Fails("time: missing unit in duration \"10\""),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("")],
                Fails("time: invalid duration \"\""),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s(".h")],
                Fails("time: invalid duration"),
            ),
            (
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), s("99999999999999999999h")],
                Fails("time: invalid duration"),
            ),
            (
                "timeadd",
                vec![s("9999-12-31T23:59:59Z"), s("2562047h")],
                Is(s("10292-04-10T22:59:59Z")),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T01:00:00+01:00")],
                Is(n(0.0)),
            ),
            (
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T00:00:01Z")],
                Is(n(-1.0)),
            ),
        ],
    );
}

/// Marks: sensitive arguments make sensitive results, unknown arguments unknown results, and
/// structural functions keep nested marks where they were.
#[test]
fn mark_propagation() {
    let u = || unk(Type::Any);
    let us = || unk(Type::String);
    check_table(
        &apply_ctx(),
        vec![
            // Plain functions: the whole result takes the marks.
            ("upper", vec![sens(s("a"))], Is(sens(s("A")))),
            ("upper", vec![us()], Is(us())),
            ("upper", vec![sens(us())], Is(sens(us()))),
            (
                "join",
                vec![s(","), tup(vec![s("a"), sens(s("b"))])],
                Is(sens(s("a,b"))),
            ),
            ("join", vec![s(","), tup(vec![s("a"), us()])], Is(us())),
            (
                "jsonencode",
                vec![obj(vec![("a", sens(s("x"))), ("b", n(1.0))])],
                Is(sens(s("{\"a\":\"x\",\"b\":1}"))),
            ),
            ("jsonencode", vec![obj(vec![("a", u())])], Is(us())),
            (
                "format",
                vec![s("%s-%s"), s("a"), sens(s("b"))],
                Is(sens(s("a-b"))),
            ),
            ("format", vec![s("%s"), u()], Is(us())),
            (
                "sum",
                vec![tup(vec![n(1.0), sens(n(2.0))])],
                Is(sens(n(3.0))),
            ),
            (
                "cidrsubnet",
                vec![sens(s("10.0.0.0/8")), n(8.0), n(1.0)],
                Is(sens(s("10.1.0.0/16"))),
            ),
            ("abs", vec![unk(Type::Number)], Is(unk(Type::Number))),
            ("tostring", vec![sens(n(1.0))], Is(sens(s("1")))),
            (
                "range",
                vec![unk(Type::Number)],
                Is(unk(Type::list(Type::Number))),
            ),
            // Structural functions.
            ("length", vec![tup(vec![u(), s("a")])], Is(n(2.0))),
            ("length", vec![sens(stup(&["a", "b"]))], Is(sens(n(2.0)))),
            ("length", vec![u()], Is(unk(Type::Number))),
            ("length", vec![obj(vec![("a", u())])], Is(n(1.0))),
            (
                "concat",
                vec![tup(vec![u()]), stup(&["a"])],
                Is(tup(vec![u(), s("a")])),
            ),
            (
                "concat",
                vec![tup(vec![sens(s("x"))]), stup(&["a"])],
                Is(tup(vec![sens(s("x")), s("a")])),
            ),
            (
                "concat",
                vec![sens(stup(&["x"])), stup(&["a"])],
                Is(sens(stup(&["x", "a"]))),
            ),
            ("element", vec![tup(vec![u(), s("a")]), n(1.0)], Is(s("a"))),
            ("element", vec![tup(vec![u(), s("a")]), n(0.0)], Is(u())),
            (
                "element",
                vec![tup(vec![sens(s("x")), s("a")]), n(1.0)],
                Is(s("a")),
            ),
            ("element", vec![stup(&["a"]), unk(Type::Number)], Is(u())),
            (
                "slice",
                vec![tup(vec![u(), s("a"), s("b")]), n(0.0), n(2.0)],
                Is(tup(vec![u(), s("a")])),
            ),
            (
                "reverse",
                vec![tup(vec![u(), sens(s("a"))])],
                Is(tup(vec![sens(s("a")), u()])),
            ),
            (
                "flatten",
                vec![tup(vec![tup(vec![us()]), s("a")])],
                Is(tup(vec![us(), s("a")])),
            ),
            (
                "flatten",
                vec![tup(vec![u(), s("a")])],
                Is(unk(Type::list(Type::Any))),
            ),
            (
                "flatten",
                vec![tup(vec![sens(stup(&["a"])), s("b")])],
                Is(sens(stup(&["a", "b"]))),
            ),
            (
                "merge",
                vec![obj(vec![("a", sens(s("secret")))]), obj(vec![("b", u())])],
                Is(obj(vec![("a", sens(s("secret"))), ("b", u())])),
            ),
            (
                "merge",
                vec![sens(obj(vec![("a", s("x"))])), obj(vec![("b", s("y"))])],
                Is(sens(obj(vec![("a", s("x")), ("b", s("y"))]))),
            ),
            ("merge", vec![obj(vec![]), u()], Is(u())),
            (
                "keys",
                vec![obj(vec![("a", u()), ("b", sens(s("x")))])],
                Is(stup(&["a", "b"])),
            ),
            (
                "values",
                vec![obj(vec![("a", u()), ("b", sens(s("x")))])],
                Is(tup(vec![u(), sens(s("x"))])),
            ),
            (
                "lookup",
                vec![obj(vec![("a", u()), ("b", s("x"))]), s("b")],
                Is(s("x")),
            ),
            (
                "lookup",
                vec![obj(vec![("a", sens(s("p")))]), s("a")],
                Is(sens(s("p"))),
            ),
            (
                "lookup",
                vec![obj(vec![("a", s("x"))]), sens(s("a"))],
                Is(sens(s("x"))),
            ),
            (
                "zipmap",
                vec![stup(&["a", "b"]), tup(vec![u(), sens(n(1.0))])],
                Is(obj(vec![("a", u()), ("b", sens(n(1.0)))])),
            ),
            (
                "zipmap",
                vec![tup(vec![us()]), ntup(&[1.0])],
                Is(unk(Type::map(Type::Any))),
            ),
            ("coalesce", vec![s("a"), us()], Is(s("a"))),
            ("coalesce", vec![null(), us(), s("a")], Is(us())),
            ("coalesce", vec![sens(s("")), s("a")], Is(sens(s("a")))),
            ("coalescelist", vec![stup(&["a"]), u()], Is(stup(&["a"]))),
            (
                "coalescelist",
                vec![tup(vec![]), unk(Type::list(Type::String))],
                Is(unk(Type::list(Type::String))),
            ),
            (
                "contains",
                vec![tup(vec![u(), s("a")]), s("a")],
                Is(b(true)),
            ),
            (
                "contains",
                vec![tup(vec![u(), s("a")]), s("b")],
                Is(unk(Type::Bool)),
            ),
            (
                "contains",
                vec![tup(vec![sens(s("a"))]), s("a")],
                Is(sens(b(true))),
            ),
            ("index", vec![tup(vec![s("a"), u()]), s("a")], Is(n(0.0))),
            (
                "index",
                vec![tup(vec![u(), s("a")]), s("a")],
                Is(unk(Type::Number)),
            ),
            (
                "distinct",
                vec![tup(vec![u(), s("a")])],
                Is(unk(Type::list(Type::Any))),
            ),
            (
                "distinct",
                vec![tup(vec![sens(s("a")), s("a"), s("b")])],
                Is(list(vec![sens(s("a")), s("b")])),
            ),
            (
                "sort",
                vec![tup(vec![us(), s("a")])],
                Is(unk(Type::list(Type::String))),
            ),
            (
                "sort",
                vec![tup(vec![s("b"), sens(s("a"))])],
                Is(list(vec![sens(s("a")), s("b")])),
            ),
            (
                "compact",
                vec![tup(vec![us(), s("a")])],
                Is(unk(Type::list(Type::String))),
            ),
            (
                "compact",
                vec![tup(vec![sens(s("a")), s("")])],
                Is(list(vec![sens(s("a"))])),
            ),
            (
                "chunklist",
                vec![tup(vec![u(), s("a"), s("b")]), n(2.0)],
                Is(list(vec![list(vec![u(), s("a")]), strs(&["b"])])),
            ),
            ("one", vec![tup(vec![u()])], Is(u())),
            (
                "alltrue",
                vec![tup(vec![unk(Type::Bool), b(false)])],
                Is(unk(Type::Bool)),
            ),
            ("alltrue", vec![tup(vec![sens(b(true))])], Is(sens(b(true)))),
            (
                "anytrue",
                vec![tup(vec![unk(Type::Bool), b(true)])],
                Is(b(true)),
            ),
            (
                "anytrue",
                vec![tup(vec![unk(Type::Bool), b(false)])],
                Is(unk(Type::Bool)),
            ),
            (
                "setunion",
                vec![stup(&["a"]), tup(vec![us()])],
                Is(unk(Type::set(Type::Any))),
            ),
            (
                "setproduct",
                vec![tup(vec![u()]), stup(&["a"])],
                Is(list(vec![tup(vec![u(), s("a")])])),
            ),
            (
                "matchkeys",
                vec![tup(vec![u(), s("v")]), stup(&["x", "y"]), stup(&["x"])],
                Is(list(vec![u()])),
            ),
            (
                "matchkeys",
                vec![stup(&["v"]), tup(vec![us()]), stup(&["x"])],
                Is(unk(Type::list(Type::Any))),
            ),
            (
                "tolist",
                vec![tup(vec![u(), s("a")])],
                Is(list(vec![u(), s("a")])),
            ),
            ("tolist", vec![sens(stup(&["a"]))], Is(sens(strs(&["a"])))),
            (
                "tomap",
                vec![obj(vec![("a", sens(s("x"))), ("b", s("y"))])],
                Is(map(vec![("a", sens(s("x"))), ("b", s("y"))])),
            ),
            (
                "formatlist",
                vec![s("<%s>"), tup(vec![us(), s("a"), sens(s("b"))])],
                Is(list(vec![us(), s("<a>"), sens(s("<b>"))])),
            ),
            (
                "formatlist",
                vec![s("<%s>"), unk(Type::list(Type::String))],
                Is(unk(Type::list(Type::String))),
            ),
            ("type", vec![sens(s("x"))], Is(sens(s("string")))),
        ],
    );
}

/// Every function the language documents is registered.
#[test]
fn registry_is_complete() {
    let expected = "abs ceil floor log max min parseint pow signum \
        chomp format formatlist indent join lower upper replace regex regexall split startswith \
        endswith strrev substr title trim trimprefix trimsuffix trimspace \
        alltrue anytrue chunklist coalesce coalescelist compact concat contains distinct element \
        flatten index keys length lookup matchkeys merge one range reverse setintersection \
        setproduct setsubtract setunion slice sort sum transpose values zipmap \
        base64encode base64decode csvdecode jsondecode jsonencode yamldecode yamlencode urlencode \
        abspath dirname basename pathexpand file fileexists fileset \
        md5 sha1 sha256 sha512 base64sha256 uuid bcrypt \
        cidrhost cidrnetmask cidrsubnet cidrsubnets \
        tobool tolist tomap tonumber toset tostring type \
        timestamp formatdate timeadd";
    let missing: Vec<&str> = expected
        .split_whitespace()
        .filter(|name| lookup(name).is_none())
        .collect();
    assert!(missing.is_empty(), "missing functions: {missing:?}");
    let all = names();
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "names are sorted and unique"
    );
    for name in &all {
        if !matches!(*name, "can" | "try" | "templatefile") {
            assert!(lookup(name).is_some(), "{name}");
        }
    }
}

/// No function panics, whatever it is given.
#[test]
fn no_panics_on_odd_arguments() {
    let pool = vec![
        null(),
        b(true),
        n(0.0),
        n(-1.0),
        n(1e300),
        n(0.5),
        n(f64::NAN),
        n(f64::INFINITY),
        s(""),
        s("%v %[9]d %"),
        s("/x/"),
        s("~"),
        s("::/0"),
        tup(vec![n(1.0), s("a"), null()]),
        obj(vec![("a", strs(&["b"])), ("c", null())]),
        set(vec![s("x"), s("y")]),
        unk(Type::Any),
        sens(s("s")),
    ];
    let ctx = ctx_with(std::env::temp_dir().join("plat-funcs-nonexistent"), true);
    let mut combos: Vec<Vec<Value>> = vec![vec![]];
    for a in &pool {
        combos.push(vec![a.clone()]);
        for b2 in &pool {
            combos.push(vec![a.clone(), b2.clone()]);
        }
    }
    let small = &pool[..10];
    for a in small {
        for b2 in small {
            for c in small {
                combos.push(vec![a.clone(), b2.clone(), c.clone()]);
            }
        }
    }
    for name in names() {
        // fileset on odd paths could walk the whole filesystem.
        if matches!(name, "can" | "try" | "templatefile" | "fileset") {
            continue;
        }
        let Some(f) = lookup(name) else {
            continue;
        };
        for args in &combos {
            let _ = call(f, &ctx, args.clone());
        }
    }
}

/// Error messages never show sensitive argument values.
#[test]
fn errors_do_not_reveal_sensitive_values() {
    let ctx = apply_ctx();
    let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        ("tonumber", vec![sens(s("hunter2"))], "hunter2"),
        ("abs", vec![sens(s("topsecret"))], "topsecret"),
        ("parseint", vec![sens(s("zz")), n(10.0)], "zz"),
        ("lookup", vec![obj(vec![]), sens(s("k"))], "\"k\""),
        ("cidrhost", vec![s("10.0.0.0/24"), sens(n(4096.0))], "4096"),
        (
            "formatdate",
            vec![s("YYYY"), sens(s("not-a-date"))],
            "not-a-date",
        ),
        ("element", vec![tup(vec![]), n(0.0)], "\u{0}"),
    ];
    for (name, args, secret) in cases {
        let err = run(&ctx, name, args).expect_err(name);
        assert!(
            !err.message.contains(secret),
            "{name}: {:?} reveals {secret:?}",
            err.message
        );
    }
    let err = run(&ctx, "parseint", vec![sens(s("zz")), n(10.0)]).expect_err("parseint");
    assert!(err.message.contains("(sensitive value)"), "{}", err.message);
}
