//! Tests for the HCL formatter: input → canonical output cases, a snapshot of a
//! realistic file, and property tests for idempotence, meaning preservation and
//! robustness.

use super::verify::fingerprint;
use super::{format_source, FormatError};
use proptest::prelude::*;

/// Formats `input`, compares the result with `expected`, and checks that the
/// expected output is itself canonical (formatting is idempotent on it).
fn check(input: &str, expected: &str) {
    let formatted = format_source(input).unwrap_or_else(|err| panic!("format failed: {err}"));
    assert_eq!(
        formatted, expected,
        "\n--- input ---\n{input}\n--- got ---\n{formatted}\n--- expected ---\n{expected}"
    );
    let again = format_source(expected).unwrap_or_else(|err| panic!("reformat failed: {err}"));
    assert_eq!(again, expected, "expected output is not a fixed point");
}

/// One test per case: `case!(name, input, expected_output);`
macro_rules! case {
    ($name:ident, $input:expr, $expected:expr $(,)?) => {
        #[test]
        fn $name() {
            check($input, $expected);
        }
    };
}

// ---------------------------------------------------------------------------
// Alignment of `=` within runs of consecutive single-line assignments.

case!(
    alignment_run,
    "a = 1
bbb=\"two\"
cc    =    [3]
",
    "a   = 1
bbb = \"two\"
cc  = [3]
",
);

case!(
    alignment_broken_by_blank_line,
    "a = 1
bbbb = 2

cc = 3
d = 4
",
    "a    = 1
bbbb = 2

cc = 3
d  = 4
",
);

// As in `terraform fmt`, a comment line ends an alignment run.
case!(
    alignment_broken_by_comment_line,
    "a = 1
bb = 2
# about the next one
cccc = 3
d = 4
",
    "a  = 1
bb = 2
# about the next one
cccc = 3
d    = 4
",
);

case!(
    alignment_broken_by_blocks_and_multiline_values,
    "name = \"x\"
nested {
enabled = true
}
id = 1
tags = {
a = 1
bbb = 2
}
long_name = 3
",
    "name = \"x\"
nested {
  enabled = true
}
id = 1
tags = {
  a   = 1
  bbb = 2
}
long_name = 3
",
);

case!(
    alignment_counts_characters_not_bytes,
    "ключ = 1
b = \"é\"
",
    "ключ = 1
b    = \"é\"
",
);

// ---------------------------------------------------------------------------
// Blocks.

case!(
    nested_blocks,
    "resource \"aws_instance\" \"web\" {
ami = \"ami-1\"
    ebs_block_device {
device_name = \"/dev/sda\"
      tags {
  Name = \"x\"
}
    }
}
",
    "resource \"aws_instance\" \"web\" {
  ami = \"ami-1\"
  ebs_block_device {
    device_name = \"/dev/sda\"
    tags {
      Name = \"x\"
    }
  }
}
",
);

case!(
    block_headers_and_empty_blocks,
    "resource   \"a\"   \"b\"{
}
locals{}
empty {  }
oneline {   a=1   }
labelled ident_label \"str\" {}
",
    "resource \"a\" \"b\" {
}
locals {}
empty {}
oneline { a = 1 }
labelled ident_label \"str\" {}
",
);

case!(
    dynamic_blocks,
    "resource \"aws_security_group\" \"sg\" {
  dynamic \"ingress\" {
  for_each = var.rules
  iterator = rule
  content {
  from_port = rule.value.from
  to_port = rule.value.to
  cidr_blocks = rule.value.cidrs
  }
  }
}
",
    "resource \"aws_security_group\" \"sg\" {
  dynamic \"ingress\" {
    for_each = var.rules
    iterator = rule
    content {
      from_port   = rule.value.from
      to_port     = rule.value.to
      cidr_blocks = rule.value.cidrs
    }
  }
}
",
);

// ---------------------------------------------------------------------------
// Collections and calls.

case!(
    objects,
    "tags = {Name=\"web\",Env = \"prod\"}
empty = {}
spaced = {  }
multi = {
Name = \"web\"
\"Environment\" = \"prod\"
(local.key) = 1
}
colons = {
a: 1
bbb : 2
}
commas = {
a = 1,
bb = 2,
}
",
    "tags   = { Name = \"web\", Env = \"prod\" }
empty  = {}
spaced = {}
multi = {
  Name          = \"web\"
  \"Environment\" = \"prod\"
  (local.key)   = 1
}
colons = {
  a:   1
  bbb: 2
}
commas = {
  a  = 1,
  bb = 2,
}
",
);

