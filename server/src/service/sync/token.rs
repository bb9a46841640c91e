//! Sync and pagination tokens: positions on the global stream (plus the typing serial for
//! sync), so they stay valid across restarts.

/// A sync or pagination position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub pos: i64,
    pub typing: u64,
}

impl Token {
    /// Parses `s<pos>_<typing>` (sync) or `t<pos>` (pagination).
    pub fn parse(s: &str) -> Option<Token> {
        if let Some(rest) = s.strip_prefix('s') {
            let (pos, typing) = rest.split_once('_').unwrap_or((rest, "0"));
            return Some(Token {
                pos: pos.parse().ok()?,
                typing: typing.parse().ok()?,
            });
        }
        if let Some(rest) = s.strip_prefix('t') {
            return Some(Token {
                pos: rest.parse().ok()?,
                typing: 0,
            });
        }
        None
    }
    pub fn sync(&self) -> String {
        format!("s{}_{}", self.pos, self.typing)
    }
}

pub fn page_token(pos: i64) -> String {
    format!("t{pos}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let t = Token { pos: 42, typing: 7 };
        assert_eq!(Token::parse(&t.sync()), Some(t));
        assert_eq!(Token::parse("t17"), Some(Token { pos: 17, typing: 0 }));
        assert_eq!(Token::parse("garbage"), None);
    }
}
