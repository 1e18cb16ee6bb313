//! Colours by role: every coloured piece of output says what it is (a create, an error, a
//! diff line), and this one table says how each role looks. Colour off renders the text as is.

/// What a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A resource to create; a passed check; an added diff line.
    Create,
    /// A resource to update.
    Update,
    /// Nothing to do.
    NoOp,
    /// A change bisrc will not make in place.
    Blocked,
    /// A resource that could not be probed.
    Unknown,
    /// Something that succeeded (✓).
    Ok,
    /// Something that failed (✗).
    Failed,
    /// A diff's removed line.
    Removed,
    /// A diff hunk header (`@@`).
    Hunk,
    /// A name that the eye should find (an address, a diff's file header).
    Strong,
    /// A diagnostic's `error` label.
    Error,
    /// A diagnostic's `warning` label.
    Warning,
    /// A diagnostic's line-number gutter.
    Gutter,
    /// A diagnostic's `help` label.
    Help,
}

impl Style {
    /// The escape that starts the role (empty without colour).
    pub fn start(self, color: bool) -> &'static str {
        if !color {
            return "";
        }
        match self {
            Style::Create | Style::Ok => "\x1b[32m",
            Style::Update => "\x1b[33m",
            Style::NoOp => "\x1b[2m",
            Style::Blocked | Style::Failed | Style::Removed => "\x1b[31m",
            Style::Unknown => "\x1b[35m",
            Style::Hunk => "\x1b[36m",
            Style::Strong => "\x1b[1m",
            Style::Error => "\x1b[1;31m",
            Style::Warning => "\x1b[1;33m",
            Style::Gutter => "\x1b[1;34m",
            Style::Help => "\x1b[1;36m",
        }
    }
}

/// The escape that ends any role (empty without colour).
pub fn reset(color: bool) -> &'static str {
    if color {
        "\x1b[0m"
    } else {
        ""
    }
}

/// `text` in the role's colour, or as is without colour.
pub fn paint(color: bool, style: Style, text: &str) -> String {
    format!("{}{text}{}", style.start(color), reset(color))
}

/// ✓ or ✗, painted as [`Style::Ok`] or [`Style::Failed`].
pub fn mark(color: bool, ok: bool) -> String {
    if ok {
        paint(color, Style::Ok, "✓")
    } else {
        paint(color, Style::Failed, "✗")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_off_is_the_text_as_is_and_on_wraps_it() {
        assert_eq!(paint(false, Style::Create, "x"), "x");
        assert_eq!(paint(true, Style::Create, "x"), "\x1b[32mx\x1b[0m");
        assert_eq!(paint(true, Style::Error, "e"), "\x1b[1;31me\x1b[0m");
        assert_eq!(mark(false, true), "✓");
        assert_eq!(mark(true, false), "\x1b[31m✗\x1b[0m");
    }
}