case!(
    arrays,
    "a = [ 1,2 ,3 ]
b = []
c = [
\"x\",
    \"y\",
]
d = [1, 2,]
e = [ [1], [ ] ]
",
    "a = [1, 2, 3]
b = []
c = [
  \"x\",
  \"y\",
]
d = [1, 2,]
e = [[1], []]
",
);

case!(
    function_calls,
    "a = max( 1 , 2 )
b = merge(
var.defaults,
    {
  name = \"x\"
    },
)
c = jsonencode({
a = 1
})
d = concat(local.lists...)
e = provider::terraform::encode_tfvars( { a = 1 } )
f = timestamp( )
",
    "a = max(1, 2)
b = merge(
  var.defaults,
  {
    name = \"x\"
  },
)
c = jsonencode({
  a = 1
})
d = concat(local.lists...)
e = provider::terraform::encode_tfvars({ a = 1 })
f = timestamp()
",
);

case!(
    list_of_objects_on_shared_bracket_lines,
    "rules = [{
port = 80
  }, {
port = 443
}]
",
    "rules = [{
  port = 80
}, {
  port = 443
}]
",
);

// ---------------------------------------------------------------------------
// Heredocs and templates: contents are never touched.

case!(
    heredocs_untouched,
    "resource \"x\" \"y\" {
    user_data = <<EOF
#!/bin/bash
   echo \"hello\"   
  ${var.x}
EOF
      policy = <<-EOT
        {
          \"a\": 1
        }
      EOT
 }
",
    "resource \"x\" \"y\" {
  user_data = <<EOF
#!/bin/bash
   echo \"hello\"   
  ${var.x}
EOF
  policy    = <<-EOT
        {
          \"a\": 1
        }
      EOT
}
",
);

case!(
    heredoc_as_function_argument,
    "x = trimspace(<<EOT
  hello
EOT
    )
",
    "x = trimspace(<<EOT
  hello
EOT
)
",
);

case!(
    templates_untouched,
    "a=\"${var.x}-${ var.y }\"
b  =  \"%{ if var.enabled }on%{ else }off%{ endif }\"
c= \"  spaced   out  \"
d =\"${ {a=1}.a }\"
config = <<EOT
%{ for ip in var.ips ~}
server ${ip}
%{ endfor ~}
EOT
",
    "a      = \"${var.x}-${ var.y }\"
b      = \"%{ if var.enabled }on%{ else }off%{ endif }\"
c      = \"  spaced   out  \"
d      = \"${ {a=1}.a }\"
config = <<EOT
%{ for ip in var.ips ~}
server ${ip}
%{ endfor ~}
EOT
",
);

// ---------------------------------------------------------------------------
// Comments.

case!(
    comments_of_all_kinds,
    "# hash comment
   // slash comment
/* block comment */
resource \"a\" \"b\" {
      # indented own-line
  name = \"x\" # trailing hash
  id = 2 // trailing slash

  other = 3 /* trailing block */

  /* leading block */ count = 1
    /*
     * multi-line block
     */
}
",
    "# hash comment
// slash comment
/* block comment */
resource \"a\" \"b\" {
  # indented own-line
  name = \"x\" # trailing hash
  id   = 2   // trailing slash

  other = 3 /* trailing block */

  /* leading block */ count = 1
  /*
     * multi-line block
     */
}
",
);

case!(
    comments_inside_expressions,
    "list = [
1, # one
      # standalone
  2, /* two */
]
args = f(
a, // first
  b
)
obj = {
   a = 1 # trailing in object
  bb = 2
}
",
    "list = [
  1, # one
  # standalone
  2, /* two */
]
args = f(
  a, // first
  b
)
obj = {
  a  = 1 # trailing in object
  bb = 2
}
",
);

case!(
    trailing_comments_align,
    "a = 1 # one
bbb = 22 # two
block { # opens
}
",
    "a   = 1  # one
bbb = 22 # two
block {  # opens
}
",
);

// Trailing comments after a multi-line construct, as `terraform fmt` aligns them.
case!(
    trailing_comments_around_multiline_value,
    "a=\"apple\"# foo
bungle=(# woo parens
\"bonce\"
)# baz
zebra=\"striped\"# baz
",
    "a = \"apple\" # foo
bungle = (  # woo parens
  \"bonce\"
)                 # baz
zebra = \"striped\" # baz
",
);

