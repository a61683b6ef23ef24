//! Device names and log lines come from drivers and from users' files: escape control
//! characters before they reach a terminal.

/// Replaces control characters (other than tab) and DEL by `\xNN` escapes.
pub fn escape_control(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Cuts `text` to at most `max` characters, marking the cut with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_escape_sequences_and_keeps_tabs() {
        assert_eq!(escape_control("a\u{1b}[31mb\tc"), "a\\x1b[31mb\tc");
        assert_eq!(escape_control("plain"), "plain");
    }

    #[test]
    fn shortens_on_character_boundaries() {
        assert_eq!(shorten("äbcdef", 4), "äbc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
