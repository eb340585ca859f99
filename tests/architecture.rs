//! The layering of ARCHITECTURE.md, checked on the source text: every path a file of `src/`
//! names (`crate::…`, `super::…`, `self::…`, a child module) is resolved to the file that
//! defines it, and
//!
//! * the top-level module of that file must sit on a lower layer than the file's own (or be a
//!   peer the table allows); an item named through the crate root (`crate::Result`) depends on
//!   `lib.rs`, which re-exports everything, and counts as layer 9;
//! * the files of `src/`, keyed by their full module path, must not name each other in a
//!   circle. A module's root file (`mod.rs`) is its facade: the arrows between it and its own
//!   descendants are left out, every other arrow counts, and a name a `mod.rs` re-exports
//!   (`pub use child::Name`) is followed to the child that defines it.
//!
//! Test modules (`#[cfg(test)] mod tests` at the end of a file) are left out: a test may build
//! its fixtures from any layer.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Layer of each top-level module, lowest first. A module may use modules of a lower layer;
/// inside a layer, only the pairs in `PEERS` are allowed.
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("files", 1),
    ("validation", 1),
    ("math", 1),
    ("backend", 1),
    ("records", 2),
    ("nn", 2),
    ("images", 3),
    ("prior", 3),
    ("constraint", 4),
    ("sampler", 4),
    ("objective", 5),
    ("metrics", 5),
    ("experiment", 6),
    ("export", 7),
    ("cli", 8),
    ("app", 8),
    ("main", 9),
    ("lib", 9),
];

/// Allowed arrows between modules of one layer.
const PEERS: &[(&str, &str)] = &[("prior", "images")];

fn layer(module: &str) -> u32 {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module `{module}` has no layer in tests/architecture.rs"))
}

/// A module path from the crate root: `[]` is `lib.rs`, `["app", "views"]` is
/// `app/views/mod.rs`, `["app", "views", "data"]` is `app/views/data.rs`.
type ModPath = Vec<String>;

/// The top-level module a path belongs to (`lib` for the crate root).
fn top(path: &[String]) -> &str {
    path.first().map_or("lib", String::as_str)
}

struct SourceFile {
    /// `src/app/views/data.rs`, for messages.
    shown: String,
    module: ModPath,
    code: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its inline test modules
/// (`#[cfg(test)] mod tests { … }`, `#[cfg(test)] pub(crate) mod test_support { … }`).
fn code(text: &str) -> String {
    let text: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let header_end = item.find(['{', ';']).unwrap_or(item.len());
        let is_inline_module =
            item[..header_end].contains("mod ") && item[header_end..].starts_with('{');
        if !is_inline_module {
            rest = after;
            continue;
        }
        let body = &item[header_end + 1..];
        rest = &body[group_body(body).len()..];
        rest = rest.strip_prefix('}').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

fn module_of(rel: &Path) -> ModPath {
    let mut parts: ModPath = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn sources_in(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(src).unwrap();
            SourceFile {
                shown: format!("src/{}", rel.display()),
                module: module_of(rel),
                code: code(&fs::read_to_string(&path).unwrap()),
            }
        })
        .collect()
}

fn sources() -> Vec<SourceFile> {
    sources_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The text of a `{…}` group (after its opening brace) up to the matching brace.
fn group_body(text: &str) -> &str {
    let mut depth = 0;
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return &text[..at],
            '}' => depth -= 1,
            _ => {}
        }
    }
    text
}

/// The items of a group, split at its top-level commas.
fn group_items(body: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0, 0, Vec::new());
    for (at, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&body[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

/// Every full path spelled from the start of `text`: `a::b::{c, d::{e, self}}` gives
/// `a::b::c`, `a::b::d::e` and `a::b::d`.
fn expand(text: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut out = Vec::new();
            for item in group_items(group_body(group)) {
                if item.trim().is_empty() {
                    continue;
                }
                for tail in expand(item) {
                    let mut full = segments.clone();
                    full.extend(tail.into_iter().filter(|s| s != "self"));
                    out.push(full);
                }
            }
            if out.is_empty() {
                out.push(segments);
            }
            return out;
        }
        let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
        if ident.is_empty() {
            return vec![segments];
        }
        rest = &rest[ident.len()..];
        segments.push(ident);
        match rest.trim_start().strip_prefix("::") {
            Some(after) => rest = after,
            None => return vec![segments],
        }
    }
}