case!(
    multiline_call_arguments,
    "x = foo(
1,
- 2,
a*b,
b,
c,
)
",
    "x = foo(
  1,
  -2,
  a * b,
  b,
  c,
)
",
);

case!(
    comment_trailing_whitespace_trimmed,
    "# note   \na = 1 // x  \n",
    "# note\na = 1 // x\n",
);

// ---------------------------------------------------------------------------
// Blank lines and whitespace.

case!(
    blank_lines_collapse,
    "



a = 1



b = 2
block {

  c = 3


  d = 4

}

",
    "a = 1

b = 2
block {
  c = 3

  d = 4
}
",
);

case!(
    tabs_and_trailing_whitespace,
    "a\t=\t1   \n\tb = 2\t\n",
    "a = 1\nb = 2\n",
);

case!(missing_final_newline_added, "a = 1", "a = 1\n");

case!(
    crlf_line_endings_normalised,
    "a = 1\r\nbb = 2 # c\r\n",
    "a  = 1\nbb = 2 # c\n",
);

case!(empty_input, "", "");
case!(whitespace_only_input, "\n\n  \t\n", "");
case!(
    comment_only_input,
    "\n  # just a comment",
    "# just a comment\n"
);

// ---------------------------------------------------------------------------
// Expressions.

case!(
    for_expressions,
    "a = [for s in var.list: upper(s)]
b = {for k,v in var.map: k=>v}
c = {for k, v in var.map : v => k...}
d = [for i, x in var.list : x if i>0]
e = [
for s in var.list :
s
if s != \"\"
]
f = [for x in [1,2]: x]
",
    "a = [for s in var.list : upper(s)]
b = { for k, v in var.map : k => v }
c = { for k, v in var.map : v => k... }
d = [for i, x in var.list : x if i > 0]
e = [
  for s in var.list :
  s
  if s != \"\"
]
f = [for x in [1, 2] : x]
",
);

case!(
    conditionals,
    "a = var.x?1:2
b = var.x == \"a\" ? \"yes\" : var.y != null ? var.y : \"no\"
c = (
var.enabled
? 1
: 0
)
",
    "a = var.x ? 1 : 2
b = var.x == \"a\" ? \"yes\" : var.y != null ? var.y : \"no\"
c = (
  var.enabled
  ? 1
  : 0
)
",
);

case!(
    operators_and_unary,
    "a = 1+2*3
b = -1
c = - var.x
d = !var.enabled
e = ! (var.a&&var.b)
f = 2 - -1
g = var.a>=var.b||var.c<var.d
h = 10 % 3 / 2
i = -(1)
j = - 2.5
",
    "a = 1 + 2 * 3
b = -1
c = -var.x
d = !var.enabled
e = !(var.a && var.b)
f = 2 - -1
g = var.a >= var.b || var.c < var.d
h = 10 % 3 / 2
i = -(1)
j = -2.5
",
);

