//! Which files are measured, with coverage.py's meaning of `source`, `include` and `omit`,
//! and coverage.py's file-pattern globs.

use regex::Regex;

use crate::error::{Error, Result};

/// A compiled set of coverage.py file patterns (`include`, `omit`).
#[derive(Debug, Clone)]
pub struct GlobSet {
    regex: Option<Regex>,
}

impl GlobSet {
    /// Compile patterns, made absolute against `cwd` the way coverage.py does: a pattern that
    /// does not start with a wildcard also matches as an absolute path under `cwd`.
    pub fn new(patterns: &[String], cwd: &str) -> Result<GlobSet> {
        if patterns.is_empty() {
            return Ok(GlobSet { regex: None });
        }
        let mut alternatives = Vec::new();
        for pattern in patterns {
            alternatives.push(glob_to_regex(pattern)?);
            if !pattern.starts_with('*') && !pattern.starts_with('?') {
                alternatives.push(glob_to_regex(&absolute(pattern, cwd))?);
            }
        }
        let joined = alternatives
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|");
        let regex = Regex::new(&format!(r"\A(?:{joined})\z"))
            .map_err(|e| Error::Config(format!("bad file pattern in {patterns:?}: {e}")))?;
        Ok(GlobSet { regex: Some(regex) })
    }

    pub fn is_empty(&self) -> bool {
        self.regex.is_none()
    }

    pub fn matches(&self, path: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(path))
    }
}

fn absolute(pattern: &str, cwd: &str) -> String {
    if pattern.starts_with('/') {
        normalize(pattern)
    } else {
        normalize(&format!("{}/{}", cwd.trim_end_matches('/'), pattern))
    }
}

/// Collapse `.`, `..` and repeated slashes in an absolute path, without touching the disk.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        "/".to_string()
    } else {
        out
    }
}

/// Translate one coverage.py glob into a regex: `*` and `?` stay within one path component,
/// `**/` spans directories, a pattern without a slash matches a file name anywhere, a leading
/// `*/` matches any prefix and a trailing `/*` any suffix.
pub fn glob_to_regex(pattern: &str) -> Result<String> {
    let pattern = pattern.replace('\\', "/");
    let pattern = if pattern.contains('/') {
        pattern
    } else {
        format!("**/{pattern}")
    };
    let bad = |what: &str| Error::Config(format!("File pattern can't include {what:?}"));
    if pattern.contains("***") {
        return Err(bad("***"));
    }
    if pattern.contains("**/**") {
        return Err(bad("**/**"));
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().collect();
        if i == 0 && (rest.starts_with("*/") || rest.starts_with("**/")) {
            // A leading run of stars then a slash: any prefix ending in a slash, or nothing.
            let stars = rest.chars().take_while(|&c| c == '*').count();
            out.push_str(r"(?:.*[/\\])?");
            i += stars + 1;
        } else if rest == "/*" || (rest.starts_with("/*") && rest[1..].chars().all(|c| c == '*')) {
            out.push_str(r"[/\\].*");
            i = chars.len();
        } else if rest.starts_with("**/") {
            if i > 0 && chars[i - 1] != '/' {
                return Err(bad("x**"));
            }
            out.push_str(r"(?:.*[/\\])?");
            i += 3;
        } else if rest.starts_with("**") {
            return Err(bad("**x"));
        } else {
            let c = chars[i];
            match c {
                '/' => out.push_str(r"[/\\]"),
                '*' => out.push_str(r"[^/\\]*"),
                '?' => out.push_str(r"[^/\\]"),
                '[' => {
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&c| c == ']')
                        .ok_or_else(|| bad("["))?;
                    let class: String = chars[i..i + close + 2].iter().collect();
                    out.push_str(&class);
                    i += close + 1;
                }
                ']' => return Err(bad("]")),
                c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => out.push(c),
                c => out.push_str(&regex::escape(&c.to_string())),
            }
            i += 1;
        }
    }
    Ok(out)
}

/// The decision "is this file measured?", made once per file by the tracer.
#[derive(Debug, Clone)]
pub struct FileFilter {
    /// Directories (or single files) named by `source`, absolute: matched by path.
    pub source: Vec<String>,
    /// Packages named by `source` (entries that are not directories) and `source_pkgs`:
    /// matched by module name, as coverage.py matches them, wherever their files are.
    pub source_packages: Vec<String>,
    /// True when `source` or `source_pkgs` was given, even if nothing resolved.
    pub has_source: bool,
    pub include: GlobSet,
    pub omit: GlobSet,
    /// Where the standard library, installed packages and ferrocov itself live.
    pub excluded_directories: Vec<String>,
}

fn under(path: &str, directory: &str) -> bool {
    path == directory
        || (path.len() > directory.len()
            && path.starts_with(directory)
            && (directory.ends_with('/') || path.as_bytes()[directory.len()] == b'/'))
}