/// The modules of `src/`, and what each `mod.rs` re-exports from where.
struct Crate {
    modules: BTreeSet<ModPath>,
    /// (module, name) → the path it re-exports.
    reexports: BTreeMap<(ModPath, String), Vec<String>>,
}

impl Crate {
    fn new(files: &[SourceFile]) -> Self {
        let modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
        let mut krate = Self {
            modules,
            reexports: BTreeMap::new(),
        };
        let mut reexports = BTreeMap::new();
        for file in files {
            // The crate root's re-exports stay arrows to lib.rs (see the module comment).
            if file.module.is_empty() {
                continue;
            }
            let mut rest = file.code.as_str();
            while let Some(at) = rest.find("pub use ") {
                rest = &rest[at + "pub use ".len()..];
                let statement = &rest[..rest.find(';').unwrap_or(rest.len())];
                for path in krate.absolute_paths(file, statement, true) {
                    if let Some(name) = path.last() {
                        reexports.insert((file.module.clone(), name.clone()), path);
                    }
                }
            }
        }
        krate.reexports = reexports;
        krate
    }

    /// The paths `text` spells at its start, made absolute, or none when it does not start
    /// with `crate::`, `super::`, `self::` or (in a `use`, or anywhere for a child module) a
    /// module's own child.
    fn absolute_paths(&self, file: &SourceFile, text: &str, in_use: bool) -> Vec<Vec<String>> {
        let mut base = file.module.clone();
        let mut rest = text.trim_start();
        let mut anchored = false;
        if let Some(after) = rest.strip_prefix("crate::") {
            base.clear();
            rest = after;
            anchored = true;
        } else if let Some(after) = rest.strip_prefix("self::") {
            rest = after;
            anchored = true;
        } else {
            // A non-root file's own module is itself; `super` is its parent.
            while let Some(after) = rest.strip_prefix("super::") {
                base.pop();
                rest = after.trim_start();
                anchored = true;
            }
        }
        let paths = expand(rest);
        paths
            .into_iter()
            .filter(|tail| {
                anchored || {
                    let mut child = base.clone();
                    child.extend(tail.first().cloned());
                    (in_use || tail.len() > 1) && self.modules.contains(&child)
                }
            })
            .map(|tail| {
                let mut full = base.clone();
                full.extend(tail);
                full
            })
            .collect()
    }

    /// The module whose file defines what `path` names.
    fn resolve(&self, path: &[String], depth: usize) -> ModPath {
        for len in (0..=path.len()).rev() {
            let prefix = path[..len].to_vec();
            if !self.modules.contains(&prefix) {
                continue;
            }
            if let Some(name) = path.get(len)
                && depth < 8
                && let Some(source) = self.reexports.get(&(prefix.clone(), name.clone()))
            {
                return self.resolve(source, depth + 1);
            }
            return prefix;
        }
        Vec::new()
    }

    /// The modules a file names, resolved to their files.
    fn targets(&self, file: &SourceFile) -> BTreeSet<ModPath> {
        let code = &file.code;
        let mut paths = Vec::new();
        // `use` statements first, whole (their groups name several paths).
        let mut in_use = Vec::new();
        for (at, _) in code.match_indices("use ") {
            if code[..at].chars().last().is_some_and(is_ident) {
                continue;
            }
            let start = at + "use ".len();
            let end = code[start..].find(';').map_or(code.len(), |e| start + e);
            paths.extend(self.absolute_paths(file, &code[start..end], true));
            in_use.push(start..end);
        }
        for (at, _) in code.match_indices("::") {
            if in_use.iter().any(|range| range.contains(&at)) {
                continue;
            }
            // The start of the path this `::` belongs to.
            let start = code[..at]
                .char_indices()
                .rev()
                .find(|&(_, c)| !(is_ident(c) || c == ':'))
                .map_or(0, |(i, c)| i + c.len_utf8());
            if code[start..at].contains("::") {
                continue; // an inner `::` of a path already seen from its start
            }
            paths.extend(self.absolute_paths(file, &code[start..], false));
        }
        paths
            .iter()
            .map(|path| self.resolve(path, 0))
            .filter(|resolved| *resolved != file.module)
            .collect()
    }
}