case!(
    splats_and_traversals,
    "a = aws_instance.web [*].id
b = aws_instance.web.*.id
c = var.list [ 0 ]
d = var.map[\"key\"] . attr
e = data.x.y[count.index].z
f = var.tuple.0
",
    "a = aws_instance.web[*].id
b = aws_instance.web.*.id
c = var.list[0]
d = var.map[\"key\"].attr
e = data.x.y[count.index].z
f = var.tuple.0
",
);

// ---------------------------------------------------------------------------
// Canonical input is left alone.

const CANONICAL: &str = r#"terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "instance_count" {
  type        = number
  default     = 2
  description = "How many instances to run"
}

locals {
  name_prefix = "${var.project}-${var.env}"
  common_tags = merge(var.tags, {
    Project = var.project
  })
}

# The web tier.
resource "aws_instance" "web" {
  count         = var.instance_count
  ami           = data.aws_ami.ubuntu.id
  instance_type = var.env == "prod" ? "m5.large" : "t3.micro"

  tags = merge(local.common_tags, {
    Name = "${local.name_prefix}-web-${count.index}"
  })

  lifecycle {
    create_before_destroy = true
  }
}

output "web_ids" {
  value = aws_instance.web[*].id
}
"#;

case!(already_canonical_unchanged, CANONICAL, CANONICAL);

// ---------------------------------------------------------------------------
// Snapshot of a messy, realistic file.

const MESSY: &str = r#"


# Networking for the training cluster
module   "vpc"   {
source = "terraform-aws-modules/vpc/aws"
version="5.1.0"
    name = "${var.project}-vpc"
  cidr = "10.0.0.0/16"
  azs = ["eu-west-1a","eu-west-1b" , "eu-west-1c"]
private_subnets = [ for i in range(3): cidrsubnet("10.0.0.0/16", 8, i) ]
  enable_nat_gateway = true # needed for egress
  single_nat_gateway = var.env!="prod"   // save money outside prod
}



resource "aws_security_group" "workers" {

  name_prefix="workers-"
  vpc_id = module.vpc.vpc_id
    dynamic "ingress" {
for_each = {for r in var.rules: r.name => r}
      content {
  description = ingress.key
  from_port = ingress.value.port
  to_port = ingress.value.port
  protocol = "tcp"
  cidr_blocks = ingress.value.public ? ["0.0.0.0/0"] : [module.vpc.vpc_cidr_block]
      }
    }
  /* Allow everything out;
     the NAT gateway restricts it. */
  egress {
    from_port=0
    to_port=0
    protocol="-1"
    cidr_blocks=["0.0.0.0/0"]
  }

  tags = merge(local.tags,{
  Name = "workers"
      Tier = "compute"
  })
}

locals {
  user_data = <<-EOT
    #!/bin/bash
    echo "node ${var.node_name}" > /etc/node
    %{ if var.gpu ~}
    nvidia-smi
    %{ endif ~}
  EOT
  gpu_count = var.gpu ? length( var.gpu_types ) : 0
  ratio = -var.offset + 2*var.scale/( 1+var.k )
  ids = aws_instance.worker[*].id
  first = try(aws_instance.worker[0].private_ip,null)
}
"#;

#[test]
fn messy_file_snapshot() {
    let formatted = format_source(MESSY).unwrap_or_else(|err| panic!("format failed: {err}"));
    insta::assert_snapshot!(formatted);
    assert_eq!(format_source(&formatted).as_ref(), Ok(&formatted));
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn parse_error_reports_location() {
    let err = format_source("a = 1\nb = \n").unwrap_err();
    assert_eq!((err.line, err.column, err.offset), (2, 5, 10));
    assert!(!err.message.is_empty());
    assert_eq!(err.to_string(), format!("2:5: {}", err.message));
}

#[test]
fn unclosed_block_is_an_error() {
    let err = format_source("resource \"a\" \"b\" {\n  x = 1\n").unwrap_err();
    assert!(err.line >= 2, "{err}");
}

#[test]
fn duplicate_attribute_is_an_error() {
    let err = format_source("a = 1\na = 2\n").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
}

#[test]
fn format_error_is_a_std_error() {
    let err: Box<dyn std::error::Error> = Box::new(FormatError {
        message: "boom".into(),
        line: 3,
        column: 7,
        offset: 20,
    });
    assert_eq!(err.to_string(), "3:7: boom");
}

#[test]
fn error_location_from_offset_handles_multibyte_text() {
    let err = FormatError::at_offset("é\nxé=", 6, "here");
    assert_eq!((err.line, err.column, err.offset), (2, 3, 6));
    // Offsets past the end or inside a character never panic.
    let err = FormatError::at_offset("é", 1, "inside");
    assert_eq!(err.line, 1);
    let err = FormatError::at_offset("ab", 99, "past");
    assert_eq!(err.offset, 2);
}

// ---------------------------------------------------------------------------
// Properties.

/// Asserts what must hold for any input that parses: formatting succeeds, is
/// idempotent, keeps the meaning, and leaves no untidy whitespace behind.
fn check_properties(source: &str) -> Result<(), TestCaseError> {
    let Ok(original) = hcl_edit::parser::parse_body(source) else {
        prop_assert!(format_source(source).is_err());
        return Ok(());
    };
    let formatted = match format_source(source) {
        Ok(formatted) => formatted,
        Err(err) => return Err(TestCaseError::fail(format!("{err}\n{source}"))),
    };
    let reparsed = hcl_edit::parser::parse_body(&formatted)
        .map_err(|err| TestCaseError::fail(format!("output does not parse: {err}")))?;
    prop_assert_eq!(fingerprint(&original), fingerprint(&reparsed));
    prop_assert_eq!(
        format_source(&formatted),
        Ok(formatted.clone()),
        "not idempotent"
    );
    prop_assert!(formatted.is_empty() || formatted.ends_with('\n'));
    prop_assert!(!formatted.ends_with("\n\n"));
    prop_assert!(!formatted.starts_with('\n'));
    prop_assert!(!formatted.contains("\n\n\n"));
    Ok(())
}

/// Trailing whitespace may only survive inside heredocs.
fn assert_no_trailing_whitespace(formatted: &str) -> Result<(), TestCaseError> {
    for line in formatted.lines() {
        prop_assert_eq!(
            line,
            line.trim_end(),
            "trailing whitespace in {:?}",
            formatted
        );
    }
    Ok(())
}

/// Placeholder for a unique attribute or object key in generated source.
const KEY: char = '@';

/// Replaces every [`KEY`] with a distinct name of varying length, so generated
/// documents never redefine a key and alignment has something to do.
fn fill_keys(template: &str) -> String {
    const STEMS: [&str; 4] = ["a", "bb", "name", "instance_type"];
    let mut out = String::new();
    for (n, part) in template.split(KEY).enumerate() {
        if n > 0 {
            out.push_str(&format!("{}{}", STEMS[n % STEMS.len()], n));
        }
        out.push_str(part);
    }
    out
}

/// Space between tokens on one line, sometimes with an inline comment.
fn gap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", " ", "  ", "\t", " /* c */ "])
}

/// Like [`gap`], but never empty: in HCL `a-1` is one identifier, so a binary
/// operator needs space before it.
fn spaced_gap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![" ", "  ", "\t", " /* c */ "])
}

