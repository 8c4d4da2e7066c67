//! Finds the likely cause of a syntax error. The parser reports where it gave up, which for an
//! unclosed string or block is often far below the mistake (at the end of the file, say). A
//! light scan of strings, comments, heredocs and brackets finds the string that runs off its line
//! or the bracket that is never closed, so the diagnostic can point there.

use std::ops::Range;

/// A probable cause of a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub range: Range<usize>,
    pub message: String,
    pub label: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Brace,
    Bracket,
    Paren,
    /// `${` or `%{` inside a string: its `}` returns to the string.
    Interpolation,
}

/// Scans `text` for an unterminated string, a mismatched closing bracket, or an unclosed bracket.
pub fn find(text: &str) -> Option<Hint> {
    let bytes = text.as_bytes();
    // (kind, offset) of open brackets; strings are tracked by `string_start`.
    let mut open: Vec<(Open, usize)> = Vec::new();
    let mut string_start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(start) = string_start {
            match c {
                b'\\' => i += 1,
                b'"' => string_start = None,
                b'\n' => {
                    return Some(Hint {
                        range: start..start + 1,
                        message: "this string is not closed before the end of its line".into(),
                        label: "string starts here".into(),
                    })
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&c) && bytes.get(i + 2) == Some(&b'{') => {
                    i += 2; // an escaped $${ or %%{ is literal text
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    open.push((Open::Interpolation, start));
                    string_start = None;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'#' => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map(|p| i + 2 + p + 2)
                    .unwrap_or(bytes.len());
                continue;
            }
            b'"' => string_start = Some(i),
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                if let Some(end) = skip_heredoc(text, i) {
                    i = end;
                    continue;
                }
            }
            b'{' => open.push((Open::Brace, i)),
            b'[' => open.push((Open::Bracket, i)),
            b'(' => open.push((Open::Paren, i)),
            b'}' | b']' | b')' => {
                let expected = match c {
                    b'}' => [Open::Brace, Open::Interpolation],
                    b']' => [Open::Bracket, Open::Bracket],
                    _ => [Open::Paren, Open::Paren],
                };
                match open.pop() {
                    Some((kind, start)) if expected.contains(&kind) => {
                        if kind == Open::Interpolation {
                            string_start = Some(start);
                        }
                    }
                    Some((kind, start)) => {
                        return Some(Hint {
                            range: start..start + 1,
                            message: format!(
                                "this {} is closed by `{}`",
                                describe(kind),
                                c as char
                            ),
                            label: "opened here".into(),
                        })
                    }
                    None => {
                        return Some(Hint {
                            range: i..i + 1,
                            message: format!("`{}` closes nothing", c as char),
                            label: "no matching opening bracket".into(),
                        })
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(start) = string_start {
        return Some(Hint {
            range: start..start + 1,
            message: "this string is never closed".into(),
            label: "string starts here".into(),
        });
    }
    open.pop().map(|(kind, start)| Hint {
        range: start..start + 1,
        message: format!("this {} is never closed", describe(kind)),
        label: "opened here".into(),
    })
}

fn describe(kind: Open) -> &'static str {
    match kind {
        Open::Brace => "`{`",
        Open::Bracket => "`[`",
        Open::Paren => "`(`",
        Open::Interpolation => "interpolation",
    }
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|p| i + p)
        .unwrap_or(bytes.len())
}

/// Skips `<<EOT ... EOT` (or `<<-EOT`); returns the offset after the closing delimiter line.
fn skip_heredoc(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at + 2..];
    let rest_trimmed = rest.strip_prefix('-').unwrap_or(rest);
    let name_len = rest_trimmed
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &rest_trimmed[..name_len];
    let header_end = at + 2 + (rest.len() - rest_trimmed.len()) + name_len;
    let body_start = text[header_end..].find('\n')? + header_end + 1;
    let mut offset = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        offset += line.len();
        if line.trim() == name {
            return Some(offset);
        }
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn hints() {
        let cases: &[(&str, Option<(usize, &str)>)] = &[
            ("a = \"x\"\nb = {\n  c = 1\n}\n", None),
            (
                "a = \"unterminated\nb = 1\n",
                Some((4, "this string is not closed before the end of its line")),
            ),
            (
                "resource \"x\" \"y\" {\n  a = 1\n",
                Some((17, "this `{` is never closed")),
            ),
            ("a = [1, 2)\n", Some((4, "this `[` is closed by `)`"))),
            (
                "a = \"${var.x}\"\nb = }\n",
                Some((19, "`}` closes nothing")),
            ),
            ("a = <<EOT\n  \"odd { quote\nEOT\nb = 1\n", None),
            ("# a \"comment\n/* { */ a = \"$${not}\"\n", None),
            ("a = \"${ {x = \"}\"}.x }\"\n", None),
        ];
        for (text, expected) in cases {
            let got = find(text).map(|h| (h.range.start, h.message));
            let expected = expected.map(|(o, m)| (o, m.to_string()));
            assert_eq!(got, expected, "{text:?}");
        }
    }
}
