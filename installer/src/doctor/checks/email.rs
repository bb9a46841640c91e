//! Email: the configured SMTP server resolves and answers EHLO (and offers STARTTLS when
//! `require_transport_security` asks for it). No mail is sent: the probe says QUIT after EHLO.

use std::net::SocketAddr;
use std::time::Duration;

use matrixd::config::YamlValue;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use crate::doctor::{Ctx, Outcome, net};

/// One SMTP reply: (code, lines).
async fn reply<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> Result<(u16, Vec<String>), String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(crate::tr!("mail-closed"));
        }
        let line = line.trim_end().to_string();
        let code: u16 = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| crate::tr!("mail-not-smtp", line = format!("{line:?}")))?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or("").to_string());
        if !more {
            return Ok((code, lines));
        }
    }
}

/// Greets `addr` with EHLO; returns the greeting and the EHLO extension lines.
pub async fn ehlo(addr: SocketAddr) -> Result<(String, Vec<String>), String> {
    let stream = tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| crate::tr!("mail-timeout", addr = addr, n = 5))?
        .map_err(|e| format!("{addr}: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let talk = async {
        let (code, greeting) = reply(&mut read).await?;
        if code != 220 {
            return Err(crate::tr!(
                "mail-greeting",
                reply = format!("{code} {}", greeting.join(" "))
            ));
        }
        write
            .write_all(b"EHLO matrixctl-doctor.invalid\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let (code, ext) = reply(&mut read).await?;
        let _ = write.write_all(b"QUIT\r\n").await;
        if code != 250 {
            return Err(crate::tr!(
                "mail-ehlo-answered",
                reply = format!("{code} {}", ext.join(" "))
            ));
        }
        Ok((greeting.join(" "), ext))
    };
    tokio::time::timeout(Duration::from_secs(10), talk)
        .await
        .map_err(|_| crate::tr!("mail-stalled", addr = addr))?
}

pub fn smtp(ctx: &Ctx) -> Outcome {
    let Some(YamlValue::Mapping(m)) = ctx.loaded.raw("email") else {
        return Outcome::skip(crate::msg!("cfg-email-off"));
    };
    let get = |k: &str| m.get(k).filter(|v| !v.is_null());
    let host = get("smtp_host")
        .and_then(|v| v.as_str())
        .unwrap_or("localhost")
        .to_string();
    let force_tls = get("force_tls").and_then(|v| v.as_bool()).unwrap_or(false);
    let port = get("smtp_port")
        .and_then(|v| v.as_u64())
        .map(|p| p as u16)
        .unwrap_or(if force_tls { 465 } else { 25 });
    let require_tls = get("require_transport_security")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let target = format!("{host}:{port}");
    let result = ctx.block_on(async {
        let addr = match ctx
            .opts
            .net
            .connect_to
            .iter()
            .find(|c| c.host == host && c.port == port)
        {
            Some(c) => c.to,
            None => SocketAddr::new(net::lookup_ips(&ctx.opts.net, &host).await?[0], port),
        };
        if force_tls {
            tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
                .await
                .map_err(|_| crate::tr!("mail-timeout", addr = addr, n = 5))?
                .map_err(|e| format!("{addr}: {e}"))?;
            return Ok((crate::tr!("mail-implicit-tls"), Vec::new()));
        }
        ehlo(addr).await
    });
    let note = crate::msg!("mail-note-smtp-only");
    match result {
        Err(e) => Outcome::fail(
            crate::msg!("mail-no-smtp", target = target, error = e),
            crate::msg!(
                "mail-no-smtp-fix",
                host = "email.smtp_host",
                port = "smtp_port"
            ),
        ),
        Ok((greeting, ext)) => {
            let starttls = ext.iter().any(|l| l.eq_ignore_ascii_case("STARTTLS"));
            let o = if require_tls && !starttls && !force_tls {
                Outcome::fail(
                    crate::msg!(
                        "mail-no-starttls",
                        target = target,
                        key = "require_transport_security"
                    ),
                    crate::msg!("mail-no-starttls-fix", key = "force_tls: true"),
                )
            } else if starttls {
                Outcome::ok(crate::msg!("mail-ehlo-starttls", target = target))
            } else {
                Outcome::ok(crate::msg!("mail-ehlo", target = target))
            };
            o.detail("greeting", greeting)
                .detail("extensions", ext.join(", "))
                .detail_text("note", note)
        }
    }
}