/// Whitespace inside brackets, where line breaks and line comments are allowed.
fn wrap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        " ",
        "\n",
        "\n\n\n",
        "  \n    ",
        " # c\n",
        " // c\n",
        "\n/* c */\n",
        "\t",
    ])
}

fn leaf_expr() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "1",
        "2.5",
        "1e3",
        "true",
        "null",
        "var.x",
        "local.a_b",
        "\"s\"",
        "\"${var.x}-y\"",
        "\"%{ if a }b%{ endif }\"",
        "aws_instance.web[*].id",
        "a.0",
        "x.*.y",
        "-3",
    ])
    .prop_map(str::to_string)
}

fn expr() -> impl Strategy<Value = String> {
    leaf_expr().prop_recursive(4, 48, 4, |inner| {
        let op = prop::sample::select(vec![
            "+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||",
        ]);
        prop_oneof![
            (inner.clone(), spaced_gap(), op, gap(), inner.clone())
                .prop_map(|(a, g1, op, g2, b)| format!("{a}{g1}{op}{g2}{b}")),
            (prop::sample::select(vec!["-", "!"]), inner.clone())
                .prop_map(|(op, e)| format!("{op}({e})")),
            (wrap(), inner.clone(), wrap()).prop_map(|(w1, e, w2)| format!("({w1}{e}{w2})")),
            (
                prop::collection::vec((wrap(), inner.clone(), wrap()), 0..4),
                any::<bool>(),
                wrap()
            )
                .prop_map(|(items, trailing_comma, end)| {
                    let items: Vec<String> =
                        items.iter().map(|(a, e, b)| format!("{a}{e}{b}")).collect();
                    let comma = if trailing_comma && !items.is_empty() {
                        ","
                    } else {
                        ""
                    };
                    format!("[{}{comma}{end}]", items.join(","))
                }),
            (
                prop::sample::select(vec!["f", "max", "provider::p::g"]),
                prop::collection::vec((wrap(), inner.clone(), wrap()), 0..4),
                any::<bool>()
            )
                .prop_map(|(name, args, expand)| {
                    let args: Vec<String> =
                        args.iter().map(|(a, e, b)| format!("{a}{e}{b}")).collect();
                    let dots = if expand && !args.is_empty() {
                        "..."
                    } else {
                        ""
                    };
                    format!("{name}({}{dots})", args.join(","))
                }),
            (
                prop::collection::vec((gap(), inner.clone()), 0..4),
                any::<bool>()
            )
                .prop_map(|(items, multiline)| {
                    let items: Vec<String> = items
                        .iter()
                        .enumerate()
                        .map(|(i, (g, e))| {
                            let sign = if i % 2 == 0 { "=" } else { ":" };
                            format!("{KEY}{g}{sign} {e}")
                        })
                        .collect();
                    if multiline && !items.is_empty() {
                        format!("{{\n{}\n}}", items.join(" # c\n\n"))
                    } else {
                        format!("{{{}}}", items.join(", "))
                    }
                }),
            (inner.clone(), gap(), inner.clone(), gap(), inner.clone())
                .prop_map(|(c, g1, a, g2, b)| format!("{c}{g1}?{g2}{a}{g1}:{g2}{b}")),
            (inner.clone(), inner.clone(), any::<bool>()).prop_map(|(coll, value, cond)| {
                let filter = if cond { " if x != null" } else { "" };
                format!("[for x in {coll} :{value}{filter}]")
            }),
            (inner.clone(), inner.clone(), any::<bool>()).prop_map(|(coll, value, group)| {
                let dots = if group { "..." } else { "" };
                format!("{{for k, v in {coll}: k => {value}{dots}}}")
            }),
            (
                inner,
                prop::sample::select(vec![".attr", "[0]", "[*]", ".*", " [ 1 ]"])
            )
                .prop_map(|(e, op)| format!("({e}){op}")),
        ]
    })
}

