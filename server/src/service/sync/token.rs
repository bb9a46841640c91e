//! Sync and pagination tokens: positions on the global stream (plus the typing serial for
//! sync), so they stay valid across restarts. Tokens Synapse gave out are read too: a server
//! moved over by `matrixctl import-synapse` keeps Synapse's event positions, so the events
//! part of a Synapse token (`s{events}_{presence}_…`, pagination `t{depth}-{events}`) is a
//! position here, and clients go on syncing and paginating where they were.

/// A sync or pagination position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub pos: i64,
    pub typing: u64,
}

impl Token {
    /// Parses `s<pos>_<typing>` (sync) or `t<pos>` (pagination), and Synapse's
    /// `s<pos>_<presence>_<typing>_…` and `t<depth>-<pos>_<presence>_…` (its other streams'
    /// positions, the typing serial among them, are not ours).
    pub fn parse(s: &str) -> Option<Token> {
        if let Some(rest) = s.strip_prefix('s') {
            let mut parts = rest.split('_');
            let pos = parts.next()?.parse().ok()?;
            let typing = parts.next().unwrap_or("0");
            let synapse = parts.next().is_some();
            return Some(Token {
                pos,
                typing: if synapse { 0 } else { typing.parse().ok()? },
            });
        }
        if let Some(rest) = s.strip_prefix('t') {
            // Synapse's pagination tokens carry its other streams after the room's position.
            let rest = rest.split('_').next().unwrap_or(rest);
            let pos = match rest.split_once('-') {
                // Synapse's topological token; a negative position has no depth before it.
                Some((depth, pos)) if !depth.is_empty() => {
                    depth.parse::<i64>().ok()?;
                    pos
                }
                _ => rest,
            };
            return Some(Token {
                pos: pos.parse().ok()?,
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
        assert_eq!(
            Token::parse("t-17"),
            Some(Token {
                pos: -17,
                typing: 0
            })
        );
        assert_eq!(Token::parse("garbage"), None);
        assert_eq!(Token::parse("s1_x"), None);
    }

    /// Tokens Synapse gave out, read after `matrixctl import-synapse` kept its positions.
    #[test]
    fn synapse_tokens_give_their_event_position() {
        assert_eq!(
            Token::parse("s313_5_0_1_2_3_4_5_0_1_0"),
            Some(Token {
                pos: 313,
                typing: 0
            })
        );
        assert_eq!(
            Token::parse("t12-313"),
            Some(Token {
                pos: 313,
                typing: 0
            })
        );
        assert_eq!(
            Token::parse("t12-313_5_0_1_2_3_4_5_0_1_0"),
            Some(Token {
                pos: 313,
                typing: 0
            })
        );
        assert_eq!(Token::parse("t12-x"), None);
    }
}
