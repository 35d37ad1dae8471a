//! Function identity and lookup: overloads and procedures.
//!
//! Input: the functions of a [`Model`]. Output: [`FnKey`] (a routine's identity: its qualified
//! name and the normalised types of its input arguments — PostgreSQL's rule, OUT arguments do not
//! count), the one lookup API other stages use ([`Model::function`], [`Model::functions_named`],
//! [`Model::has_function`], [`Model::function_label`]) and the snapshot form of
//! `Model::functions`. Invariants: functions and procedures share one namespace; the overloads of
//! one name are adjacent in `Model::functions` (the key orders by name first); a model without
//! overloads writes the snapshot it wrote before overloads existed (keys are bare names unless a
//! name has two overloads).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::types;
use super::{Function, Model, QName};

/// Whether a routine is a function or a procedure (`kind: procedure`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RoutineKind {
    /// `CREATE FUNCTION`.
    #[default]
    Function,
    /// `CREATE PROCEDURE`: no result, no volatility; run with `CALL`.
    Procedure,
}

impl RoutineKind {
    /// The SQL keyword: `FUNCTION` or `PROCEDURE`.
    pub fn sql(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
        }
    }

    /// Whether it is a function (the snapshot leaves the kind out then).
    pub fn is_function(&self) -> bool {
        *self == RoutineKind::Function
    }

    /// The word for people: `function` or `procedure`.
    pub fn word(self) -> &'static str {
        match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
        }
    }
}

/// A routine's identity: qualified name and normalised input argument types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FnKey {
    /// Qualified name.
    pub name: QName,
    /// Input argument types (IN, INOUT, VARIADIC), normalised by [`identity_type`].
    pub args: Vec<String>,
}

impl FnKey {
    /// The identity of `f`.
    pub fn of(f: &Function) -> FnKey {
        FnKey {
            name: f.name.clone(),
            args: f
                .args
                .iter()
                .filter(|a| a.mode != super::ArgMode::Out)
                .map(|a| {
                    if a.type_sql.is_empty() {
                        identity_type(&a.type_written.value)
                    } else {
                        identity_type(&a.type_sql)
                    }
                })
                .collect(),
        }
    }

    /// A name with the given written input types.
    pub fn new(name: QName, args: &[&str]) -> FnKey {
        FnKey {
            name,
            args: args.iter().map(|t| identity_type(t)).collect(),
        }
    }
}

impl fmt::Display for FnKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.args.join(", "))
    }
}

/// A type as it counts in a routine's identity: built-in spellings canonical (`int` and `int4`
/// are `integer`), modifiers dropped (PostgreSQL ignores them in signatures), arrays kept, other
/// names lower-cased as written (`public.status` and `status` are not unified).
pub fn identity_type(written: &str) -> String {
    let Some(w) = types::parse_written(written) else {
        return written
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
    };
    let bare = types::WrittenType {
        modifiers: None,
        ..w.clone()
    };
    let mut base = types::builtin_sql(&bare).unwrap_or_else(|| match &w.schema {
        Some(s) => format!("{s}.{}", w.base),
        None => w.base.clone(),
    });
    if !written.contains('"') {
        base = base.to_ascii_lowercase();
    }
    if let Some(open) = base.find('(') {
        base.truncate(open);
    }
    types::with_array(base, w.array_dims)
}

impl Model {
    /// The routine named `name` whose input argument types are `args` (as written; normalised
    /// here). A trigger function is `function(name, &[])`.
    pub fn function(&self, name: &QName, args: &[&str]) -> Option<&Function> {
        self.functions.get(&FnKey::new(name.clone(), args))
    }

    /// Every overload named `name`, in identity order.
    pub fn functions_named<'a>(&'a self, name: &QName) -> impl Iterator<Item = &'a Function> + 'a {
        let start = FnKey {
            name: name.clone(),
            args: Vec::new(),
        };
        let name = name.clone();
        self.functions
            .range(start..)
            .take_while(move |(k, _)| k.name == name)
            .map(|(_, f)| f)
    }

    /// Whether the model declares a routine named `name` (any overload).
    pub fn has_function(&self, name: &QName) -> bool {
        self.functions_named(name).next().is_some()
    }

    /// The volatility a call `name(…)` has, when the model declares `name`: the most volatile of
    /// its function overloads (a call may reach any of them; procedures cannot be called).
    pub fn call_volatility(&self, name: &QName) -> Option<&str> {
        let rank = |v: &str| match v {
            "immutable" => 0,
            "stable" => 1,
            _ => 2,
        };
        self.functions_named(name)
            .filter(|f| f.kind == RoutineKind::Function)
            .map(|f| f.volatility.as_str())
            .max_by_key(|v| rank(v))
    }

    /// How people and change lists name the routine `key`: its bare name when it has no
    /// overload (what schemac always wrote), its signature `name(types)` otherwise.
    pub fn function_label(&self, key: &FnKey) -> String {
        if self.functions_named(&key.name).nth(1).is_some() {
            format!(
                "{}.{}({})",
                key.name.schema,
                key.name.name,
                key.args.join(", ")
            )
        } else {
            format!("{}.{}", key.name.schema, key.name.name)
        }
    }
}

/// `Model::functions` in the snapshot: a JSON object keyed by the qualified name, or by
/// `name(types)` for a name with overloads; read back by the functions' own fields, so snapshots
/// written before overloads existed read the same.
pub mod snapshot_map {
    use super::*;
    use serde::ser::SerializeMap;

    /// Write the map.
    pub fn serialize<S: serde::Serializer>(
        map: &BTreeMap<FnKey, Function>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(Some(map.len()))?;
        let mut names: BTreeMap<&QName, usize> = BTreeMap::new();
        for k in map.keys() {
            *names.entry(&k.name).or_default() += 1;
        }
        for (k, f) in map {
            if names.get(&k.name).copied().unwrap_or(0) > 1 {
                out.serialize_entry(&k.to_string(), f)?;
            } else {
                out.serialize_entry(&k.name, f)?;
            }
        }
        out.end()
    }

    /// Read the map (keys come from each function's name and arguments).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<FnKey, Function>, D::Error> {
        let raw: BTreeMap<String, Function> = BTreeMap::deserialize(d)?;
        Ok(raw.into_values().map(|f| (FnKey::of(&f), f)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_types_are_normalised() {
        assert_eq!(identity_type("int"), "integer");
        assert_eq!(identity_type("INT4"), "integer");
        assert_eq!(identity_type("varchar(10)"), "character varying");
        assert_eq!(identity_type("text[]"), "text[]");
        assert_eq!(identity_type("numeric(10,2)"), "numeric");
        assert_eq!(identity_type("public.Status"), "public.status");
        assert_ne!(identity_type("bigint"), identity_type("integer"));
    }
}
