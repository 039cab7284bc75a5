//! The paths view's export: the CLI's own JSON, Mermaid and Graphviz DOT (the same functions), chosen by
//! the file's extension. `--from` answers, like the CLI's, are written as JSON only.

use std::path::Path;

use super::Answer;
use crate::eval::Engine;
use crate::paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Json,
    Mermaid,
    Dot,
}

impl GraphFormat {
    pub fn from_path(p: &Path) -> Option<Self> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Self::Json),
            "mmd" | "mermaid" => Some(Self::Mermaid),
            "dot" | "gv" => Some(Self::Dot),
            _ => None,
        }
    }
}

/// What names the formats the view exports, for the prompt's error.
pub const EXTENSIONS: &str = ".json, .mmd (Mermaid) or .dot (Graphviz)";

/// The answer in `format`, byte for byte what `kvaccess paths --output FORMAT` prints.
pub fn render(engine: &Engine, answer: &Answer, format: GraphFormat) -> Result<String, String> {
    let name = |id: &str| paths::node_name(engine, id);
    match (answer, format) {
        (Answer::To(p), GraphFormat::Json) => paths::to_json(p).map_err(|e| e.to_string()),
        (Answer::From(p), GraphFormat::Json) => paths::to_json(p).map_err(|e| e.to_string()),
        (Answer::To(p), GraphFormat::Mermaid) => Ok(paths::to_mermaid(p, &name)),
        (Answer::To(p), GraphFormat::Dot) => Ok(paths::to_dot(p, &name)),
        (Answer::From(_), _) => Err(
            "paths from a principal export as .json; Mermaid and DOT draw paths to a vault".into(),
        ),
    }
}
