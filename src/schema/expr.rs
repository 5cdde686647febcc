//! Conditions written in the Common Expression Language (CEL), checked
//! against a service's schema and evaluated on a case.
//!
//! The `cel` crate parses (with its standard macros `has`, `all`, `exists`,
//! `exists_one`, `map`, `filter`) and gives every node its offset in the
//! source. qujat then walks that tree itself, twice:
//!
//! - [`check`] at `check` time, with the schema: every name is a fact, a
//!   field, a parameter or a function qujat knows; every operator gets the
//!   types it takes (a date is never compared with a number); an option is
//!   compared only with one of its ids; an optional fact is read only where
//!   `has(…)` has tested it. Each problem names the offset in the expression
//!   and lists what is known there.
//! - [`eval`] on a case, with the case date: it returns the result and every
//!   fact value it read, with the case line, for `explain`.
//!
//! Walking the tree ourselves, rather than running cel's interpreter, is what
//! lets `check` be static (cel's runtime is dynamically typed, so a wrong
//! field only shows on a case that reaches it) and what records the reads;
//! dates stay calendar dates, not timestamps.
//!
//! # Functions
//!
//! | function | meaning |
//! |---|---|
//! | `age(d)` | whole years from date `d` to the case date |
//! | `working_days(a, b)` | working days after `a` up to and including `b`, by `rules/calendar.yaml` (negative when `b` is before `a`) |
//! | `date("YYYY-MM-DD")` | a fixed date, checked at `check` time |
//! | `size(x)`, `x.size()` | items in a list, characters in a text |
//! | `has(x.f)` | whether the case has the optional fact `f`; `has(case.f)` for a top-level fact |
//! | `l.exists(v, p)`, `l.all(v, p)`, `l.exists_one(v, p)`, `l.filter(v, p)`, `l.map(v, e)` | CEL's list macros |
//!
//! Operators: `&& || !`, `== !=`, `< <= > >=` (numbers, dates, texts),
//! `+ - * / %` (whole numbers), `in` (a value in a list), `c ? a : b`,
//! `l[i]`.
//!
//! Names: the service's facts (top level; `case` is the top-level record
//! itself), the variables of list macros, and `params.ID`. An IIN, an MRZ
//! and a country code are texts; an option is a text that must be one of
//! its ids; a bilingual text can only be tested with `has`. An optional list
//! absent from a case reads as empty; any other optional fact is read only
//! where `has()` was tested true before (`has(case.boat) && boat.flag ==
//! "KAZ"`, `!has(c.iin) || …`, `has(…) ? … : …`), so evaluating a checked
//! condition never meets a missing value.
//!
//! # Limits
//!
//! A hostile expression must give an error, never overflow the stack. cel's
//! ANTLR parser limits nesting to 96 levels but recurses once per link of a
//! long flat chain (`a.b.b.b…`, `1+1+1…`); measured with cel 0.15, 4000
//! characters parse in a 2 MiB thread stack, 8000 overflow it. So qujat
//! refuses expressions longer than [`MAX_LEN`] before parsing, and its own
//! walks stop at [`MAX_DEPTH`] levels. (cel's `parser_pratt` feature is not
//! used: that parser is hidden from cel's documented API, gives no node
//! offsets, and overflowed on 20000-link chains too.)

use super::facts::{Fact, Kind, Schema};
use super::values::{Facts, Item, Record, Value};
use crate::algo::calendar::Calendar;
use cel::common::ast::{
    CallExpr, ComprehensionExpr, Expr, IdedExpr, LiteralValue, SourceInfo, operators as op,
};
use chrono::NaiveDate;
use std::fmt;

/// Longest expression, in bytes, that is parsed at all.
pub const MAX_LEN: usize = 1000;
/// Deepest nesting of the expression tree that is checked or evaluated.
pub const MAX_DEPTH: usize = 64;

/// The name of the case's top-level record, so that `has(case.iin)` can test
/// a top-level optional fact (CEL's `has` needs a field selection).
pub const CASE: &str = "case";

/// The domain functions, by name, for messages.
pub const FUNCTIONS: &[&str] = &["age", "date", "has", "size", "working_days"];

/// A parsed expression with the source it came from.
pub struct Expression {
    source: String,
    ast: IdedExpr,
    info: SourceInfo,
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expression({:?})", self.source)
    }
}

/// A problem in an expression, at a character offset from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

/// A value the engine read from the case while evaluating: `explain` shows
/// it next to the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// `companions[0].birth_date`, or `params.child_age_limit`.
    pub path: String,
    pub value: String,
    /// The line of the case file; `None` for parameters and absent facts.
    pub line: Option<u32>,
}

/// A parameter as expressions see it: `params.ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Integer(i64),
    Date(NaiveDate),
    Text(String),
    Bool(bool),
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Integer(i) => write!(f, "{i}"),
            Param::Date(d) => write!(f, "{d}"),
            Param::Text(t) => write!(f, "{t:?}"),
            Param::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// What `check` knows: the schema and the parameters by id.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub schema: &'a Schema,
    pub params: &'a [(String, Param)],
}

/// What `eval` reads: the case's facts (checked against the same schema),
/// the parameters, the case date and the working-day calendar.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub env: Env<'a>,
    pub facts: &'a Facts,
    /// The date ages are counted on: the case's date of application.
    pub on: NaiveDate,
    /// Needed only by `working_days`.
    pub calendar: Option<&'a Calendar>,
}

/// Parses `source`. An error is at an offset inside it.
pub fn parse(source: &str) -> Result<Expression, ExprError> {
    if source.len() > MAX_LEN {
        return Err(ExprError {
            offset: 0,
            message: format!(
                "the expression is {} bytes long; at most {MAX_LEN} are accepted (split it into named conditions)",
                source.len()
            ),
        });
    }
    if source.trim().is_empty() {
        return Err(ExprError {
            offset: 0,
            message: "the expression is empty".into(),
        });
    }
    let parsed = cel::parser::Parser::new().parse_with_source_info(source);
    match parsed {
        Ok((ast, info)) => Ok(Expression {
            source: source.to_string(),
            ast,
            info,
        }),
        Err(errors) => {
            let first = errors.errors.first();
            let offset = first
                .map(|e| char_offset(source, e.pos.0, e.pos.1))
                .unwrap_or(0);
            let raw = first.map(|e| e.msg.as_str()).unwrap_or("cannot parse");
            let message = if raw.contains("Recursion limit") || raw.contains("recursion limit") {
                "the expression nests too deeply".to_string()
            } else {
                format!(
                    "CEL syntax error: {}",
                    raw.trim_start_matches("Syntax error: ")
                )
            };
            Err(ExprError { offset, message })
        }
    }
}

