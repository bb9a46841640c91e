//! fed-bench: drives two running, federating homeservers (matrixd↔matrixd, Synapse↔Synapse)
//! over their client APIs and reports what federation costs a user (issue 13's benchmark):
//! - latency: a message sent on A until a long-polling /sync on B returns it (p50/p99);
//! - throughput: 10 senders on A sending at once, until B's user has received every message;
//! - join: the time B's user takes to join a room of A with 1,000 members and 10,000 events
//!   (the /join call, and until B lists every member).
//!
//! Users are registered with the shared-secret admin API on each server; the report is JSON on
//! stdout. Never a test: run it through tests/bench/federation.sh, see BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Parser;
use e2e::bench::{Client, User, enc, percentiles, round};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
#[command(about = "Federation benchmark over two running homeservers")]
struct Args {
    /// Client API of server A (where rooms live).
    #[arg(long)]
    a_url: String,
    /// registration_shared_secret of A.
    #[arg(long)]
    a_secret: String,
    /// A's server name (rooms are joined through it).
    #[arg(long)]
    a_name: String,
    /// Client API of server B (where the visiting users are).
    #[arg(long)]
    b_url: String,
    #[arg(long)]
    b_secret: String,
    /// A label for the report (e.g. "matrixd↔matrixd").
    #[arg(long, default_value = "")]
    label: String,
    /// Messages timed one at a time for latency.
    #[arg(long, default_value_t = 100)]
    messages: usize,
    /// Concurrent senders for throughput.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages each sender sends for throughput.
    #[arg(long, default_value_t = 100)]
    per_sender: usize,
    /// Members of the room B joins.
    #[arg(long, default_value_t = 1000)]
    join_members: usize,
    /// Events sent into that room before the join.
    #[arg(long, default_value_t = 10_000)]
    join_events: usize,
    /// Phases to run: latency, throughput, join (comma separated).
    #[arg(long, default_value = "latency,throughput,join")]
    only: String,
}

