//! `$...$` and `$$...$$` in notebook markdown, rendered to MathML Core at conversion time.
//!
//! Browsers draw MathML natively, so the built book shows formulas with no script and no
//! network (mdBook's own MathJax support loads from a CDN). Code spans and fenced code are left
//! alone, so `$` in shell snippets stays a dollar.

use pulldown_latex::config::{DisplayMode, RenderConfig};
use pulldown_latex::{push_mathml, Parser, Storage};

/// A formula that did not parse: the converter stops rather than print red LaTeX in the book.
#[derive(Debug, PartialEq, Eq)]
pub struct MathError {
    pub latex: String,
    pub message: String,
}

/// The markdown with every formula replaced by inline `<math>` markup.
pub fn render_markdown_math(markdown: &str) -> Result<String, MathError> {
    let mut out = String::with_capacity(markdown.len());
    let mut prose = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) => {
                out.push_str(line);
                if trimmed.starts_with(marker) {
                    fence = None;
                }
            }
            None if trimmed.starts_with("```") || trimmed.starts_with("~~~") => {
                out.push_str(&render_prose(&std::mem::take(&mut prose))?);
                out.push_str(line);
                fence = Some(&trimmed[..3]);
            }
            None => prose.push_str(line),
        }
    }
    out.push_str(&render_prose(&prose)?);
    Ok(out)
}

/// Prose between fences: formulas may span lines (`$$` blocks), code spans never hold math.
fn render_prose(text: &str) -> Result<String, MathError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['`', '$', '\\']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('\\') {
            // An escaped character (`\$` is a literal dollar) passes through as written.
            let len = rest[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&rest[..len]);
            rest = &rest[len..];
        } else if rest.starts_with('`') {
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let fence = &rest[..ticks];
            match rest[ticks..].find(fence) {
                Some(end) => {
                    let span = ticks + end + ticks;
                    out.push_str(&rest[..span]);
                    rest = &rest[span..];
                }
                None => {
                    out.push_str(fence);
                    rest = &rest[ticks..];
                }
            }
        } else if let Some(body) = rest.strip_prefix("$$") {
            match body.find("$$") {
                Some(end) => {
                    out.push_str(&mathml(body[..end].trim(), DisplayMode::Block)?);
                    rest = &body[end + 2..];
                }
                None => {
                    out.push_str("$$");
                    rest = body;
                }
            }
        } else {
            let body = &rest[1..];
            match inline_end(body) {
                Some(end) => {
                    out.push_str(&mathml(&body[..end], DisplayMode::Inline)?);
                    rest = &body[end + 1..];
                }
                None => {
                    out.push('$');
                    rest = body;
                }
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Where an inline formula opened by `$` ends, by pandoc's rule: the opening `$` is followed
/// by a non-space, the closing one follows a non-space and is not followed by a digit, and
/// the formula stays within its paragraph. `None`: a plain dollar sign.
fn inline_end(body: &str) -> Option<usize> {
    if body.starts_with(char::is_whitespace) || body.is_empty() {
        return None;
    }
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' => escaped = !escaped,
            '$' if !escaped => {
                let before = body[..i].chars().next_back();
                let after = body[i + 1..].chars().next();
                let closes = i > 0
                    && !before.is_some_and(char::is_whitespace)
                    && !after.is_some_and(|a| a.is_ascii_digit());
                return closes.then_some(i);
            }
            '\n' if body[i + 1..]
                .trim_start_matches([' ', '\t'])
                .starts_with('\n') =>
            {
                return None;
            }
            _ => escaped = false,
        }
    }
    None
}

fn mathml(latex: &str, display: DisplayMode) -> Result<String, MathError> {
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(latex, &storage).collect();
    if let Some(Err(e)) = events.iter().find(|e| e.is_err()) {
        return Err(MathError {
            latex: latex.to_string(),
            message: e.to_string(),
        });
    }
    let config = RenderConfig {
        display_mode: display,
        annotation: Some(latex),
        ..RenderConfig::default()
    };
    let mut markup = String::new();
    push_mathml(&mut markup, events.into_iter(), config).map_err(|e| MathError {
        latex: latex.to_string(),
        message: e.to_string(),
    })?;
    Ok(shield_from_markdown(&markup))
}

/// mdBook's markdown parser passes tags through but still reads the text between them: one
/// line, and markdown's punctuation as character references, keep `*`, `_` and `\` literal.
fn shield_from_markdown(markup: &str) -> String {
    let mut out = String::with_capacity(markup.len());
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ => {}
        }
        match c {
            '\n' | '\r' => out.push(' '),
            '*' | '_' | '\\' | '`' | '[' | ']' | '$' | '~' if !in_tag => {
                out.push_str(&format!("&#{};", c as u32));
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_display_formulas_become_mathml() {
        let out = render_markdown_math("width $W_{out}$ is\n\n$$ \\frac{W - K + 2P}{S} + 1 $$\n")
            .unwrap();
        assert_eq!(out.matches("<math").count(), 2, "{out}");
        assert!(out.contains("display=\"block\""), "{out}");
        assert!(out.contains("<mfrac>"), "{out}");
        assert!(!out.contains('$'), "{out}");
        // The LaTeX source travels along as an annotation; its `_` is shielded from markdown.
        assert!(out.contains("W&#95;{out}"), "{out}");
    }

    #[test]
    fn code_and_dollars_that_are_not_math_stay_as_written() {
        let text = "run `echo $HOME $PATH` and\n```sh\nexport A=$B$C\n```\ncosts $5 and $6 in all, \\$7 more";
        assert_eq!(render_markdown_math(text).unwrap(), text);
    }

    #[test]
    fn a_formula_does_not_run_across_paragraphs() {
        let text = "a $x\n\nb$ c";
        assert_eq!(render_markdown_math(text).unwrap(), text);
    }

    #[test]
    fn bad_latex_is_an_error_naming_the_formula() {
        let err = render_markdown_math("see $\\frac{1}$").unwrap_err();
        assert_eq!(err.latex, "\\frac{1}");
    }
}