/// The character offset of a 1-based line and 1-based column (cel's error
/// positions).
fn char_offset(source: &str, line: isize, column: isize) -> usize {
    let before: usize = source
        .split_inclusive('\n')
        .take((line.max(1) - 1) as usize)
        .map(|l| l.chars().count())
        .sum();
    before + (column.max(1) - 1) as usize
}

impl Expression {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Where a node starts, in characters (cel gives bytes).
    fn offset(&self, e: &IdedExpr) -> usize {
        let byte = self
            .info
            .offset_for(e.id)
            .map(|(start, _)| start as usize)
            .unwrap_or(0);
        self.source
            .char_indices()
            .take_while(|(i, _)| *i < byte)
            .count()
    }
}

// ---------------------------------------------------------------- types

/// The static type of a sub-expression.
#[derive(Debug, Clone)]
enum Ty<'s> {
    Bool,
    Int,
    Text,
    Date,
    Bilingual,
    /// An option fact's value; compared with its ids.
    Option(&'s Fact),
    List(Box<Ty<'s>>),
    /// A record with these fields (the root, a `record` fact, a list item).
    Record(&'s [Fact]),
    Params,
    /// The element of an empty list literal: fits anything.
    Any,
}

impl Ty<'_> {
    fn name(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::Int => "integer".into(),
            Ty::Text => "text".into(),
            Ty::Date => "date".into(),
            Ty::Bilingual => "bilingual text".into(),
            Ty::Option(f) => format!("option ({})", f.option_ids().join(", ")),
            Ty::List(t) => format!("list of {}", t.name()),
            Ty::Record(_) => "record".into(),
            Ty::Params => "the parameters".into(),
            Ty::Any => "anything".into(),
        }
    }

    /// Whether values of the two types can be compared for equality.
    fn same(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Any, _) | (_, Ty::Any) => true,
            (Ty::Option(a), Ty::Option(b)) => std::ptr::eq(*a, *b),
            (Ty::Option(_), Ty::Text) | (Ty::Text, Ty::Option(_)) => true,
            (Ty::List(a), Ty::List(b)) => a.same(b),
            (a, b) => {
                std::mem::discriminant(a) == std::mem::discriminant(b)
                    && !matches!(a, Ty::Record(_) | Ty::Params | Ty::Bilingual)
            }
        }
    }
}

fn fact_ty(f: &Fact) -> Ty<'_> {
    match f.kind() {
        Kind::Text | Kind::Iin | Kind::Mrz | Kind::Country => Ty::Text,
        Kind::Bilingual => Ty::Bilingual,
        Kind::Date => Ty::Date,
        Kind::Bool => Ty::Bool,
        Kind::Integer => Ty::Int,
        Kind::Option if f.multiple => Ty::List(Box::new(Ty::Option(f))),
        Kind::Option => Ty::Option(f),
        Kind::List => Ty::List(Box::new(Ty::Record(&f.fields))),
        Kind::Record => Ty::Record(&f.fields),
    }
}

fn param_ty(p: &Param) -> Ty<'static> {
    match p {
        Param::Integer(_) => Ty::Int,
        Param::Date(_) => Ty::Date,
        Param::Text(_) => Ty::Text,
        Param::Bool(_) => Ty::Bool,
    }
}

// ---------------------------------------------------------------- check

struct Checker<'a, 's> {
    expr: &'a Expression,
    env: Env<'s>,
    errors: Vec<ExprError>,
}

/// What is in scope at a point of the expression.
#[derive(Clone, Default)]
struct Ctx<'s> {
    vars: Vec<(String, Ty<'s>)>,
    /// Paths of optional facts `has()` has tested true here.
    present: Vec<String>,
    depth: usize,
}

/// Checks a parsed expression against the schema and parameters; a
/// condition must give a bool. Every problem found is returned.
pub fn check(expr: &Expression, env: Env<'_>) -> Result<(), Vec<ExprError>> {
    let mut c = Checker {
        expr,
        env,
        errors: vec![],
    };
    if let Some(t) = c.ty(&expr.ast, &Ctx::default())
        && !matches!(t, Ty::Bool)
    {
        c.err(
            &expr.ast,
            format!("a condition must be true or false; this gives {}", t.name()),
        );
    }
    if c.errors.is_empty() {
        Ok(())
    } else {
        c.errors.sort_by_key(|e| e.offset);
        c.errors.dedup();
        Err(c.errors)
    }
}

/// The symbolic path of an ident or a chain of field selections (`c.iin`,
/// `boat.flag`), for `has()` guards and messages.
fn path_of(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Ident(n) if n == CASE => Some(String::new()),
        Expr::Ident(n) => Some(n.clone()),
        Expr::Select(s) => Some(join_path(&path_of(&s.operand)?, &s.field)),
        _ => None,
    }
}

/// Paths known present when `e` is true.
fn present_if_true(e: &IdedExpr) -> Vec<String> {
    match &e.expr {
        Expr::Select(s) if s.test => path_of(e).into_iter().collect(),
        Expr::Call(c) if c.func_name == op::LOGICAL_AND => {
            c.args.iter().flat_map(present_if_true).collect()
        }
        Expr::Call(c) if c.func_name == op::LOGICAL_NOT && c.args.len() == 1 => {
            present_if_false(&c.args[0])
        }
        _ => vec![],
    }
}

/// Paths known present when `e` is false.
fn present_if_false(e: &IdedExpr) -> Vec<String> {
    match &e.expr {
        Expr::Call(c) if c.func_name == op::LOGICAL_OR => {
            c.args.iter().flat_map(present_if_false).collect()
        }
        Expr::Call(c) if c.func_name == op::LOGICAL_NOT && c.args.len() == 1 => {
            present_if_true(&c.args[0])
        }
        _ => vec![],
    }
}

