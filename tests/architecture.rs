//! The layering of ARCHITECTURE.md, checked on the source text: every `crate::module` a file of
//! `src/` names must sit on a lower layer than the file's own module (or be a peer the table
//! allows), and the files inside one module must not name each other in a circle.
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

/// The code of a file without comments and without its trailing test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment of every name used after `prefix` (`crate::`, `super::`), including
/// each item of a `prefix{a::b, c}` group.
fn targets(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(first_segment(&item));
        } else {
            out.insert(first_segment(rest));
        }
    }
    out.remove("");
    out.remove("*");
    out.remove("self");
    out
}

fn first_segment(text: &str) -> String {
    text.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '*')
        .collect()
}

struct SourceFile {
    /// Top-level module (`prior`), or the file stem for top-level files (`cli`).
    module: String,
    /// File stem inside its module (`training`), `mod` for the module's root.
    stem: String,
    code: String,
}

fn sources() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).unwrap();
            let parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            let module = parts[0].clone();
            let stem = if parts.len() == 1 {
                "mod".to_string()
            } else {
                parts[1].clone()
            };
            SourceFile {
                module,
                stem,
                code: code(&fs::read_to_string(&path).unwrap()),
            }
        })
        .collect()
}

#[test]
fn no_module_uses_a_module_above_it() {
    let mut wrong = Vec::new();
    for file in sources() {
        let own = layer(&file.module);
        for target in targets(&file.code, "crate::") {
            if target == file.module || target.chars().next().is_some_and(char::is_uppercase) {
                continue;
            }
            let theirs = layer(&target);
            let peer = PEERS.contains(&(file.module.as_str(), target.as_str()));
            if theirs > own || (theirs == own && !peer) {
                wrong.push(format!(
                    "src/{}/{}.rs uses crate::{target} (layer {theirs} ≥ {own})",
                    file.module, file.stem
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows up or across a layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn files_of_one_module_form_no_circle() {
    let mut graphs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in sources() {
        if file.stem == "mod" {
            continue;
        }
        let siblings = targets(&file.code, "super::");
        let mut own = targets(&file.code, &format!("crate::{}::", file.module));
        own.extend(siblings);
        graphs
            .entry(file.module.clone())
            .or_default()
            .insert(file.stem.clone(), own);
    }
    for (module, graph) in &graphs {
        // Depth-first search for a back edge.
        fn visit(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            state: &mut BTreeMap<String, u8>,
            path: &mut Vec<String>,
        ) -> Option<Vec<String>> {
            match state.get(node) {
                Some(1) => {
                    let start = path.iter().position(|p| p == node).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(node.to_string());
                    return Some(cycle);
                }
                Some(2) => return None,
                _ => {}
            }
            state.insert(node.to_string(), 1);
            path.push(node.to_string());
            for next in graph.get(node).into_iter().flatten() {
                if graph.contains_key(next)
                    && let Some(cycle) = visit(next, graph, state, path)
                {
                    return Some(cycle);
                }
            }
            path.pop();
            state.insert(node.to_string(), 2);
            None
        }
        let mut state = BTreeMap::new();
        for node in graph.keys() {
            let mut path = Vec::new();
            if let Some(cycle) = visit(node, graph, &mut state, &mut path) {
                panic!("files of src/{module}/ in a circle: {}", cycle.join(" → "));
            }
        }
    }
}

#[test]
fn the_checker_sees_grouped_and_inline_paths() {
    let code = "use crate::{math::Points, prior::{Reference, flow}};\nlet x = crate::metrics::sir::resample();\nfoo_crate::nothing";
    let found = targets(code, "crate::");
    let expected: BTreeSet<String> = ["math", "prior", "metrics"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn no_source_file_is_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = fs::read_to_string(path).unwrap().lines().count();
            (lines > 600).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 600 lines: {}", long.join(", "));
}
