//! The documentation's links: in `README.md` and every `docs/**/*.md`, each relative Markdown
//! link (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`, images and reference
//! definitions alike) must name a file or folder that exists, relative to the linking file, and
//! an anchor into a Markdown file must be one of its headings, slugged as GitHub does. External
//! `http(s)://` and `mailto:` links are not fetched. Links inside code (spans and fenced blocks)
//! are text, not links. Also keeps `README.md` under 200 lines: the details live in `docs/`.
//!
//! No store, no server: plain files, std only.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The README's line limit (it must stay strictly below).
const README_MAX_LINES: usize = 200;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

/// `README.md` and every `.md` under `docs/`, sorted.
fn documentation_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut folders = vec![root.join("docs")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else { continue };
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A link found in a Markdown file.
#[derive(Debug, PartialEq)]
struct Link {
    line: usize,
    text: String,
    target: String,
}

/// The lines of a Markdown file, numbered from 1, with fenced code blocks left out.
fn prose_lines(markdown: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => lines.push((i + 1, line)),
            _ => {}
        }
    }
    lines
}

/// A line with its code spans blanked out (their text is not Markdown).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[start..start + ticks];
        out.push_str(&rest[..start]);
        match rest[start + ticks..].find(fence) {
            Some(len) => {
                out.push_str(&" ".repeat(ticks * 2 + len));
                rest = &rest[start + ticks * 2 + len..];
            }
            None => {
                out.push_str(fence);
                rest = &rest[start + ticks..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The inline links `[text](target)` and reference definitions `[label]: target` of a file,
/// each with the line its `[` is on. A link's text may run over several lines of a paragraph;
/// its target may not. A target's optional title (`"..."`) and angle brackets are dropped.
fn links(markdown: &str) -> Vec<Link> {
    // The prose as one text (code blanked, fenced blocks as empty lines), and where each line starts.
    let mut text = String::new();
    let mut starts = Vec::new();
    let mut found = Vec::new();
    let mut prose = prose_lines(markdown).into_iter().peekable();
    for line_no in 1..=markdown.lines().count() {
        starts.push(text.len());
        if prose.peek().is_some_and(|(n, _)| *n == line_no) {
            let (_, line) = prose.next().expect("peeked");
            let line = without_code_spans(line);
            if let Some((label, target)) = reference_definition(&line) {
                found.push(Link { line: line_no, text: label.to_owned(), target: clean_target(target) });
            } else {
                text.push_str(&line);
            }
        }
        text.push('\n');
    }
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset);
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(close) = text[i..].find("](").map(|p| p + i) {
        // The text runs back to the matching `[` (brackets nest, as in an image inside a link),
        // not past a blank line.
        let mut depth = 0;
        let mut open = None;
        for j in (i..close).rev() {
            match bytes[j] {
                b']' => depth += 1,
                b'[' if depth == 0 => {
                    open = Some(j);
                    break;
                }
                b'[' => depth -= 1,
                b'\n' if j > 0 && bytes[j - 1] == b'\n' => break,
                _ => {}
            }
        }
        // The target runs to the `)` that balances the `(`, on the same line.
        let start = close + 2;
        let mut depth = 0;
        let mut end = None;
        for (j, &b) in bytes.iter().enumerate().skip(start) {
            match b {
                b'(' => depth += 1,
                b')' if depth == 0 => {
                    end = Some(j);
                    break;
                }
                b')' => depth -= 1,
                b'\n' => break,
                _ => {}
            }
        }
        match (open, end) {
            (Some(open), Some(end)) => {
                found.push(Link {
                    line: line_of(open),
                    text: text[open + 1..close].split_whitespace().collect::<Vec<_>>().join(" "),
                    target: clean_target(&text[start..end]),
                });
                i = end + 1;
            }
            _ => i = start,
        }
    }
    found.sort_by_key(|l| l.line);
    found
}

/// `[label]: target` at the start of a line (up to three spaces of indent).
fn reference_definition(line: &str) -> Option<(&str, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.trim_start_matches(' ').strip_prefix('[').filter(|_| indent <= 3)?;
    let (label, after) = rest.split_once("]:")?;
    let target = after.trim();
    (!label.is_empty() && !target.is_empty()).then_some((label, target))
}

fn clean_target(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(inner) = raw.strip_prefix('<').and_then(|r| r.split_once('>')) {
        return inner.0.to_owned();
    }
    raw.split_whitespace().next().unwrap_or("").to_owned()
}

/// Links the check leaves alone: other sites and other schemes.
fn is_external(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// GitHub's anchor for a heading: lower-case, spaces to `-`, punctuation other than `-` and `_`
/// removed (letters and digits of any script stay).
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The text a heading shows: links as their text, code spans as their content.
fn heading_text(raw: &str) -> String {
    let mut text = String::new();
    let mut rest = raw;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|p| p + open) else { break };
        let Some(end) = rest[close..].find(')').map(|p| p + close) else { break };
        text.push_str(&rest[..open]);
        text.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    text.replace('`', "")
}

/// The anchors of a Markdown file's headings (`#` headings outside code), with GitHub's `-1`,
/// `-2`... for repeated ones.
fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anchors = Vec::new();
    for (_, line) in prose_lines(markdown) {
        let trimmed = line.trim_start();
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !(trimmed[hashes..].is_empty() || trimmed[hashes..].starts_with(' ')) {
            continue;
        }
        let text = trimmed[hashes..].trim().trim_end_matches('#').trim_end();
        let base = slug(&heading_text(text));
        let n = seen.entry(base.clone()).or_insert(0);
        anchors.push(if *n == 0 { base.clone() } else { format!("{base}-{n}") });
        *n += 1;
    }
    anchors
}

/// `%20` and friends, as a browser would read the path.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = path.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The path relative to the repository, for messages.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// Why a link is broken, or `None` when it resolves.
fn problem(root: &Path, file: &Path, target: &str) -> Option<String> {
    if target.is_empty() {
        return Some("empty target".into());
    }
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let path = percent_decoded(path.split('?').next().unwrap_or(path));
    if path.starts_with('/') {
        return Some("absolute path: write it relative to the linking file".into());
    }
    let resolved = if path.is_empty() { file.to_path_buf() } else { file.parent().expect("a folder").join(&path) };
    let normal = normalise(&resolved);
    if !normal.starts_with(root) {
        return Some(format!("{} is outside the repository", normal.display()));
    }
    if !normal.exists() {
        return Some(format!("no such file: {}", shown(root, &normal)));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if normal.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let markdown = fs::read_to_string(&normal).expect("a Markdown file");
    let known = anchors(&markdown);
    let anchor = percent_decoded(anchor);
    if known.contains(&anchor.to_lowercase()) {
        return None;
    }
    Some(format!("no heading #{anchor} in {} (its anchors: {})", shown(root, &normal), known.join(", ")))
}

/// `a/b/../c` as `a/c`, without touching the file system (the file may not exist).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn relative_links_in_readme_and_docs_resolve() {
    let root = repo_root();
    let files = documentation_files(&root);
    assert!(files.len() > 1, "README.md and docs/*.md should be found under {}", root.display());
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let markdown = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for link in links(&markdown) {
            if is_external(&link.target) {
                continue;
            }
            checked += 1;
            if let Some(why) = problem(&root, file, &link.target) {
                broken.push(format!("  {}:{}: [{}]({}): {why}", shown(&root, file), link.line, link.text, link.target));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} of {checked} relative links in README.md and docs/ are broken:\n{}\n",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn readme_stays_short() {
    let readme = fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines < README_MAX_LINES,
        "README.md has {lines} lines; keep it under {README_MAX_LINES}: move the details to a page in docs/ and link it"
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Stripe mirror and sales figures"), "stripe-mirror-and-sales-figures");
    assert_eq!(slug("Running on PostgreSQL, several instances"), "running-on-postgresql-several-instances");
    assert_eq!(slug("What `scripts/test` runs"), "what-scriptstest-runs");
    assert_eq!(slug("snake_case and dash-ed: 2 (ok)?"), "snake_case-and-dash-ed-2-ok");
    assert_eq!(slug(&heading_text("See [the docs](docs/README.md) `now`")), "see-the-docs-now");
    assert_eq!(anchors("# A\n## A\n```\n# not a heading\n```\n### A\n#hashtag\n"), ["a", "a-1", "a-2"]);
}

#[test]
fn links_are_found_outside_code_only() {
    let markdown = "See [a](a.md) and ![pic](img/p.png \"title\"), [x](<b c.md#d>).\n\
                    `[not](code.md)` and [--from D] [--to D]\n\
                    ```\n[not](fenced.md)\n```\n\
                    [ref]: docs/ref.md\n";
    let targets: Vec<(usize, String)> = links(markdown).into_iter().map(|l| (l.line, l.target)).collect();
    assert_eq!(
        targets,
        [
            (1, "a.md".to_owned()),
            (1, "img/p.png".to_owned()),
            (1, "b c.md#d".to_owned()),
            (6, "docs/ref.md".to_owned())
        ]
    );
    let wrapped = links("Read [the long\ntitle](long.md#part) or [none\n\nhere](x.md).\n");
    assert_eq!(wrapped, [Link { line: 1, text: "the long title".to_owned(), target: "long.md#part".to_owned() }]);
}
