//! A YAML document as a tree of nodes that remember where they were written.
//!
//! serde-saphyr deserializes into types known at compile time; the facts of a
//! service are known only from its schema, at run time. So a case file is
//! read once more, with the same parser (granit-parser), into this generic
//! tree, and [`super::values`] checks it against the schema, reporting each
//! value at its own line and column.

use granit_parser::{Event, Parser, ScalarStyle};
use std::collections::BTreeMap;

/// Where a node starts in its file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: Pos,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar as written. `plain` is false for quoted and block scalars
    /// and for scalars with a tag, whose text is never read as a number,
    /// a boolean or null.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in the order written; a key written twice is a [`TreeError`].
    Map(Vec<(Key, Node)>),
}

/// A mapping key: a scalar's text and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub at: Pos,
}

/// Why a text is not a YAML tree qujat can read.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeError {
    pub at: Pos,
    pub message: String,
}

impl Node {
    /// Whether this is the plain scalar `null`, `~` or an empty value.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What the node is, for messages ("a list", "the text `abc`").
    pub fn describe(&self) -> String {
        match &self.kind {
            _ if self.is_null() => "an empty value".into(),
            NodeKind::Scalar { text, .. } => format!("`{text}`"),
            NodeKind::Seq(_) => "a list".into(),
            NodeKind::Map(_) => "a mapping".into(),
        }
    }
}

enum Open {
    Seq(Pos, Vec<Node>),
    /// A mapping with the key waiting for its value, if any.
    Map(Pos, Vec<(Key, Node)>, Option<Key>),
}

/// Reads the first document of `text`. Errors: a syntax error, a key that
/// is not a scalar, a key written twice in one mapping, an unknown alias.
pub fn parse(text: &str) -> Result<Node, TreeError> {
    let mut stack: Vec<Open> = vec![];
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    // Anchor ids of the open collections, to record them when they close.
    let mut anchor_of: Vec<usize> = vec![];
    let mut root: Option<Node> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| TreeError {
            at: Pos {
                line: e.marker().line() as u32,
                column: e.marker().col() as u32 + 1,
            },
            message: format!("YAML syntax error: {}", e.info()),
        })?;
        let at = Pos {
            line: span.start.line() as u32,
            column: span.start.col() as u32 + 1,
        };
        let done = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    at,
                    kind: NodeKind::Scalar {
                        text: value.to_string(),
                        plain: style == ScalarStyle::Plain && tag.is_none(),
                    },
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::Alias(id) => Some(anchors.get(&id).cloned().ok_or_else(|| TreeError {
                at,
                message: "this alias names no anchor written before it".into(),
            })?),
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Open::Seq(at, vec![]));
                anchor_of.push(anchor);
                None
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Open::Map(at, vec![], None));
                anchor_of.push(anchor);
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match stack.pop() {
                    Some(Open::Seq(at, items)) => Node {
                        at,
                        kind: NodeKind::Seq(items),
                    },
                    Some(Open::Map(at, entries, _)) => Node {
                        at,
                        kind: NodeKind::Map(entries),
                    },
                    None => continue,
                };
                if let Some(anchor) = anchor_of.pop().filter(|a| *a != 0) {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            _ => None,
        };
        let Some(node) = done else { continue };
        match stack.last_mut() {
            None if root.is_some() => {
                return Err(TreeError {
                    at: node.at,
                    message: "a second YAML document: a case file holds one (remove the `---`)"
                        .into(),
                });
            }
            None => root = Some(node),
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    let NodeKind::Scalar { text, .. } = node.kind else {
                        return Err(TreeError {
                            at: node.at,
                            message: "a key must be a plain name, not a list or a mapping".into(),
                        });
                    };
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == text) {
                        return Err(TreeError {
                            at: node.at,
                            message: format!(
                                "the key `{text}` is written twice in the same mapping (first on line {}); keep one",
                                first.at.line
                            ),
                        });
                    }
                    *pending = Some(Key {
                        name: text,
                        at: node.at,
                    });
                }
            },
        }
    }
    Ok(root.unwrap_or(Node {
        at: Pos { line: 1, column: 1 },
        kind: NodeKind::Scalar {
            text: String::new(),
            plain: true,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(n: &Node) -> (&str, bool) {
        match &n.kind {
            NodeKind::Scalar { text, plain } => (text, *plain),
            k => panic!("not a scalar: {k:?}"),
        }
    }

    #[test]
    fn nodes_keep_their_positions_in_block_and_flow_style() {
        let t = parse("a: 1\nb:\n  - x\n  - { c: \"2\", d: [3] }\n").unwrap();
        let NodeKind::Map(top) = &t.kind else {
            panic!()
        };
        assert_eq!(top[0].0.name, "a");
        assert_eq!(top[0].1.at, Pos { line: 1, column: 4 });
        let NodeKind::Seq(items) = &top[1].1.kind else {
            panic!()
        };
        assert_eq!(items[0].at, Pos { line: 3, column: 5 });
        let NodeKind::Map(inner) = &items[1].kind else {
            panic!()
        };
        assert_eq!(
            inner[0].1.at,
            Pos {
                line: 4,
                column: 10
            }
        );
        assert_eq!(scalar(&inner[0].1), ("2", false));
        assert_eq!(scalar(&top[0].1), ("1", true));
    }

    #[test]
    fn a_key_written_twice_is_an_error_at_the_second() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.at, Pos { line: 3, column: 1 });
        assert!(e.message.contains("first on line 1"), "{}", e.message);
    }

    #[test]
    fn a_syntax_error_has_a_position() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.message.starts_with("YAML syntax error"), "{}", e.message);
        assert!(e.at.line >= 1);
    }

    #[test]
    fn aliases_copy_their_anchor() {
        let t = parse("a: &x { b: 1 }\nc: *x\n").unwrap();
        let NodeKind::Map(top) = &t.kind else {
            panic!()
        };
        assert_eq!(top[0].1.kind, top[1].1.kind);
    }

    #[test]
    fn a_second_document_is_an_error() {
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.at.line, 3);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for text in [
            format!("a: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            (0..5000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect(),
        ] {
            let r = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || parse(&text).map(|_| ()))
                .unwrap()
                .join()
                .expect("no stack overflow");
            assert!(r.unwrap_err().message.contains("recursion limit"));
        }
    }

    #[test]
    fn null_is_plain_only() {
        let t = parse("a: ~\nb: 'null'\nc:\n").unwrap();
        let NodeKind::Map(top) = &t.kind else {
            panic!()
        };
        assert!(top[0].1.is_null());
        assert!(!top[1].1.is_null());
        assert!(top[2].1.is_null());
    }
}