impl<'s> Checker<'_, 's> {
    fn err(&mut self, at: &IdedExpr, message: String) {
        self.errors.push(ExprError {
            offset: self.expr.offset(at),
            message,
        });
    }

    fn ty(&mut self, e: &IdedExpr, ctx: &Ctx<'s>) -> Option<Ty<'s>> {
        if ctx.depth > MAX_DEPTH {
            self.err(e, "the expression nests too deeply".into());
            return None;
        }
        let ctx = &Ctx {
            depth: ctx.depth + 1,
            ..ctx.clone()
        };
        match &e.expr {
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Some(Ty::Bool),
                LiteralValue::Int(_) => Some(Ty::Int),
                LiteralValue::String(_) => Some(Ty::Text),
                LiteralValue::UInt(_) => self.no(e, "unsigned numbers (`u`)"),
                LiteralValue::Double(_) => self.no(e, "fractional numbers"),
                LiteralValue::Bytes(_) => self.no(e, "bytes"),
                LiteralValue::Null => self.no(e, "null (test an optional fact with has(…))"),
            },
            Expr::Ident(name) => self.ident(e, name, ctx),
            Expr::Select(s) => {
                let operand = self.ty(&s.operand, ctx)?;
                self.select(e, operand, &s.field, s.test, ctx)
            }
            Expr::Call(call) => self.call(e, call, ctx),
            Expr::List(l) => {
                let mut elem = Ty::Any;
                for x in &l.elements {
                    let t = self.ty(x, ctx)?;
                    if !elem.same(&t) {
                        return self.mismatch(x, "a list's items", &elem, &t);
                    }
                    if matches!(elem, Ty::Any | Ty::Text) {
                        elem = t;
                    }
                }
                Some(Ty::List(Box::new(elem)))
            }
            Expr::Comprehension(c) => self.comprehension(c, ctx),
            Expr::Map(_) => self.no(e, "map literals"),
            Expr::Struct(_) => self.no(e, "message literals"),
            Expr::Unspecified => self.no(e, "this construct"),
        }
    }

    fn no(&mut self, e: &IdedExpr, what: &str) -> Option<Ty<'s>> {
        self.err(e, format!("conditions cannot use {what}"));
        None
    }

    fn mismatch(&mut self, e: &IdedExpr, what: &str, a: &Ty, b: &Ty) -> Option<Ty<'s>> {
        self.err(
            e,
            format!(
                "type mismatch: {what} must be of one type, here {} and {}",
                a.name(),
                b.name()
            ),
        );
        None
    }

    fn ident(&mut self, e: &IdedExpr, name: &str, ctx: &Ctx<'s>) -> Option<Ty<'s>> {
        if let Some((_, t)) = ctx.vars.iter().rev().find(|(v, _)| v == name) {
            return Some(t.clone());
        }
        if name == "params" {
            return Some(Ty::Params);
        }
        if name == CASE {
            return Some(Ty::Record(&self.env.schema.facts));
        }
        self.field(e, &self.env.schema.facts, name, name, false, ctx)
    }

    /// Reading field `id` of a record of `fields`, reached as `path`.
    fn field(
        &mut self,
        e: &IdedExpr,
        fields: &'s [Fact],
        id: &str,
        path: &str,
        test: bool,
        ctx: &Ctx<'s>,
    ) -> Option<Ty<'s>> {
        let Some(f) = fields.iter().find(|f| f.id.value == id) else {
            let mut known: Vec<&str> = fields.iter().map(|f| f.id.value.as_str()).collect();
            let top = path == id;
            if top {
                known.extend(["params", CASE]);
                known.extend(
                    ctx.vars
                        .iter()
                        .map(|(v, _)| v.as_str())
                        .filter(|v| !v.starts_with('@')),
                );
            }
            known.sort_unstable();
            self.err(
                e,
                format!(
                    "unknown {} `{path}` (known: {})",
                    if top { "fact" } else { "field" },
                    known.join(", ")
                ),
            );
            return None;
        };
        if test {
            if !f.optional {
                self.err(
                    e,
                    format!("`{path}` is required, so has({path}) is always true; test only optional facts"),
                );
            }
            return Some(Ty::Bool);
        }
        if f.optional && f.kind() != Kind::List && !ctx.present.iter().any(|p| p == path) {
            self.err(
                e,
                format!(
                    "`{path}` is optional: test that the case has it first, e.g. `has({path}) && …`"
                ),
            );
            return None;
        }
        Some(fact_ty(f))
    }

    fn select(
        &mut self,
        e: &IdedExpr,
        operand: Ty<'s>,
        field: &str,
        test: bool,
        ctx: &Ctx<'s>,
    ) -> Option<Ty<'s>> {
        let path = path_of(e).unwrap_or_else(|| field.to_string());
        match operand {
            Ty::Record(fields) => self.field(e, fields, field, &path, test, ctx),
            Ty::Params => match self.env.params.iter().find(|(id, _)| id == field) {
                Some((_, p)) if !test => Some(param_ty(p)),
                Some(_) => self.no(e, "has() on a parameter"),
                None => {
                    let known: Vec<&str> =
                        self.env.params.iter().map(|(id, _)| id.as_str()).collect();
                    self.err(
                        e,
                        format!(
                            "unknown parameter `params.{field}` (known: {})",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                    None
                }
            },
            t => {
                self.err(e, format!("`.{field}`: a {} has no fields", t.name()));
                None
            }
        }
    }

    fn comprehension(&mut self, c: &ComprehensionExpr, ctx: &Ctx<'s>) -> Option<Ty<'s>> {
        let range = self.ty(&c.iter_range, ctx)?;
        let Ty::List(elem) = range else {
            self.err(
                &c.iter_range,
                format!(
                    "only a list can be walked with exists/all/map/filter; this is {}",
                    range.name()
                ),
            );
            return None;
        };
        if c.iter_var2.is_some() {
            return self.no(&c.iter_range, "two-variable comprehensions");
        }
        let init = self.ty(&c.accu_init, ctx)?;
        let mut inner = ctx.clone();
        inner.vars.push((c.iter_var.clone(), *elem));
        inner.vars.push((c.accu_var.clone(), init.clone()));
        let step = self.ty(&c.loop_step, &inner)?;
        let accu = match (&init, &step) {
            (Ty::List(a), _) if matches!(**a, Ty::Any) => step,
            _ => init,
        };
        let mut outer = ctx.clone();
        outer.vars.push((c.accu_var.clone(), accu));
        let _ = self.ty(&c.loop_cond, &outer)?;
        self.ty(&c.result, &outer)
    }

    fn call(&mut self, e: &IdedExpr, call: &CallExpr, ctx: &Ctx<'s>) -> Option<Ty<'s>> {
        let name = call.func_name.as_str();
        let args = &call.args;
        // The operators whose operands read under `has()` guards.
        match name {
            op::LOGICAL_AND | op::LOGICAL_OR if args.len() == 2 => {
                let a = self.ty(&args[0], ctx);
                let mut then = ctx.clone();
                then.present.extend(if name == op::LOGICAL_AND {
                    present_if_true(&args[0])
                } else {
                    present_if_false(&args[0])
                });
                let b = self.ty(&args[1], &then);
                for (x, t) in [(&args[0], a?), (&args[1], b?)] {
                    if !matches!(t, Ty::Bool) {
                        let sym = if name == op::LOGICAL_AND { "&&" } else { "||" };
                        self.err(x, format!("`{sym}` takes true or false, not {}", t.name()));
                    }
                }
                return Some(Ty::Bool);
            }
            op::CONDITIONAL if args.len() == 3 => {
                let c = self.ty(&args[0], ctx)?;
                if !matches!(c, Ty::Bool) {
                    self.err(
                        &args[0],
                        format!(
                            "the condition of `? :` must be true or false, not {}",
                            c.name()
                        ),
                    );
                }
                let mut yes = ctx.clone();
                yes.present.extend(present_if_true(&args[0]));
                let mut no = ctx.clone();
                no.present.extend(present_if_false(&args[0]));
                let a = self.ty(&args[1], &yes)?;
                let b = self.ty(&args[2], &no)?;
                if !a.same(&b) {
                    return self.mismatch(e, "both branches of `? :`", &a, &b);
                }
                return Some(if matches!(a, Ty::Any) { b } else { a });
            }
            _ => {}
        }
        let target = match &call.target {
            Some(t) => Some(self.ty(t, ctx)?),
            None => None,
        };
        let mut tys = vec![];
        for a in args {
            tys.push(self.ty(a, ctx)?);
        }
        let sym = operator_symbol(name);
        match (name, target.as_ref(), tys.as_slice()) {
            (op::LOGICAL_NOT, None, [t]) | (op::NOT_STRICTLY_FALSE, None, [t]) => {
                if !matches!(t, Ty::Bool) {
                    self.err(e, format!("`!` takes true or false, not {}", t.name()));
                }
                Some(Ty::Bool)
            }
            (op::NEGATE, None, [t]) => {
                if !matches!(t, Ty::Int) {
                    self.err(e, format!("`-` takes a whole number, not {}", t.name()));
                }
                Some(Ty::Int)
            }
            (op::EQUALS | op::NOT_EQUALS, None, [a, b]) => {
                if !a.same(b) {
                    return self.mismatch(e, &format!("both sides of `{sym}`"), a, b);
                }
                self.option_literals(a, &args[1]);
                self.option_literals(b, &args[0]);
                Some(Ty::Bool)
            }
            (op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS, None, [a, b]) => {
                let ordered = matches!(
                    (a, b),
                    (Ty::Int, Ty::Int) | (Ty::Date, Ty::Date) | (Ty::Text, Ty::Text)
                );
                if !ordered {
                    self.err(
                        e,
                        format!(
                            "type mismatch: `{sym}` compares two numbers, two dates or two texts, not {} and {}",
                            a.name(),
                            b.name()
                        ),
                    );
                    return None;
                }
                Some(Ty::Bool)
            }
            (op::ADD, None, [Ty::List(a), Ty::List(b)]) => {
                if !a.same(b) {
                    return self.mismatch(e, "lists joined with `+`", a, b);
                }
                Some(Ty::List(if matches!(**a, Ty::Any) {
                    b.clone()
                } else {
                    a.clone()
                }))
            }
            (op::ADD | op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO, None, [a, b]) => {
                if !matches!((a, b), (Ty::Int, Ty::Int)) {
                    self.err(
                        e,
                        format!(
                            "type mismatch: `{sym}` works on whole numbers, not {} and {}",
                            a.name(),
                            b.name()
                        ),
                    );
                    return None;
                }
                Some(Ty::Int)
            }
            (op::IN, None, [a, Ty::List(b)]) => {
                if !a.same(b) {
                    return self.mismatch(e, "a value and the list items `in` looks among", a, b);
                }
                if let Expr::List(l) = &args[1].expr {
                    for x in &l.elements {
                        self.option_literals(a, x);
                    }
                }
                self.option_literals(b, &args[0]);
                Some(Ty::Bool)
            }
            (op::INDEX, None, [Ty::List(elem), Ty::Int]) => Some((**elem).clone()),
            ("size", None, [t]) | ("size", Some(t), []) => match t {
                Ty::List(_) | Ty::Text => Some(Ty::Int),
                t => {
                    self.err(
                        e,
                        format!("size() takes a list or a text, not {}", t.name()),
                    );
                    None
                }
            },
            ("age", None, [t]) => {
                if !matches!(t, Ty::Date) {
                    self.err(e, format!("age() takes a date, not {}", t.name()));
                    return None;
                }
                Some(Ty::Int)
            }
            ("working_days", None, [a, b]) => {
                if !matches!((a, b), (Ty::Date, Ty::Date)) {
                    self.err(
                        e,
                        format!(
                            "working_days() takes two dates, not {} and {}",
                            a.name(),
                            b.name()
                        ),
                    );
                    return None;
                }
                Some(Ty::Int)
            }
            ("date", None, [Ty::Text]) => match &args[0].expr {
                Expr::Literal(LiteralValue::String(s)) => {
                    if let Err(m) = parse_date(s.inner()) {
                        self.err(&args[0], m);
                    }
                    Some(Ty::Date)
                }
                _ => {
                    self.err(
                        e,
                        "date() takes a date written in quotes, e.g. date(\"2026-07-12\")".into(),
                    );
                    None
                }
            },
            (
                op::LOGICAL_NOT
                | op::NOT_STRICTLY_FALSE
                | op::NEGATE
                | op::EQUALS
                | op::NOT_EQUALS
                | op::LESS
                | op::LESS_EQUALS
                | op::GREATER
                | op::GREATER_EQUALS
                | op::ADD
                | op::SUBSTRACT
                | op::MULTIPLY
                | op::DIVIDE
                | op::MODULO
                | op::IN
                | op::INDEX,
                _,
                tys,
            ) => {
                let names: Vec<String> = tys.iter().map(Ty::name).collect();
                self.err(
                    e,
                    format!("type mismatch: `{sym}` cannot take {}", names.join(" and ")),
                );
                None
            }
            (f @ ("size" | "age" | "working_days" | "date"), target, tys) => {
                let n = tys.len() + target.is_some() as usize;
                let how = match f {
                    "size" => "size(list or text) or list.size()",
                    "age" => "age(date)",
                    "working_days" => "working_days(date, date)",
                    _ => "date(\"YYYY-MM-DD\")",
                };
                self.err(
                    e,
                    format!("{f}() is written {how}; here it has {n} argument(s) of other types"),
                );
                None
            }
            (f, _, _) => {
                // cel places a call at its `(`; point at the name instead.
                let at = self.expr.offset(e);
                let before: String = self.expr.source.chars().take(at).collect();
                let offset = if before.ends_with(f) {
                    at - f.chars().count()
                } else {
                    at
                };
                self.errors.push(ExprError {
                    offset,
                    message: format!(
                        "unknown function `{f}` (known: {}, and the list macros all, exists, exists_one, filter, map)",
                        FUNCTIONS.join(", ")
                    ),
                });
                None
            }
        }
    }

    /// A text literal compared with an option must be one of its ids.
    fn option_literals(&mut self, t: &Ty, other: &IdedExpr) {
        if let (Ty::Option(f), Expr::Literal(LiteralValue::String(s))) = (t, &other.expr) {
            let ids = f.option_ids();
            if !ids.contains(&s.inner()) {
                self.err(
                    other,
                    format!(
                        "`{}` is not an option of `{}` (options: {})",
                        s.inner(),
                        f.id.value,
                        ids.join(", ")
                    ),
                );
            }
        }
    }
}

fn operator_symbol(name: &str) -> &str {
    match name {
        op::EQUALS => "==",
        op::NOT_EQUALS => "!=",
        op::LESS => "<",
        op::LESS_EQUALS => "<=",
        op::GREATER => ">",
        op::GREATER_EQUALS => ">=",
        op::ADD => "+",
        op::SUBSTRACT | op::NEGATE => "-",
        op::MULTIPLY => "*",
        op::DIVIDE => "/",
        op::MODULO => "%",
        op::IN => "in",
        op::INDEX => "[]",
        op::LOGICAL_NOT | op::NOT_STRICTLY_FALSE => "!",
        other => other,
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let date = shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten();
    date.ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

// ---------------------------------------------------------------- eval

/// A value during evaluation.
#[derive(Debug, Clone)]
enum V<'a> {
    Bool(bool),
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Bilingual(&'a str, &'a str),
    List(Vec<V<'a>>),
    /// A record of the case, its fields' declarations, and its path.
    Record(&'a Record, &'a [Fact], String),
    Params,
}

struct Eval<'a> {
    scope: Scope<'a>,
    reads: Vec<Read>,
}

/// Evaluates a checked expression on a case: its result and every fact
/// value and parameter it read, in the order first read. Errors only for
/// what `check` cannot see: a calendar year not covered, an arithmetic
/// overflow, a birth date after the case date.
pub fn eval(expr: &Expression, scope: Scope<'_>) -> Result<(bool, Vec<Read>), String> {
    let mut ev = Eval {
        scope,
        reads: vec![],
    };
    let root = V::Record(&scope.facts.root, &scope.env.schema.facts, String::new());
    let mut vars = vec![];
    match ev.eval(&expr.ast, &root, &mut vars, 0)? {
        V::Bool(b) => Ok((b, ev.reads)),
        _ => Err("the condition did not give true or false (was it checked?)".into()),
    }
}

fn join_path(prefix: &str, id: &str) -> String {
    super::facts::join(prefix, id)
}

impl<'a> Eval<'a> {
    /// Records a read once per path; a value read after `has()` replaces
    /// the mere "present", so `explain` shows what the condition turned on.
    fn read(&mut self, path: String, value: String, line: Option<u32>) {
        match self.reads.iter_mut().find(|r| r.path == path) {
            Some(r) if r.value == "present" && value != "present" => {
                r.value = value;
                r.line = line;
            }
            Some(_) => {}
            None => self.reads.push(Read { path, value, line }),
        }
    }

    fn eval(
        &mut self,
        e: &IdedExpr,
        root: &V<'a>,
        vars: &mut Vec<(String, V<'a>)>,
        depth: usize,
    ) -> Result<V<'a>, String> {
        if depth > MAX_DEPTH {
            return Err("the expression nests too deeply".into());
        }
        let d = depth + 1;
        Ok(match &e.expr {
            Expr::Literal(LiteralValue::Boolean(b)) => V::Bool(*b.inner()),
            Expr::Literal(LiteralValue::Int(i)) => V::Int(*i.inner()),
            Expr::Literal(LiteralValue::String(s)) => V::Text(s.inner().to_string()),
            Expr::Ident(name) => match vars.iter().rev().find(|(v, _)| v == name) {
                Some((_, v)) => v.clone(),
                None if name == "params" => V::Params,
                None if name == CASE => root.clone(),
                None => self.field(root, name)?,
            },
            Expr::Select(s) => {
                let operand = self.eval(&s.operand, root, vars, d)?;
                if s.test {
                    let V::Record(r, _, path) = &operand else {
                        return Err(format!("has(…) on a value without fields at `{}`", s.field));
                    };
                    let p = join_path(path, &s.field);
                    let item = r.get(&s.field);
                    let shown = if item.is_some() { "present" } else { "absent" };
                    self.read(p, shown.into(), item.map(|i| i.at.line));
                    V::Bool(item.is_some())
                } else {
                    self.field(&operand, &s.field)?
                }
            }
            Expr::List(l) => V::List(
                l.elements
                    .iter()
                    .map(|x| self.eval(x, root, vars, d))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Comprehension(c) => {
                let V::List(items) = self.eval(&c.iter_range, root, vars, d)? else {
                    return Err("exists/all/map/filter on a value that is not a list".into());
                };
                let mut accu = self.eval(&c.accu_init, root, vars, d)?;
                for item in items {
                    vars.push((c.accu_var.clone(), accu.clone()));
                    let go = self.eval(&c.loop_cond, root, vars, d)?;
                    vars.push((c.iter_var.clone(), item));
                    let step = match go {
                        V::Bool(true) => Some(self.eval(&c.loop_step, root, vars, d)),
                        _ => None,
                    };
                    vars.truncate(vars.len() - 2);
                    match step {
                        Some(v) => accu = v?,
                        None => break,
                    }
                }
                vars.push((c.accu_var.clone(), accu));
                let out = self.eval(&c.result, root, vars, d);
                vars.pop();
                out?
            }
            Expr::Call(call) => self.call(call, root, vars, d)?,
            _ => return Err("a construct `check` refuses".into()),
        })
    }

    /// Field `id` of a record value (or a parameter), recording the read.
    fn field(&mut self, of: &V<'a>, id: &str) -> Result<V<'a>, String> {
        match of {
            V::Params => {
                let (_, p) = self
                    .scope
                    .env
                    .params
                    .iter()
                    .find(|(pid, _)| pid == id)
                    .ok_or_else(|| format!("unknown parameter `params.{id}`"))?;
                let v = match p {
                    Param::Integer(i) => V::Int(*i),
                    Param::Date(d) => V::Date(*d),
                    Param::Text(t) => V::Text(t.clone()),
                    Param::Bool(b) => V::Bool(*b),
                };
                self.read(format!("params.{id}"), show(&v), None);
                Ok(v)
            }
            V::Record(r, facts, path) => {
                let fact = facts
                    .iter()
                    .find(|f| f.id.value == id)
                    .ok_or_else(|| format!("unknown fact `{}`", join_path(path, id)))?;
                let p = join_path(path, id);
                match r.get(id) {
                    Some(item) => Ok(self.item(item, fact, p)),
                    None if fact.kind() == Kind::List => {
                        self.read(p, "none (not in the case)".into(), None);
                        Ok(V::List(vec![]))
                    }
                    None => Err(format!("the case has no `{p}`")),
                }
            }
            _ => Err(format!("`.{id}` of a value without fields")),
        }
    }

    fn item(&mut self, item: &'a Item, fact: &'a Fact, path: String) -> V<'a> {
        let v = match &item.value {
            Value::Text(s) | Value::Option(s) | Value::Mrz(s) | Value::Country(s) => {
                V::Text(s.clone())
            }
            Value::Iin(i) => V::Text(i.to_string()),
            Value::Options(ids) => V::List(ids.iter().map(|i| V::Text(i.clone())).collect()),
            Value::Bilingual { kk, ru } => V::Bilingual(kk, ru),
            Value::Date(d) => V::Date(*d),
            Value::Bool(b) => V::Bool(*b),
            Value::Integer(i) => V::Int(*i),
            Value::Record(r) => return V::Record(r, &fact.fields, path),
            Value::List(items) => V::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, r)| V::Record(r, &fact.fields, format!("{path}[{i}]")))
                    .collect(),
            ),
        };
        let shown = match &v {
            V::List(_) => item.value.show(crate::base::text::Lang::Ru),
            v => show(v),
        };
        self.read(path, shown, Some(item.at.line));
        v
    }

    fn call(
        &mut self,
        call: &CallExpr,
        root: &V<'a>,
        vars: &mut Vec<(String, V<'a>)>,
        d: usize,
    ) -> Result<V<'a>, String> {
        let name = call.func_name.as_str();
        let args = &call.args;
        // Short-circuit operators first: the right side may read a fact
        // only the left side's has() makes safe to read.
        match name {
            op::LOGICAL_AND | op::LOGICAL_OR => {
                let want = name == op::LOGICAL_OR;
                return Ok(match self.eval(&args[0], root, vars, d)? {
                    V::Bool(b) if b == want => V::Bool(b),
                    _ => self.eval(&args[1], root, vars, d)?,
                });
            }
            op::CONDITIONAL => {
                return match self.eval(&args[0], root, vars, d)? {
                    V::Bool(true) => self.eval(&args[1], root, vars, d),
                    _ => self.eval(&args[2], root, vars, d),
                };
            }
            _ => {}
        }
        let mut vals = vec![];
        for x in call.target.iter().map(|t| &**t).chain(args) {
            vals.push(self.eval(x, root, vars, d)?);
        }
        let overflow = || format!("`{}` overflows", operator_symbol(name));
        Ok(match (name, vals.as_slice()) {
            (op::LOGICAL_NOT, [V::Bool(b)]) => V::Bool(!b),
            (op::NOT_STRICTLY_FALSE, [V::Bool(b)]) => V::Bool(*b),
            (op::NEGATE, [V::Int(i)]) => V::Int(i.checked_neg().ok_or_else(overflow)?),
            (op::EQUALS, [a, b]) => V::Bool(equal(a, b)),
            (op::NOT_EQUALS, [a, b]) => V::Bool(!equal(a, b)),
            (op::LESS | op::LESS_EQUALS | op::GREATER | op::GREATER_EQUALS, [a, b]) => {
                let ord = match (a, b) {
                    (V::Int(x), V::Int(y)) => x.cmp(y),
                    (V::Date(x), V::Date(y)) => x.cmp(y),
                    (V::Text(x), V::Text(y)) => x.cmp(y),
                    _ => {
                        return Err(format!(
                            "`{}` on values of other types",
                            operator_symbol(name)
                        ));
                    }
                };
                V::Bool(match name {
                    op::LESS => ord.is_lt(),
                    op::LESS_EQUALS => ord.is_le(),
                    op::GREATER => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            (op::ADD, [V::List(a), V::List(b)]) => V::List(a.iter().chain(b).cloned().collect()),
            (
                op::ADD | op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO,
                [V::Int(a), V::Int(b)],
            ) => {
                let r = match name {
                    op::ADD => a.checked_add(*b),
                    op::SUBSTRACT => a.checked_sub(*b),
                    op::MULTIPLY => a.checked_mul(*b),
                    op::DIVIDE if *b == 0 => return Err("division by zero".into()),
                    op::DIVIDE => a.checked_div(*b),
                    _ if *b == 0 => return Err("remainder of a division by zero".into()),
                    _ => a.checked_rem(*b),
                };
                V::Int(r.ok_or_else(overflow)?)
            }
            (op::IN, [x, V::List(items)]) => V::Bool(items.iter().any(|i| equal(x, i))),
            (op::INDEX, [V::List(items), V::Int(i)]) => usize::try_from(*i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| format!("no item {i} in a list of {}", items.len()))?,
            ("size", [V::List(items)]) => V::Int(items.len() as i64),
            ("size", [V::Text(t)]) => V::Int(t.chars().count() as i64),
            ("age", [V::Date(born)]) => {
                let on = self.scope.on;
                let years = on
                    .years_since(*born)
                    .ok_or_else(|| format!("age(): {born} is after the case date {on}"))?;
                V::Int(i64::from(years))
            }
            ("working_days", [V::Date(a), V::Date(b)]) => {
                let cal = self
                    .scope
                    .calendar
                    .ok_or("working_days(): no working-day calendar was given")?;
                V::Int(working_days(cal, *a, *b)?)
            }
            ("date", [V::Text(s)]) => V::Date(parse_date(s)?),
            _ => return Err(format!("`{name}` on values `check` would refuse")),
        })
    }
}

/// Working days after `from` up to and including `to`; negative when `to`
/// is before `from`.
fn working_days(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> Result<i64, String> {
    let (a, b, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut n = 0i64;
    for d in a.iter_days().skip(1).take_while(|d| *d <= b) {
        if cal
            .is_working_day(d)
            .map_err(|e| format!("working_days(): {e}"))?
        {
            n += 1;
        }
    }
    Ok(sign * n)
}

fn equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Text(x), V::Text(y)) => x == y,
        (V::Date(x), V::Date(y)) => x == y,
        (V::List(x), V::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        _ => false,
    }
}

fn show(v: &V) -> String {
    match v {
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Text(t) => t.clone(),
        V::Date(d) => d.format("%Y-%m-%d").to_string(),
        V::Bilingual(kk, ru) => format!("{kk} / {ru}"),
        V::List(items) => format!("{} items", items.len()),
        V::Record(..) => "(record)".into(),
        V::Params => "(parameters)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::values::read_case;
    use std::path::Path;

    const L: &str = "{ kk: \"a\", ru: \"b\" }";

    fn schema() -> Schema {
        serde_saphyr::from_str(&format!(
            "- {{ id: born, type: date, label: {L} }}
- {{ id: goal, type: option, label: {L}, options: [ {{ id: sport, label: {L} }}, {{ id: rest, label: {L} }} ] }}
- {{ id: iin, type: iin, optional: true, label: {L} }}
- {{ id: kids, type: list, optional: true, label: {L}, fields: [ {{ id: born, type: date, label: {L} }}, {{ id: citizen, type: bool, label: {L} }}, {{ id: iin, type: iin, optional: true, label: {L} }} ] }}
- {{ id: passport, type: record, optional: true, label: {L}, fields: [ {{ id: number, type: text, label: {L} }}, {{ id: issued, type: date, label: {L} }} ] }}
- {{ id: place, type: bilingual, label: {L} }}
- {{ id: scripts, type: option, multiple: true, label: {L}, options: [ {{ id: latin, label: {L} }}, {{ id: cyrillic, label: {L} }}, {{ id: other, label: {L} }} ] }}
"
        ))
        .unwrap()
    }

    fn params() -> Vec<(String, Param)> {
        vec![
            ("child_age_limit".into(), Param::Integer(16)),
            (
                "cutoff".into(),
                Param::Date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            ),
        ]
    }

    fn checked(src: &str) -> Result<Expression, Vec<ExprError>> {
        let (s, p) = (schema(), params());
        let e = parse(src).map_err(|e| vec![e])?;
        check(
            &e,
            Env {
                schema: &s,
                params: &p,
            },
        )?;
        Ok(e)
    }

    fn first_error(src: &str) -> ExprError {
        checked(src).unwrap_err().remove(0)
    }

    const CASE: &str = "born: 1988-04-17
goal: rest
scripts: [other]
place: Алматы
kids:
  - born: 2014-03-05
    citizen: true
  - born: 2020-06-01
    citizen: false
    iin: \"200601600018\"
";

    fn run(src: &str, case: &str) -> (bool, Vec<Read>) {
        let (s, p) = (schema(), params());
        let e = checked(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        let facts = read_case(Path::new("c.yaml"), case, &s, &[]).unwrap();
        let scope = Scope {
            env: Env {
                schema: &s,
                params: &p,
            },
            facts: &facts,
            on: NaiveDate::from_ymd_opt(2026, 9, 14).unwrap(),
            calendar: None,
        };
        eval(&e, scope).unwrap()
    }

    #[test]
    fn conditions_over_lists_options_and_parameters() {
        let (holds, reads) = run("kids.exists(c, age(c.born) < params.child_age_limit)", CASE);
        assert!(holds);
        assert_eq!(
            reads,
            [
                Read {
                    path: "kids".into(),
                    value: "2 items".into(),
                    line: Some(6)
                },
                Read {
                    path: "kids[0].born".into(),
                    value: "2014-03-05".into(),
                    line: Some(6)
                },
                Read {
                    path: "params.child_age_limit".into(),
                    value: "16".into(),
                    line: None
                },
            ]
        );
        assert!(!run("kids.all(c, age(c.born) >= 10)", CASE).0);
        assert!(run("kids.exists_one(c, c.citizen)", CASE).0);
        assert!(run("size(kids.filter(c, c.born > params.cutoff)) == 1", CASE).0);
        assert!(run("kids.map(c, age(c.born)) == [12, 6]", CASE).0);
        assert!(run("goal == \"rest\" && goal in [\"rest\", \"sport\"]", CASE).0);
        assert!(run("age(born) == 38 && born < date(\"1990-01-01\")", CASE).0);
        assert!(!run("has(case.iin)", CASE).0);
        assert!(
            run(
                "size(scripts) > 0 && !scripts.exists(s, s in [\"latin\", \"cyrillic\"])",
                CASE
            )
            .0
        );
        assert!(!run("\"latin\" in scripts", CASE).0);
        assert!(run("!has(case.passport) || passport.issued < born", CASE).0);
        assert!(run("kids.exists(c, has(c.iin) && c.iin.size() == 12)", CASE).0);
        // An absent optional list reads as empty.
        let (holds, reads) = run(
            "kids.exists(c, age(c.born) < 16)",
            "born: 1988-04-17\ngoal: sport\nscripts: []\nplace: A\n",
        );
        assert!(!holds);
        assert_eq!(reads[0].value, "none (not in the case)");
    }

    #[test]
    fn an_unknown_fact_lists_what_is_known() {
        let e = first_error("kids.exists(c, age(c.birth) < 16)");
        assert_eq!(e.offset, 20, "{e}");
        assert_eq!(
            e.message,
            "unknown field `c.birth` (known: born, citizen, iin)"
        );
        let e = first_error("childs.size() > 0");
        assert_eq!(e.offset, 0);
        assert!(
            e.message.starts_with("unknown fact `childs` (known: born, case, goal, iin, kids, params, passport, place, scripts)"),
            "{e}"
        );
        let e = first_error("params.adult_age > 1");
        assert!(e.message.contains("known: child_age_limit, cutoff"), "{e}");
    }

    #[test]
    fn type_mismatches() {
        let e = first_error("born < 16");
        assert_eq!(e.offset, 5);
        assert!(e.message.contains("not date and integer"), "{e}");
        assert!(
            first_error("age(goal) > 1")
                .message
                .contains("age() takes a date")
        );
        assert!(
            first_error("goal == 3")
                .message
                .contains("option (sport, rest) and integer")
        );
        assert!(
            first_error("place == \"x\"")
                .message
                .contains("bilingual text")
        );
        assert!(
            first_error("kids.size()")
                .message
                .contains("must be true or false")
        );
        assert!(
            first_error("born + 1 > born")
                .message
                .contains("whole numbers")
        );
        assert!(
            first_error("\"arabic\" in scripts")
                .message
                .contains("not an option of `scripts`")
        );
        let e = first_error("goal == \"trade\"");
        assert_eq!(e.offset, 8);
        assert_eq!(
            e.message,
            "`trade` is not an option of `goal` (options: sport, rest)"
        );
        assert!(
            first_error("date(\"2026-02-30\") < born")
                .message
                .contains("not a date")
        );
    }

    #[test]
    fn unknown_functions_and_unguarded_optionals() {
        let e = first_error("matches(goal, \"w\")");
        assert!(
            e.message.starts_with(
                "unknown function `matches` (known: age, date, has, size, working_days"
            ),
            "{e}"
        );
        let e = first_error("passport.number == \"N1\"");
        assert!(e.message.contains("`passport` is optional"), "{e}");
        assert!(checked("has(case.passport) && passport.number == \"N1\"").is_ok());
        assert!(checked("has(case.passport) ? passport.number == \"N1\" : false").is_ok());
        assert!(
            first_error("has(case.born)")
                .message
                .contains("always true")
        );
        assert!(
            first_error("kids.exists(c, c.iin == \"1\")")
                .message
                .contains("`c.iin` is optional")
        );
    }

    #[test]
    fn hostile_expressions_are_errors_not_crashes() {
        for (src, fails) in [
            (
                format!("{}true{}", "(".repeat(5000), ")".repeat(5000)),
                true,
            ),
            (format!("{}true{}", "(".repeat(400), ")".repeat(400)), true),
            (format!("{}true{}", "[".repeat(200), "]".repeat(200)), true),
            (format!("{}true", "!".repeat(900)), false),
            (format!("born{} == born", ".x".repeat(400)), true),
            (format!("1{} == 1", " + 1".repeat(190)), true),
            (format!("{}1{}", "f(".repeat(300), ")".repeat(300)), true),
            ("(".repeat(999), true),
        ] {
            // Run where a test thread's stack is: the default 2 MiB.
            let r = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || checked(&src).map(|_| ()))
                .unwrap()
                .join()
                .expect("no stack overflow");
            if fails {
                assert!(!r.unwrap_err().is_empty());
            }
        }
        let e = first_error(&format!("{}1{}", "(".repeat(120), ")".repeat(120)));
        assert!(
            e.message.contains("nests too deeply") || e.message.contains("syntax"),
            "{e}"
        );
        assert!(
            parse(&"a".repeat(MAX_LEN + 1))
                .unwrap_err()
                .message
                .contains("at most 1000")
        );
        assert!(
            parse("kids.exists(c, ")
                .unwrap_err()
                .message
                .starts_with("CEL syntax error")
        );
    }

    #[test]
    fn what_check_cannot_see_is_an_evaluation_error() {
        let (s, p) = (schema(), params());
        let facts = read_case(Path::new("c.yaml"), CASE, &s, &[]).unwrap();
        let scope = Scope {
            env: Env {
                schema: &s,
                params: &p,
            },
            facts: &facts,
            on: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            calendar: None,
        };
        let err = |src: &str| eval(&checked(src).unwrap(), scope).unwrap_err();
        assert!(err("kids.exists(c, age(c.born) > 1)").contains("after the case date"));
        assert!(err("working_days(born, born) == 0").contains("no working-day calendar"));
        assert!(err("1 / (age(date(\"1999-01-01\")) - 1) == 0").contains("division by zero"));
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let e = first_error("\"Алматы\" == born");
        assert_eq!(e.offset, 9, "{e}");
        let e = parse("\"Алматы\" == )").unwrap_err();
        assert_eq!(e.offset, 12, "{e}");
    }
}
