//! OpenGraph from HTML with a small tag scanner (no DOM): every `<meta property="og:*"
//! content>` (at most 50, as Synapse), with `<title>` and `<meta name="description">` as
//! fallbacks for og:title and og:description, and `<link rel="image_src">` or
//! `<meta itemprop="image">` for og:image. Skips comments, scripts and styles. Pure functions.

use serde_json::{Map, Value};

/// Synapse's OG_TAG_NAME_MAXLEN and OG_TAG_VALUE_MAXLEN: longer ones are dropped.
pub const TAG_NAME_MAXLEN: usize = 50;
pub const TAG_VALUE_MAXLEN: usize = 1000;

/// One start tag: lowercased name and attributes (names lowercased, values decoded).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes the common HTML character references.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| c == ';' || c == '&' || c.is_whitespace())
            .map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest.as_bytes().get(e) == Some(&b';') => {
                let name = &rest[1..e];
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    n if n.starts_with("#x") || n.starts_with("#X") => {
                        u32::from_str_radix(&n[2..], 16)
                            .ok()
                            .and_then(char::from_u32)
                    }
                    n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
                    _ => None,
                };
                c.map(|c| (c, e + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses the attributes of a tag body (after the name, before `>`).
fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if start == i {
            break;
        }
        let name = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let ve = s[vs..].find(q as char).map_or(b.len(), |e| vs + e);
                i = (ve + 1).min(b.len());
                &s[vs..ve]
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                &s[vs..i]
            };
            out.push((name, decode_entities(value)));
        } else {
            out.push((name, String::new()));
        }
    }
    out
}

/// Walks the document's start tags, calling `f` with each and the text up to the next tag.
fn scan(html: &str, mut f: impl FnMut(&Tag, &str)) {
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        if lower[start..].starts_with("<!--") {
            i = lower[start..]
                .find("-->")
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let Some(end_off) = html[start..].find('>') else {
            break;
        };
        let end = start + end_off;
        let inner = &html[start + 1..end];
        i = end + 1;
        if inner.starts_with('/') || inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let name_end = inner
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let tag = Tag {
            name: name.clone(),
            attrs: parse_attrs(&inner[name_end..]),
        };
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(html.len(), |e| i + e);
            continue;
        }
        let text_end = html[i..].find('<').map_or(html.len(), |e| i + e);
        f(&tag, &html[i..text_end]);
    }
}

/// OpenGraph data of an HTML document; `og:image` is left as found (relative or absolute).
pub fn parse(html: &str) -> Map<String, Value> {
    let mut og = Map::new();
    let mut count = 0;
    let mut title = None;
    let mut description = None;
    let mut image = None;
    scan(html, |tag, text| match tag.name.as_str() {
        "meta" => {
            let content = tag.attr("content");
            if let (Some(p), Some(c)) = (tag.attr("property"), content)
                && p.starts_with("og:")
                && count < 50
            {
                count += 1;
                og.insert(p.to_string(), Value::String(c.to_string()));
            }
            if let (Some(n), Some(c)) = (tag.attr("name"), content)
                && n.eq_ignore_ascii_case("description")
                && description.is_none()
            {
                description = Some(c.to_string());
            }
            if let (Some(n), Some(c)) = (tag.attr("itemprop"), content)
                && n == "image"
                && image.is_none()
            {
                image = Some(c.to_string());
            }
        }
        "title" if title.is_none() => {
            let t = decode_entities(text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if !t.is_empty() {
                title = Some(t);
            }
        }
        "link"
            if tag
                .attr("rel")
                .is_some_and(|r| r.eq_ignore_ascii_case("image_src"))
                && image.is_none() =>
        {
            image = tag.attr("href").map(str::to_string);
        }
        _ => {}
    });
    if !og.contains_key("og:title")
        && let Some(t) = title
    {
        og.insert("og:title".into(), Value::String(t));
    }
    if !og.contains_key("og:description")
        && let Some(d) = description
    {
        og.insert("og:description".into(), Value::String(d));
    }
    if !og.contains_key("og:image")
        && let Some(i) = image
    {
        og.insert("og:image".into(), Value::String(i));
    }
    og
}

/// Drops over-long keys and values, as Synapse does.
pub fn prune(og: &mut Map<String, Value>) {
    og.retain(|k, v| {
        let len = match v {
            Value::String(s) => s.chars().count(),
            other => other.to_string().len(),
        };
        k.len() <= TAG_NAME_MAXLEN && len <= TAG_VALUE_MAXLEN
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_opengraph_and_fallbacks() {
        let html = r#"<!doctype html><html><head><!-- <meta property="og:title" content="comment"> -->
            <title> Page &amp; Title </title>
            <script>var s = "<meta property='og:title' content='script'>";</script>
            <meta property="og:description" content='Desc &quot;quoted&quot; &#39;x&#x27;'>
            <META PROPERTY=og:image CONTENT=/img.png>
            <meta name="description" content="ignored">
            </head></html>"#;
        let og = parse(html);
        assert_eq!(og["og:title"], "Page & Title");
        assert_eq!(og["og:description"], "Desc \"quoted\" 'x'");
        assert_eq!(og["og:image"], "/img.png");
        let og = parse("<meta name=Description content=d><link rel=image_src href=a.png>");
        assert_eq!(og["og:description"], "d");
        assert_eq!(og["og:image"], "a.png");
        assert!(!og.contains_key("og:title"));
    }
}