/// One line-level item of a body, indented at random.
fn item() -> impl Strategy<Value = String> {
    let indent = prop::sample::select(vec!["", "  ", "\t", "      "]);
    let trailer = prop::sample::select(vec!["", "", " # note", " // note", " /* note */"]);
    prop_oneof![
        4 => (indent.clone(), gap(), gap(), expr(), trailer)
            .prop_map(|(i, g1, g2, e, t)| format!("{i}{KEY}{g1}={g2}{e}{t}\n")),
        1 => indent.clone().prop_map(|i| format!("{i}# comment\n")),
        1 => Just("\n".to_string()),
        1 => indent
            .clone()
            .prop_map(|i| format!("{i}{KEY} = <<EOF\n  kept ${{x}}\n    as is\nEOF\n")),
        1 => indent.prop_map(|i| format!("{i}{KEY} = <<-EOT\n    indented\n  EOT\n")),
    ]
}

fn body() -> impl Strategy<Value = String> {
    let items = prop::collection::vec(item(), 0..6).prop_map(|items| items.concat());
    items.prop_recursive(3, 24, 4, |inner| {
        (
            prop::collection::vec(item(), 0..3),
            prop::sample::select(vec!["resource \"a\" \"b\"", "locals", "dynamic \"d\""]),
            gap(),
            inner,
            prop::collection::vec(item(), 0..3),
        )
            .prop_map(|(before, header, g, nested, after)| {
                let block = if nested.is_empty() {
                    format!("{header}{g}{{}}\n")
                } else {
                    format!("{header}{g}{{\n{nested}}}\n")
                };
                format!("{}{block}{}", before.concat(), after.concat())
            })
    })
}

/// A generated source file: a body with placeholders filled in.
fn source() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["", "\n", "\n\n  "]), body())
        .prop_map(|(lead, body)| fill_keys(&format!("{lead}{body}")))
}

/// Rewrites the whitespace of `text`: each space, tab and line break is
/// replaced by a choice from `choices` (cycled through).
fn perturb(text: &str, choices: &[u8]) -> String {
    const SPACES: [&str; 5] = ["", " ", "  ", "\t", " "];
    const BREAKS: [&str; 4] = ["\n", "\n\n", " \n", "\n   "];
    let mut out = String::new();
    let mut next = choices.iter().cycle();
    for ch in text.chars() {
        let pick = usize::from(next.next().copied().unwrap_or(0));
        match ch {
            ' ' | '\t' => out.push_str(SPACES[pick % SPACES.len()]),
            '\n' => out.push_str(BREAKS[pick % BREAKS.len()]),
            _ => out.push(ch),
        }
    }
    out
}

/// Inputs of the example cases above, for perturbation.
const EXAMPLES: &[&str] = &[
    CANONICAL,
    MESSY,
    "a = [for s in var.list: upper(s)]\nb = {for k,v in var.map: k=>v if v != null}\n",
    "a = var.x ? -1 : !var.y\nb = aws_instance.web[*].id\nc = f(x...)\n",
    "list = [\n1, # one\n  2, /* two */\n]\nobj = {\n a = 1 # c\n bb : 2\n}\n",
    "x = [{\n  a = 1\n  }, {\n  b = 2\n}]\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_sources_format_stably(source in source()) {
        prop_assert!(
            hcl_edit::parser::parse_body(&source).is_ok(),
            "generator produced invalid HCL:\n{}",
            source
        );
        check_properties(&source)?;
        assert_no_trailing_whitespace(&format_source(&source).unwrap_or_default())?;
    }

    #[test]
    fn perturbed_examples_format_stably(
        index in 0..EXAMPLES.len(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        check_properties(&perturb(EXAMPLES[index], &choices))?;
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        check_properties(&text)?;
    }

    #[test]
    fn never_panics_on_hcl_like_text(
        text in "[a-z0-9 =\\[\\]{}(),.\"#/*\n<>!?:$%~&|+-]{0,80}",
    ) {
        check_properties(&text)?;
    }
}