/// Whether `a` is `b` or one of its ancestors.
fn is_ancestor(a: &[String], b: &[String]) -> bool {
    b.starts_with(a)
}

fn shown(module: &[String]) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("::")
    }
}

/// The arrows that go up or across a layer, as messages.
fn layer_violations(files: &[SourceFile]) -> Vec<String> {
    let krate = Crate::new(files);
    let mut wrong = Vec::new();
    for file in files {
        let own_top = top(&file.module);
        let own = layer(own_top);
        for target in krate.targets(file) {
            let theirs_top = top(&target);
            if theirs_top == own_top {
                continue;
            }
            let theirs = layer(theirs_top);
            let peer = PEERS.contains(&(own_top, theirs_top));
            if theirs > own || (theirs == own && !peer) {
                wrong.push(format!(
                    "{} uses {} (layer {theirs} ≥ {own})",
                    file.shown,
                    shown(&target)
                ));
            }
        }
    }
    wrong
}

/// The circles among the files, each as `a → b → a` (one per arrow that closes a circle in a
/// depth-first walk, so every circle shows up in at least one of them).
fn find_circles(files: &[SourceFile]) -> Vec<Vec<String>> {
    let krate = Crate::new(files);
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for file in files {
        let edges = krate
            .targets(file)
            .into_iter()
            .filter(|t| !is_ancestor(t, &file.module) && !is_ancestor(&file.module, t))
            .collect();
        graph.insert(file.module.clone(), edges);
    }
    fn visit(
        node: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        state: &mut BTreeMap<ModPath, u8>,
        path: &mut Vec<ModPath>,
        circles: &mut Vec<Vec<String>>,
    ) {
        match state.get(node) {
            Some(1) => {
                let start = path.iter().position(|p| p == node).unwrap_or(0);
                let mut circle: Vec<String> = path[start..].iter().map(|m| shown(m)).collect();
                circle.push(shown(node));
                circles.push(circle);
                return;
            }
            Some(2) => return,
            _ => {}
        }
        state.insert(node.clone(), 1);
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                visit(next, graph, state, path, circles);
            }
        }
        path.pop();
        state.insert(node.clone(), 2);
    }
    let (mut state, mut circles) = (BTreeMap::new(), Vec::new());
    for node in graph.keys() {
        visit(node, &graph, &mut state, &mut Vec::new(), &mut circles);
    }
    circles
}

#[test]
fn no_module_uses_a_module_above_it() {
    let wrong = layer_violations(&sources());
    assert!(
        wrong.is_empty(),
        "arrows up or across a layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_files_form_a_circle() {
    let circles: Vec<String> = find_circles(&sources())
        .iter()
        .map(|c| c.join(" → "))
        .collect();
    assert!(
        circles.is_empty(),
        "files in a circle:\n{}",
        circles.join("\n")
    );
}

/// A crate of the given files (path under `src/`, text), for testing the checker itself.
fn fake_crate(files: &[(&str, &str)]) -> Vec<SourceFile> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    sources_in(dir.path())
}

