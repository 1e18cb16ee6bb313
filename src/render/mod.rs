//! Render: handlebars templates (embedded, overlaid by a user directory) with per-language
//! quoting helpers. Pure: inventory and topology in, text out; no I/O besides reading an
//! overlay directory.
