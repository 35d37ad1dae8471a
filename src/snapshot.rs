//! The model snapshot (`generated/schema.snapshot.json`): the model as of the last migration, the
//! "old" side of the next diff.
//!
//! Input: an [`ir::Model`] (writing) or a snapshot's text (reading). Output: the text, or the
//! model it describes and the format it was written in.
//! Invariants: the text is deterministic UTF-8 JSON (every map of the model is ordered), spans
//! never reach it, and what is written reads back to an equal model (spans aside).
//!
//! Format 2 (written since issue 18) is JSON laid out for review: the containers of the first
//! five levels (the snapshot, the model, its sections, each object, each object's parts) are
//! indented one entry per line, and everything deeper — a column, an index, a policy, a trigger,
//! a foreign key — is one line of compact JSON. Fields holding their type's default (`None`,
//! `false`, an empty list or map, a default enum variant) are left out: every such field of a
//! snapshot type carries `#[serde(default, skip_serializing_if = "ir::is_default")]`, so a new
//! field needs that attribute and no code here (`no_field_is_written_at_its_default` fails
//! without it). Format 1 (before issue 18) is the same serde data pretty-printed with every field;
//! it is still read (see [`read`]), and a project that commits it is up to date as long as it
//! describes the model (`schemac::pending_against`).

use crate::ir::Model;

/// The format this schemac writes.
pub const FORMAT: u32 = 2;

/// Containers that begin at this nesting depth or less are written one entry per line; deeper
/// ones on one line. 1 is the snapshot object, 2 the model, 3 a section (`tables`), 4 an object
/// (a table), 5 its parts (`columns`, `indexes`), 6 one part (a column): one line.
const LINE_DEPTH: usize = 5;

/// Write the snapshot of `model` (format [`FORMAT`]) and its final newline into `out`; false when
/// serialization failed.
pub fn write(model: &Model, out: &mut impl std::io::Write) -> bool {
    #[derive(serde::Serialize)]
    struct Snapshot<'a> {
        schemac_snapshot: u32,
        model: &'a Model,
    }
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Lines::default());
    let written = serde::Serialize::serialize(
        &Snapshot {
            schemac_snapshot: FORMAT,
            model,
        },
        &mut ser,
    );
    written.is_ok() && out.write_all(b"\n").is_ok()
}

/// The snapshot of `model` in format 1, as schemac wrote it before issue 18 (pretty-printed,
/// every field written); not written by any command, kept so tests can make the projects of
/// earlier versions.
#[doc(hidden)]
pub fn write_format_1(model: &Model) -> String {
    #[derive(serde::Serialize)]
    struct Snapshot<'a> {
        schemac_snapshot: u32,
        model: &'a Model,
    }
    let text = crate::ir::with_every_field(|| {
        serde_json::to_string_pretty(&Snapshot {
            schemac_snapshot: 1,
            model,
        })
    });
    text.map(|t| t + "\n").unwrap_or_default()
}

/// The model a snapshot's text describes, with the format it was written in (1 or 2).
pub fn read(text: &str) -> Result<(Model, u32), String> {
    #[derive(serde::Deserialize)]
    struct Snapshot {
        schemac_snapshot: u32,
        model: Model,
    }
    /// Only the format, for the message when the model does not read.
    #[derive(serde::Deserialize)]
    struct Head {
        schemac_snapshot: u32,
    }
    let unsupported = |format: u32| {
        format!(
            "snapshot format {format} is not supported by this schemac (it reads formats 1 and {FORMAT})"
        )
    };
    match serde_json::from_str::<Snapshot>(text) {
        Ok(s) if (1..=FORMAT).contains(&s.schemac_snapshot) => Ok((s.model, s.schemac_snapshot)),
        Ok(s) => Err(unsupported(s.schemac_snapshot)),
        // A later format may hold a model this schemac cannot read: say so rather than what
        // failed in it.
        Err(e) => match serde_json::from_str::<Head>(text) {
            Ok(head) if !(1..=FORMAT).contains(&head.schemac_snapshot) => {
                Err(unsupported(head.schemac_snapshot))
            }
            _ => Err(e.to_string()),
        },
    }
}

/// Whether a snapshot's text says it is in format 1, the format written before issue 18 (read
/// from its first lines only; false for anything else, including text that is not a snapshot).
pub fn is_format_1(text: &str) -> bool {
    let compact: String = text
        .chars()
        .take(64)
        .filter(|c| !c.is_whitespace())
        .collect();
    compact.starts_with("{\"schemac_snapshot\":1,")
}

/// serde_json's layout for format 2: indented entries down to [`LINE_DEPTH`], compact below.
#[derive(Debug, Default)]
struct Lines {
    /// How many containers are open.
    depth: usize,
    /// Whether the innermost open container has an entry yet (as serde_json's `PrettyFormatter`).
    has_value: bool,
}

impl Lines {
    /// Whether the innermost open container is written one entry per line.
    fn broken(&self) -> bool {
        self.depth <= LINE_DEPTH
    }

    fn indent<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin<W: ?Sized + std::io::Write>(&mut self, w: &mut W, open: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + std::io::Write>(&mut self, w: &mut W, close: &[u8]) -> std::io::Result<()> {
        let broken = self.broken();
        self.depth = self.depth.saturating_sub(1);
        if broken && self.has_value {
            self.indent(w)?;
        }
        w.write_all(close)
    }

    fn entry<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.broken() {
            self.indent(w)?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Lines {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.entry(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.entry(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.broken() { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