#[test]
fn the_checker_sees_grouped_inline_and_relative_paths() {
    let files = fake_crate(&[
        ("lib.rs", "pub mod math; pub mod prior; pub mod metrics;"),
        ("math/mod.rs", "mod points; pub use points::Points;"),
        ("math/points.rs", "pub struct Points;"),
        ("prior/mod.rs", "pub mod flow; pub struct ReferenceProcess;"),
        ("prior/flow.rs", ""),
        ("metrics/mod.rs", "pub mod sir; pub mod log_z;"),
        ("metrics/log_z.rs", ""),
        (
            "metrics/sir.rs",
            "use crate::{math::Points, prior::{ReferenceProcess, flow}};\n\
             fn f() { let x = super::log_z::estimate(); foo_crate::nothing(); }",
        ),
    ]);
    let krate = Crate::new(&files);
    let sir = files.iter().find(|f| f.shown.ends_with("sir.rs")).unwrap();
    let found: BTreeSet<String> = krate.targets(sir).iter().map(|m| shown(m)).collect();
    let expected: BTreeSet<String> = ["math::points", "prior", "prior::flow", "metrics::log_z"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn test_modules_are_left_out_wherever_they_are() {
    let text = "use crate::a::X;\n#[cfg(test)]\npub(crate) mod test_support {\n    use super::Y;\n    fn f() { if x { } }\n}\nuse crate::b::Z;\n#[cfg(test)]\nuse crate::c::W;\n";
    let kept = code(text);
    assert!(
        kept.contains("crate::a::X") && kept.contains("crate::b::Z"),
        "{kept}"
    );
    assert!(!kept.contains("super::Y"), "{kept}");
    // A test-only `use` outside a module still counts: it is compiled into the module.
    assert!(kept.contains("crate::c::W"), "{kept}");
}

#[test]
fn the_checker_finds_circles_through_nested_files_and_reexports() {
    // The shape of app/noise_view.rs → app/views/mod.rs → app/state.rs → app/noise_view.rs.
    let nested = fake_crate(&[
        ("lib.rs", "pub mod app;"),
        ("app/mod.rs", "mod noise_view; mod state; mod views;"),
        ("app/noise_view.rs", "use super::views::{PRIOR, plot};"),
        (
            "app/views/mod.rs",
            "mod data; use crate::app::state::Detail;",
        ),
        ("app/views/data.rs", "use super::super::state::Detail;"),
        ("app/state.rs", "use super::noise_view::Heatmap;"),
    ]);
    let circles = find_circles(&nested);
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(
        circles[0].contains(&"app::views".to_string()),
        "{circles:?}"
    );
    // Two files in different sub-folders are different nodes: a re-export is followed to the
    // file that defines the name.
    let reexported = fake_crate(&[
        ("lib.rs", "pub mod constraint;"),
        ("constraint/mod.rs", "pub mod energy; pub mod targets;"),
        ("constraint/energy.rs", "use super::targets::Funnel;"),
        (
            "constraint/targets/mod.rs",
            "mod funnel; mod warp; pub use funnel::Funnel;",
        ),
        ("constraint/targets/funnel.rs", ""),
        (
            "constraint/targets/warp.rs",
            "use crate::constraint::energy::Energy;",
        ),
    ]);
    assert!(find_circles(&reexported).is_empty());
    let circle = fake_crate(&[
        ("lib.rs", "pub mod constraint;"),
        ("constraint/mod.rs", "pub mod energy; pub mod targets;"),
        ("constraint/energy.rs", "use super::targets::Funnel;"),
        (
            "constraint/targets/mod.rs",
            "mod funnel; pub use funnel::Funnel;",
        ),
        (
            "constraint/targets/funnel.rs",
            "use crate::constraint::energy::Energy;",
        ),
    ]);
    assert_eq!(find_circles(&circle).len(), 1);
    // An item named through the crate root is an arrow to lib.rs.
    let root = fake_crate(&[
        (
            "lib.rs",
            "pub mod error; pub mod math; pub use error::Result;",
        ),
        ("error.rs", "pub type Result = ();"),
        ("math/mod.rs", "fn f() -> crate::Result {}"),
    ]);
    assert_eq!(layer_violations(&root).len(), 1);
}

#[test]
fn no_source_file_is_over_600_lines_and_the_app_root_is_under_300() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = fs::read_to_string(path).unwrap().lines().count();
            let limit = if path.ends_with("app/mod.rs") {
                300
            } else {
                600
            };
            (lines > limit).then(|| format!("{} ({lines} lines, limit {limit})", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over their limit: {}",
        long.join(", ")
    );
}