/// Is `module` the package `package` or one of its submodules?
pub fn in_package(module: &str, package: &str) -> bool {
    module == package
        || (module.len() > package.len()
            && module.starts_with(package)
            && module.as_bytes()[package.len()] == b'.')
}

impl FileFilter {
    /// Does the decision for `path` depend on the name of the module that runs it?
    pub fn needs_module_name(&self, path: &str) -> bool {
        self.has_source
            && !self.source_packages.is_empty()
            && path.starts_with('/')
            && !self.source.iter().any(|s| under(path, s))
    }

    /// The decision for a file, by its path alone (a file in a `source` package is not
    /// measured by path: see `should_measure_module`).
    pub fn should_measure(&self, path: &str) -> bool {
        self.should_measure_module(path, None)
    }

    /// The decision for a file run as module `module` (coverage.py's module name for it).
    pub fn should_measure_module(&self, path: &str, module: Option<&str>) -> bool {
        // `<string>`, `<frozen os>` and other pseudo-files are never measured.
        if !path.starts_with('/') {
            return false;
        }
        if self.has_source {
            let by_path = self.source.iter().any(|s| under(path, s));
            let by_name =
                || module.is_some_and(|m| self.source_packages.iter().any(|p| in_package(m, p)));
            if !by_path && !by_name() {
                return false;
            }
        } else if !self.include.is_empty() {
            if !self.include.matches(path) {
                return false;
            }
        } else if self.excluded_directories.iter().any(|d| under(path, d)) {
            return false;
        }
        !self.omit.matches(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(patterns: &[&str]) -> GlobSet {
        GlobSet::new(
            &patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "/home/u/proj",
        )
        .expect("glob")
    }

    #[test]
    fn globs_follow_coverage_py() {
        assert!(set(&["*/tests/*"]).matches("/home/u/proj/tests/test_a.py"));
        assert!(set(&["test_*.py"]).matches("/x/y/test_a.py"));
        assert!(!set(&["test_*.py"]).matches("/x/y/atest_a.py"));
        assert!(set(&["src/*"]).matches("/home/u/proj/src/a/b.py"));
        assert!(set(&["**/conftest.py"]).matches("/a/b/conftest.py"));
        assert!(!set(&["/a/*.py"]).matches("/a/b/c.py"));
        assert!(set(&["/a/*.py"]).matches("/a/c.py"));
        assert!(GlobSet::new(&["a***".to_string()], "/").is_err());
    }

    #[test]
    fn source_wins_over_excluded_directories() {
        let filter = FileFilter {
            source: vec!["/usr/lib/python3/json".into()],
            source_packages: vec![],
            has_source: true,
            include: set(&[]),
            omit: set(&["*/tool.py"]),
            excluded_directories: vec!["/usr/lib/python3".into()],
        };
        assert!(filter.should_measure("/usr/lib/python3/json/decoder.py"));
        assert!(!filter.should_measure("/usr/lib/python3/json/tool.py"));
        assert!(!filter.should_measure("/usr/lib/python3/os.py"));
        assert!(!filter.should_measure("/usr/lib/python3/jsonx/a.py"));
    }

    #[test]
    fn default_excludes_library_directories() {
        let filter = FileFilter {
            source: vec![],
            source_packages: vec![],
            has_source: false,
            include: set(&[]),
            omit: set(&[]),
            excluded_directories: vec!["/usr/lib/python3".into()],
        };
        assert!(filter.should_measure("/home/u/proj/a.py"));
        assert!(!filter.should_measure("/usr/lib/python3/os.py"));
        assert!(!filter.should_measure("<string>"));
    }
}

#[cfg(test)]
mod package_tests {
    use super::*;

    #[test]
    fn packages_are_matched_by_module_name() {
        let filter = FileFilter {
            source: vec!["/p/lib".into()],
            source_packages: vec!["pkg".into(), "a.b".into()],
            has_source: true,
            include: GlobSet::new(&[], "/p").expect("glob"),
            omit: GlobSet::new(&[], "/p").expect("glob"),
            excluded_directories: vec![],
        };
        assert!(filter.should_measure_module("/p/src/pkg/mod.py", Some("pkg.mod")));
        assert!(filter.should_measure_module("/elsewhere/pkg/__init__.py", Some("pkg")));
        // A file of the package's directory imported as a top-level module is not the package.
        assert!(!filter.should_measure_module("/p/src/pkg/other.py", Some("other")));
        assert!(!filter.should_measure_module("/p/src/pkgx/m.py", Some("pkgx.m")));
        assert!(filter.should_measure_module("/p/a/b/c.py", Some("a.b.c")));
        assert!(!filter.should_measure_module("/p/a/bc.py", Some("a.bc")));
        assert!(!filter.should_measure("/p/src/pkg/mod.py"));
        // Directories are still matched by path, whatever the module's name.
        assert!(filter.should_measure_module("/p/lib/x.py", Some("x")));
        assert!(!filter.needs_module_name("/p/lib/x.py"));
        assert!(filter.needs_module_name("/p/src/pkg/mod.py"));
    }
}