fn client(url: &str, secret: &str, run: &str) -> Arc<Client> {
    Arc::new(Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .expect("an HTTP client"),
        url: url.trim_end_matches('/').to_string(),
        secret: secret.to_string(),
        run: run.to_string(),
        txn: AtomicU64::new(0),
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(run(&args))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn run(args: &Args) -> Result<Value> {
    let run_id = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
            % 1_000_000_000
    );
    let a = client(&args.a_url, &args.a_secret, &run_id);
    let b = client(&args.b_url, &args.b_secret, &run_id);
    let wants = |p: &str| args.only.split(',').any(|x| x.trim() == p);
    let mut report = json!({"label": args.label});

    let alice = a.register("alice").await?;
    let bob = b.register("bob").await?;
    let room = a.create_room(&alice, "fed-bench", "public_chat").await?;
    join_via(&b, &bob, &room, &args.a_name).await?;
    // Bob's sync position, once the join has settled on B.
    let mut since = wait_for_text(&b, &bob, None, &room, None).await?;

    if wants("latency") {
        let mut ms = Vec::with_capacity(args.messages);
        for i in 0..args.messages {
            let marker = format!("lat-{run_id}-{i}");
            let poll = {
                let (b, bob, room, since, marker) = (
                    b.clone(),
                    bob.clone(),
                    room.clone(),
                    since.clone(),
                    marker.clone(),
                );
                tokio::spawn(async move {
                    wait_for_text(&b, &bob, Some(&since), &room, Some(&marker)).await
                })
            };
            // Let the long-poll reach the server before the send.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let t0 = Instant::now();
            a.send(&alice, &room, &marker).await?;
            since = poll.await??;
            ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        report["latency"] = percentiles(ms);
    }

    if wants("throughput") {
        let mut senders = Vec::new();
        for i in 0..args.senders {
            let u = a.register(&format!("sender{i}")).await?;
            a.join(&u, &room).await?;
            senders.push(u);
        }
        // Every sender's join has reached B before the clock starts.
        since = wait_for_text(&b, &bob, Some(&since), &room, None).await?;
        let total = args.senders * args.per_sender;
        let t0 = Instant::now();
        let counter = {
            let (b, bob, room, since, run_id) = (
                b.clone(),
                bob.clone(),
                room.clone(),
                since.clone(),
                run_id.clone(),
            );
            tokio::spawn(async move {
                count_texts(&b, &bob, &since, &room, &format!("tp-{run_id}-"), total, t0).await
            })
        };
        let mut tasks = Vec::new();
        for (i, u) in senders.into_iter().enumerate() {
            let (a, room, run_id, n) = (a.clone(), room.clone(), run_id.clone(), args.per_sender);
            tasks.push(tokio::spawn(async move {
                for j in 0..n {
                    a.send(&u, &room, &format!("tp-{run_id}-{i}-{j}")).await?;
                }
                Ok::<_, anyhow::Error>(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        let sent = t0.elapsed().as_secs_f64();
        let (next, arrived, last) = counter.await??;
        since = next;
        let delivered = last.as_secs_f64();
        report["throughput"] = json!({
            "senders": args.senders,
            "messages": total,
            "arrived": arrived,
            "sent_s": round(sent, 3),
            "delivered_s": round(delivered, 3),
            "delivered_per_s": round(arrived as f64 / delivered.max(1e-9), 1),
        });
    }

    if wants("join") {
        report["join"] = join_phase(args, &a, &b, &alice, &run_id).await?;
    }
    let _ = since;
    Ok(report)
}

/// `user` of `c` joins `room` through `server`.
async fn join_via(c: &Client, user: &User, room: &str, server: &str) -> Result<()> {
    c.call(
        reqwest::Method::POST,
        &format!(
            "/_matrix/client/v3/join/{}?server_name={}",
            enc(room),
            enc(server)
        ),
        Some(&user.token),
        Some(&json!({})),
    )
    .await
    .with_context(|| format!("joining {room} through {server}"))?;
    Ok(())
}

/// The timeline texts of `room` in a sync answer.
fn texts<'a>(sync: &'a Value, room: &str) -> impl Iterator<Item = &'a str> {
    sync["rooms"]["join"][room]["timeline"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["content"]["body"].as_str())
}

/// Long-polls /sync from `since` until `marker` appears in `room` (or, without a marker,
/// until the room is in the answer or nothing new comes within a second); the next position.
async fn wait_for_text(
    c: &Client,
    user: &User,
    since: Option<&str>,
    room: &str,
    marker: Option<&str>,
) -> Result<String> {
    let mut since = since.map(String::from);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let timeout = if marker.is_some() { 30_000 } else { 1_000 };
        let (v, _) = c.sync(user, since.as_deref(), timeout).await?;
        let next = v["next_batch"]
            .as_str()
            .ok_or_else(|| anyhow!("no next_batch"))?
            .to_string();
        let found = match marker {
            Some(m) => texts(&v, room).any(|t| t == m),
            None => v["rooms"]["join"].get(room).is_none() && since.is_some(),
        };
        since = Some(next.clone());
        if found {
            return Ok(next);
        }
        if Instant::now() > deadline {
            bail!("{}: waited two minutes for {marker:?} in {room}", c.url);
        }
    }
}

/// Long-polls /sync until `total` messages starting with `prefix` arrived in `room`, or none
/// came for 30 s (a server that drops some: the figure is what arrived). The next position,
/// how many arrived, and when the last one did (since `t0`).
async fn count_texts(
    c: &Client,
    user: &User,
    since: &str,
    room: &str,
    prefix: &str,
    total: usize,
    t0: Instant,
) -> Result<(String, usize, Duration)> {
    let mut since = since.to_string();
    let mut seen = std::collections::HashSet::new();
    let mut last = t0.elapsed();
    // A timeline long enough that no answer is `limited` (a default sync shows only the last
    // ten events of a busy room).
    let filter = enc(&json!({"room": {"timeline": {"limit": 1000}}}).to_string());
    while seen.len() < total {
        let (v, _) = c
            .call(
                reqwest::Method::GET,
                &format!(
                    "/_matrix/client/v3/sync?timeout=30000&since={}&filter={filter}",
                    enc(&since)
                ),
                Some(&user.token),
                None,
            )
            .await?;
        let before = seen.len();
        for t in texts(&v, room).filter(|t| t.starts_with(prefix)) {
            seen.insert(t.to_string());
        }
        since = v["next_batch"]
            .as_str()
            .ok_or_else(|| anyhow!("no next_batch"))?
            .to_string();
        if seen.len() > before {
            last = t0.elapsed();
        } else if t0.elapsed() - last > Duration::from_secs(30) {
            eprintln!("{}: {} of {total} messages arrived", c.url, seen.len());
            break;
        }
    }
    Ok((since, seen.len(), last))
}

/// A room of A with `join_members` members and `join_events` messages, then a user of B
/// joins it: the /join call, and until B lists every member.
async fn join_phase(
    args: &Args,
    a: &Arc<Client>,
    b: &Arc<Client>,
    owner: &User,
    run_id: &str,
) -> Result<Value> {
    let fill = Instant::now();
    let room = a.create_room(owner, "big", "public_chat").await?;
    let members = args.join_members.saturating_sub(1);
    let mut handles = Vec::new();
    let per_task = members.div_ceil(10).max(1);
    for t in 0..members.div_ceil(per_task) {
        let (a, room) = (a.clone(), room.clone());
        let range = t * per_task..((t + 1) * per_task).min(members);
        handles.push(tokio::spawn(async move {
            let mut users = Vec::new();
            for i in range {
                let u = a.register(&format!("m{i}")).await?;
                a.join(&u, &room).await?;
                users.push(u);
            }
            Ok::<_, anyhow::Error>(users)
        }));
    }
    let mut users = vec![owner.clone()];
    for h in handles {
        users.extend(h.await??);
    }
    let senders: Vec<User> = users.iter().take(10).cloned().collect();
    let per = args.join_events.div_ceil(senders.len());
    let mut handles = Vec::new();
    for (i, u) in senders.into_iter().enumerate() {
        let (a, room, run_id) = (a.clone(), room.clone(), run_id.to_string());
        handles.push(tokio::spawn(async move {
            for j in 0..per {
                a.send(&u, &room, &format!("fill-{run_id}-{i}-{j}")).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let fill_s = fill.elapsed().as_secs_f64();

    let carol = b.register("carol").await?;
    let t0 = Instant::now();
    join_via(b, &carol, &room, &args.a_name).await?;
    let join_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let expected = args.join_members + 1;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (v, _) = b
            .call(
                reqwest::Method::GET,
                &format!("/_matrix/client/v3/rooms/{}/joined_members", enc(&room)),
                Some(&carol.token),
                None,
            )
            .await?;
        let n = v["joined"].as_object().map_or(0, |m| m.len());
        if n >= expected {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "{}: {n} of {expected} members listed after ten minutes",
                b.url
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let complete_ms = t0.elapsed().as_secs_f64() * 1000.0;
    Ok(json!({
        "members": args.join_members,
        "events": args.join_events,
        "fill_s": round(fill_s, 1),
        "join_call_ms": round(join_ms, 1),
        "all_members_ms": round(complete_ms, 1),
    }))
}
