//! Key paths (`changes[2].replace.grounds[0].text.kk`) for positions in a YAML file.
//!
//! The YAML deserializer reports a line and a column but not where in the
//! document's structure that is. Legal staff navigate by keys, so every
//! diagnostic that lacks a key path gets one from here: the file is walked
//! once with the same YAML parser the deserializer uses, and each node is
//! recorded with its path and where it starts.

use granit_parser::{Event, Parser};

/// The nodes of one YAML text, each with where it starts (1-based line and
/// column) and its key path, in document order.
pub struct KeyPaths {
    nodes: Vec<(usize, usize, String)>,
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

impl KeyPaths {
    /// Walks `text`; a syntax error ends the walk, keeping the nodes before it.
    pub fn new(text: &str) -> KeyPaths {
        let mut nodes = vec![];
        let mut stack: Vec<(Frame, String)> = vec![];
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let (line, col) = (span.start.line(), span.start.col() + 1);
            let starts = matches!(
                event,
                Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
            );
            if starts {
                let path = match stack.last_mut() {
                    // A scalar in key position names the value that follows
                    // (qujat's files have no mapping or sequence keys).
                    Some((Frame::Map { key }, parent)) if key.is_none() => {
                        let name = match &event {
                            Event::Scalar(s, ..) => s.to_string(),
                            _ => "?".into(),
                        };
                        *key = Some(name.clone());
                        nodes.push((line, col, join_key(parent, &name)));
                        continue;
                    }
                    Some((Frame::Map { key }, parent)) => {
                        let k = key.take().unwrap_or_default();
                        join_key(parent, &k)
                    }
                    Some((Frame::Seq { next }, parent)) => {
                        *next += 1;
                        format!("{parent}[{}]", *next - 1)
                    }
                    None => String::new(),
                };
                nodes.push((line, col, path.clone()));
                match event {
                    Event::MappingStart(..) => stack.push((Frame::Map { key: None }, path)),
                    Event::SequenceStart(..) => stack.push((Frame::Seq { next: 0 }, path)),
                    _ => {}
                }
            } else if let Event::MappingEnd | Event::SequenceEnd = event {
                stack.pop();
            }
        }
        KeyPaths { nodes }
    }

    /// The key path of the last node starting at or before `line`:`column`.
    pub fn at(&self, line: u32, column: u32) -> Option<&str> {
        let pos = (line as usize, column as usize);
        self.nodes
            .iter()
            .take_while(|(l, c, _)| (*l, *c) <= pos)
            .last()
            .map(|(_, _, p)| p.as_str())
            .filter(|p| !p.is_empty())
    }
}

impl KeyPaths {
    /// Where the value at `path` starts (1-based line and column): the
    /// reverse of [`KeyPaths::at`], for errors found after parsing.
    pub fn position(&self, path: &str) -> Option<(u32, u32)> {
        self.nodes
            .iter()
            .rfind(|(_, _, p)| p == path)
            .map(|(l, c, _)| (*l as u32, *c as u32))
    }
}

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::KeyPaths;

    const DOC: &str = "\
service: iin
rules:
  grounds:
    - id: a
      text: { kk: \"бір\", ru: \"один\" }
    - id: b
      text:
        kk: \"екі\"
        ru: \"два\"
";

    #[test]
    fn block_and_flow_nodes_have_their_paths() {
        let k = KeyPaths::new(DOC);
        assert_eq!(k.at(1, 1), Some("service"));
        assert_eq!(k.at(1, 10), Some("service"));
        assert_eq!(k.at(4, 7), Some("rules.grounds[0].id"));
        assert_eq!(k.at(5, 15), Some("rules.grounds[0].text.kk"));
        assert_eq!(k.at(5, 31), Some("rules.grounds[0].text.ru"));
        assert_eq!(k.at(6, 11), Some("rules.grounds[1].id"));
        assert_eq!(k.at(9, 9), Some("rules.grounds[1].text.ru"));
        assert_eq!(k.position("rules.grounds[1].text.ru"), Some((9, 13)));
        assert_eq!(k.position("rules.grounds[0].text"), Some((5, 13)));
        assert_eq!(k.position("rules.grounds[2]"), None);
    }

    #[test]
    fn a_syntax_error_keeps_the_paths_before_it() {
        let k = KeyPaths::new("a:\n  b: 1\n  c: [unclosed\n");
        assert_eq!(k.at(2, 3), Some("a.b"));
    }
}
