//! matrix-bench: drives any running Matrix homeserver over HTTP (matrixd, Synapse, ...) and
//! reports send throughput and latency, initial sync time and size for a big room, send→sync
//! delivery latency, rooms created per second, the server's RSS and its start-to-ready time.
//!
//! Users are registered with the shared-secret admin API (/_synapse/admin/v1/register), so the
//! same run works against Synapse. The client is deliberately cheap (one HTTP client, a
//! current-thread runtime by default) and reports its own CPU time next to the server's, so a
//! reader can tell when the load generator, not the server, was the limit.
//!
//! Never a test: run it by hand, see BENCHMARKS.md.

use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Parser;
use e2e::bench::{Client, User, percentiles, round, start_server, stop_server};
use serde_json::{Value, json};

#[derive(Parser, Debug, Clone)]
#[command(
    name = "matrix-bench",
    about = "Benchmark a Matrix homeserver over HTTP (matrixd or Synapse)"
)]
struct Args {
    /// Base URL of the homeserver, e.g. http://127.0.0.1:8008
    #[arg(long, required_unless_present = "print", default_value = "")]
    url: String,
    /// registration_shared_secret from the server's homeserver.yaml
    #[arg(long, required_unless_present = "print", default_value = "")]
    shared_secret: String,
    /// Concurrent senders (and room creators)
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Seconds of the send-throughput and room-creation phases
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Stop the send phase after this many messages instead (whichever comes first)
    #[arg(long)]
    messages: Option<u64>,
    /// Events in the room whose initial sync is measured
    #[arg(long, default_value_t = 10_000)]
    events: u64,
    /// Initial syncs measured (each on a fresh login, so no server-side response cache helps)
    #[arg(long, default_value_t = 3)]
    sync_repeats: usize,
    /// Send→sync delivery samples
    #[arg(long, default_value_t = 200)]
    delivery_samples: usize,
    /// Server process to watch: VmRSS/VmHWM and CPU time from /proc/PID
    #[arg(long)]
    pid: Option<u32>,
    /// Start the server with this shell command (run as `sh -c "exec CMD"`), time it until
    /// /_matrix/client/versions answers, watch its PID, and stop it (SIGTERM) at the end
    #[arg(long)]
    start_cmd: Option<String>,
    /// Where the started server's stdout/stderr go
    #[arg(long, default_value = "/tmp/matrix-bench-server.log")]
    server_log: String,
    /// Phases to run (comma separated): send,delivery,sync,rooms; and `many` (one user in
    /// many rooms, sizes from --many-rooms), which is not in the default set
    #[arg(
        long,
        default_value = "send,delivery,sync,rooms",
        value_delimiter = ','
    )]
    only: Vec<String>,
    /// Room counts of the `many` phase (ascending; the rooms of one size are kept for the next)
    #[arg(long, default_value = "100,300,1000", value_delimiter = ',')]
    many_rooms: Vec<usize>,
    /// Runtime worker threads: 1 = current_thread (default), 2 = multi-thread with 2 workers
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Other processes of the same server (matrixd `worker_name`): the send phase's senders
    /// are spread over `--url` and these in turn, and the delivery phase's receiver syncs on
    /// the last of them while its sender sends on `--url`
    #[arg(long, value_delimiter = ',')]
    worker_urls: Vec<String>,
    /// Print the figures as JSON (schema 1) on stdout instead of the table
    #[arg(long)]
    json: bool,
    /// A label for the report (e.g. "matrixd sqlite")
    #[arg(long, default_value = "")]
    label: String,
    /// Print the table of a saved --json report and exit
    #[arg(long, value_name = "JSON_FILE")]
    print: Option<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(file) = &args.print {
        let text = std::fs::read_to_string(file).with_context(|| format!("read {file}"))?;
        print_table(&serde_json::from_str(&text).with_context(|| format!("parse {file}"))?);
        return Ok(());
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()?
    };
    let mut started: Option<Child> = None;
    let result = rt.block_on(run(&args, &mut started));
    if let Some(child) = started.as_mut() {
        stop_server(child);
    }
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// /proc readers: RSS of the server, CPU time of the server and of this process.

fn clk_tck() -> f64 {
    // SAFETY: sysconf has no memory effects.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// utime + stime of a process in seconds, from /proc/PID/stat (fields 14 and 15).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces: fields restart after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clk_tck())
}

/// (VmRSS, VmHWM) in KiB.
fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU used by this process and by the server between `start()` and `finish()`.
struct CpuWindow {
    wall: Instant,
    me: f64,
    server: Option<f64>,
    pid: Option<u32>,
}

impl CpuWindow {
    fn start(pid: Option<u32>) -> Self {
        CpuWindow {
            wall: Instant::now(),
            me: cpu_seconds("self").unwrap_or(0.0),
            server: pid.and_then(|p| cpu_seconds(&p.to_string())),
            pid,
        }
    }

    fn finish(&self) -> Value {
        let wall = self.wall.elapsed().as_secs_f64();
        let me = cpu_seconds("self").unwrap_or(0.0) - self.me;
        let server = match (self.pid, self.server) {
            (Some(p), Some(s0)) => cpu_seconds(&p.to_string()).map(|s| s - s0),
            _ => None,
        };
        json!({
            "wall_s": round(wall, 3),
            "bench_cpu_s": round(me, 3),
            "bench_cpu_pct": round(100.0 * me / wall.max(1e-9), 1),
            "server_cpu_s": server.map(|s| round(s, 3)),
            "server_cpu_pct": server.map(|s| round(100.0 * s / wall.max(1e-9), 1)),
        })
    }
}

/// The room-list request Element X sends (matrix-sdk-ui's `RoomListService`): one list of
/// every room, newest first, with a timeline of one event and the state it shows rooms by.
fn element_x_room_list(rooms: usize) -> Value {
    json!({
        "conn_id": "room-list",
        "lists": {"all_rooms": {
            "ranges": [[0, rooms.saturating_sub(1)]],
            "timeline_limit": 1,
            "required_state": [
                ["m.room.encryption", ""], ["m.room.member", "$LAZY"], ["m.room.member", "$ME"],
                ["m.room.name", ""], ["m.room.canonical_alias", ""], ["m.room.power_levels", ""],
                ["m.room.join_rules", ""], ["m.room.avatar", ""], ["m.room.create", ""],
                ["m.room.topic", ""], ["m.room.pinned_events", ""], ["m.room.history_visibility", ""],
                ["m.call.member", "*"]
            ],
            "filters": {"not_room_types": ["m.space"]}
        }},
        "extensions": {
            "to_device": {"enabled": true}, "e2ee": {"enabled": true},
            "account_data": {"enabled": true}, "receipts": {"enabled": true},
            "typing": {"enabled": true}
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The phases.

async fn run(args: &Args, started: &mut Option<Child>) -> Result<Value> {
    let url = args.url.trim_end_matches('/').to_string();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.senders + 8)
        .timeout(Duration::from_secs(120))
        .build()?;
    let mut report = json!({
        "schema": 1,
        "label": args.label,
        "url": url,
        "senders": args.senders,
        "bench_threads": args.threads,
        "machine": machine(),
    });

    let mut pid = args.pid;
    if let Some(cmd) = &args.start_cmd {
        let t0 = Instant::now();
        let child = started.insert(start_server(cmd, &args.server_log)?);
        pid = pid.or(Some(child.id()));
        let versions = format!("{url}/_matrix/client/versions");
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                bail!(
                    "the server exited ({status}) before answering; see {}",
                    args.server_log
                );
            }
            if let Ok(r) = http.get(&versions).send().await
                && r.status().is_success()
            {
                break;
            }
            if t0.elapsed() > Duration::from_secs(120) {
                bail!(
                    "{versions} did not answer within 120 s; see {}",
                    args.server_log
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        report["start_to_ready_ms"] = json!(round(t0.elapsed().as_secs_f64() * 1000.0, 1));
        report["start_cmd"] = json!(cmd);
        // Let start-up work (caches, background jobs) settle before the idle reading.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    report["pid"] = json!(pid);
    let rss = |stage: &str, report: &mut Value| {
        if let Some((rss, hwm)) = pid.and_then(rss_kib) {
            report["rss"][stage] = json!({"rss_mib": round(rss as f64 / 1024.0, 1), "hwm_mib": round(hwm as f64 / 1024.0, 1)});
        }
    };
    rss("idle", &mut report);

    let client = Arc::new(Client {
        http,
        url: url.clone(),
        secret: args.shared_secret.clone(),
        run: format!(
            "{:x}{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs()
                % 0x10000
        ),
        txn: AtomicU64::new(0),
    });
    let t = Instant::now();
    let mut senders = Vec::new();
    for i in 0..args.senders {
        senders.push(client.register(&format!("s{i}")).await?);
    }
    eprintln!(
        "registered {} senders in {:.1} s",
        senders.len(),
        t.elapsed().as_secs_f64()
    );
    report["register_s"] = json!(round(t.elapsed().as_secs_f64(), 2));
    rss("after_register", &mut report);

    // One client per process of the server: `--url` first.
    let mut processes = vec![client.clone()];
    for (k, u) in args.worker_urls.iter().enumerate() {
        processes.push(Arc::new(Client {
            http: client.http.clone(),
            url: u.trim_end_matches('/').to_string(),
            secret: client.secret.clone(),
            run: client.run.clone(),
            // Transaction ids stay unique per user across the clients.
            txn: AtomicU64::new((k as u64 + 1) << 40),
        }));
    }
    if !args.worker_urls.is_empty() {
        report["processes"] = json!(processes.len());
    }
    let phase = |name: &str| args.only.iter().any(|p| p == name);
    if phase("send") {
        report["send"] = send_phase(args, &processes, &senders, pid).await?;
        rss("after_send", &mut report);
    }
    if phase("delivery") {
        let receiving = processes.last().expect("at least --url");
        report["delivery"] = delivery_phase(args, &client, receiving, pid).await?;
        rss("after_delivery", &mut report);
    }
    if phase("sync") {
        report["initial_sync"] = sync_phase(args, &client, &senders, pid).await?;
        rss("after_sync", &mut report);
    }
    if phase("rooms") {
        report["create_room"] = rooms_phase(args, &client, &senders, pid).await?;
        rss("after_rooms", &mut report);
    }
    if phase("many") {
        report["many_rooms"] = many_rooms_phase(args, &client, &senders, pid).await?;
        rss("after_many", &mut report);
    }
    rss("end", &mut report);
    Ok(report)
}

/// N senders in one shared room, each PUTting messages back to back.
async fn send_phase(
    args: &Args,
    processes: &[Arc<Client>],
    senders: &[User],
    pid: Option<u32>,
) -> Result<Value> {
    let client = &processes[0];
    let room = client
        .create_room(&senders[0], "bench send", "public_chat")
        .await?;
    for s in &senders[1..] {
        client.join(s, &room).await?;
    }
    eprintln!(
        "send: {} senders for {} s in {room}",
        senders.len(),
        args.duration
    );
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let budget = Arc::new(AtomicU64::new(args.messages.unwrap_or(u64::MAX)));
    let cpu = CpuWindow::start(pid);
    let mut tasks = Vec::new();
    for (i, s) in senders.iter().enumerate() {
        let client = processes[i % processes.len()].clone();
        let (s, room, budget) = (s.clone(), room.clone(), budget.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline
                && budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                    .is_ok()
            {
                let t = Instant::now();
                match client
                    .send(&s, &room, &format!("sender {i} message {n}"))
                    .await
                {
                    Ok(_) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => {
                        errors += 1;
                        if errors <= 3 {
                            eprintln!("send error: {e:#}");
                        }
                    }
                }
                n += 1;
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors += e;
    }
    let cpu = cpu.finish();
    let wall = cpu["wall_s"].as_f64().unwrap_or(1.0);
    let ok = lat.len();
    Ok(json!({
        "messages": ok,
        "errors": errors,
        "msgs_per_s": round(ok as f64 / wall, 1),
        "latency": percentiles(lat),
        "cpu": cpu,
    }))
}

/// One sender, one receiver long-polling /sync (on `receiving`, another process of the server
/// when there are several); the time from issuing each send until the receiver's sync hands
/// the event over.
async fn delivery_phase(
    args: &Args,
    client: &Arc<Client>,
    receiving: &Arc<Client>,
    pid: Option<u32>,
) -> Result<Value> {
    let sender = client.register("dsend").await?;
    let receiver = client.register("drecv").await?;
    let room = client
        .create_room(&sender, "bench delivery", "public_chat")
        .await?;
    client.join(&receiver, &room).await?;
    let (first, _) = receiving.sync(&receiver, None, 0).await?;
    let mut since = first["next_batch"]
        .as_str()
        .ok_or_else(|| anyhow!("no next_batch"))?
        .to_string();
    eprintln!("delivery: {} samples in {room}", args.delivery_samples);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (client, receiver, room, stop) = (
            receiving.clone(),
            receiver.clone(),
            room.clone(),
            stop.clone(),
        );
        let from = sender.id.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (v, _) = match client.sync(&receiver, Some(&since), 30_000).await {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("delivery sync error: {e:#}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let now = Instant::now();
                if let Some(events) =
                    v["rooms"]["join"][room.as_str()]["timeline"]["events"].as_array()
                {
                    for e in events.iter().filter(|e| e["sender"] == from.as_str()) {
                        if let Some(k) = e["content"]["body"]
                            .as_str()
                            .and_then(|b| b.strip_prefix("delivery "))
                            .and_then(|k| k.parse().ok())
                        {
                            let _ = tx.send((k, now));
                        }
                    }
                }
                if let Some(nb) = v["next_batch"].as_str() {
                    since = nb.to_string();
                }
            }
        })
    };
    // Let the first long-poll reach the server.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cpu = CpuWindow::start(pid);
    let mut lat = Vec::new();
    let mut send_lat = Vec::new();
    let mut lost = 0;
    for k in 0..args.delivery_samples as u64 {
        let t0 = Instant::now();
        client
            .send(&sender, &room, &format!("delivery {k}"))
            .await?;
        send_lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        let got = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some((j, at)) = rx.recv().await {
                if j == k {
                    return Some(at);
                }
            }
            None
        })
        .await;
        match got {
            Ok(Some(at)) => lat.push(at.duration_since(t0).as_secs_f64() * 1000.0),
            _ => lost += 1,
        }
        // A steady state: the receiver is back in its long-poll before the next send.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = cpu.finish();
    stop.store(true, Ordering::Relaxed);
    // Wake the poller with one last event, then let it go.
    let _ = client.send(&sender, &room, "delivery done").await;
    let _ = tokio::time::timeout(Duration::from_secs(5), poller).await;
    Ok(
        json!({"delivery": percentiles(lat), "send": percentiles(send_lat), "lost": lost, "cpu": cpu}),
    )
}

/// Fills a room with `--events` messages from the senders, then times initial syncs (no
/// `since`) of a user who is in that room only, each on a fresh login.
async fn sync_phase(
    args: &Args,
    client: &Arc<Client>,
    senders: &[User],
    pid: Option<u32>,
) -> Result<Value> {
    let syncer = client.register("syncer").await?;
    let room = client
        .create_room(&senders[0], "bench big room", "public_chat")
        .await?;
    client.join(&syncer, &room).await?;
    for s in &senders[1..] {
        client.join(s, &room).await?;
    }
    let fill_msgs = args.events.saturating_sub(3 + senders.len() as u64 + 1 + 6); // create, members, power levels, etc.
    eprintln!("sync: filling {room} with {fill_msgs} messages");
    let left = Arc::new(AtomicU64::new(fill_msgs));
    let cpu = CpuWindow::start(pid);
    let mut tasks = Vec::new();
    for s in senders {
        let (client, s, room, left) = (client.clone(), s.clone(), room.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            while let Ok(k) =
                left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
            {
                client
                    .send(
                        &s,
                        &room,
                        &format!("fill {k}: the quick brown fox jumps over the lazy dog"),
                    )
                    .await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let fill_cpu = cpu.finish();
    let fill_rate = round(
        fill_msgs as f64 / fill_cpu["wall_s"].as_f64().unwrap_or(1.0),
        1,
    );
    eprintln!("sync: filled at {fill_rate} msgs/s");

    let mut times = Vec::new();
    let mut sizes = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..args.sync_repeats.max(1) {
        let fresh = client.relogin("syncer").await?;
        let cpu = CpuWindow::start(pid);
        let t = Instant::now();
        let (v, bytes) = client.sync(&fresh, None, 0).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        cpus.push(cpu.finish());
        sizes.push(bytes);
        if v["rooms"]["join"][room.as_str()].is_null() {
            bail!("initial sync of the syncer does not contain {room}");
        }
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    Ok(json!({
        "room_events": args.events,
        "fill": {"messages": fill_msgs, "msgs_per_s": fill_rate, "cpu": fill_cpu},
        "first_ms": round(times[0], 1),
        "median_ms": round(sorted[sorted.len() / 2], 1),
        "all_ms": times.iter().map(|t| round(*t, 1)).collect::<Vec<_>>(),
        "bytes": sizes[0],
        "cpu_first": cpus[0],
    }))
}

/// N creators, each creating private_chat rooms back to back for `--duration`.
async fn rooms_phase(
    args: &Args,
    client: &Arc<Client>,
    senders: &[User],
    pid: Option<u32>,
) -> Result<Value> {
    eprintln!("rooms: {} creators for {} s", senders.len(), args.duration);
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let cpu = CpuWindow::start(pid);
    let mut tasks = Vec::new();
    for (i, s) in senders.iter().enumerate() {
        let (client, s) = (client.clone(), s.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match client
                    .create_room(&s, &format!("bench room {i}"), "private_chat")
                    .await
                {
                    Ok(_) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => {
                        errors += 1;
                        if errors <= 3 {
                            eprintln!("createRoom error: {e:#}");
                        }
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors += e;
    }
    let cpu = cpu.finish();
    let wall = cpu["wall_s"].as_f64().unwrap_or(1.0);
    Ok(
        json!({"rooms": lat.len(), "errors": errors, "rooms_per_s": round(lat.len() as f64 / wall, 1), "latency": percentiles(lat), "cpu": cpu}),
    )
}

/// The filter Element Web's first sync sends (matrix-js-sdk with lazy-loaded members and
/// Element's initial timeline limit).
fn element_web_filter() -> Value {
    json!({"room": {
        "state": {"lazy_load_members": true, "unread_thread_notifications": true},
        "timeline": {"limit": 20, "unread_thread_notifications": true},
    }})
}

/// One user in many rooms: for each size in --many-rooms, rooms are added until the user is
/// in that many, each room with two other members and five messages. Then, at that size: an
/// initial /sync without a filter and one with Element Web's (median of 3 each, each on a fresh
/// login), an empty incremental
/// /sync (timeout 0, median of 20), an incremental /sync after one new message in one room
/// (median of 10), and the server's RSS after them.
async fn many_rooms_phase(
    args: &Args,
    client: &Arc<Client>,
    senders: &[User],
    pid: Option<u32>,
) -> Result<Value> {
    if senders.len() < 2 {
        bail!("the many-rooms phase needs at least 2 senders");
    }
    let syncer = Arc::new(client.register("many").await?);
    // Each room with one of its members, who sends the new messages.
    let mut rooms: Vec<(String, User)> = Vec::new();
    let mut sizes = Vec::new();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        round(v[v.len() / 2], 2)
    };
    for &n in &args.many_rooms {
        let t = Instant::now();
        let missing = n.saturating_sub(rooms.len());
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for i in 0..senders.len() {
            let (client, syncer, next) = (client.clone(), syncer.clone(), next.clone());
            let (a, b) = (senders[i].clone(), senders[(i + 1) % senders.len()].clone());
            tasks.push(tokio::spawn(async move {
                let mut made = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < missing as u64 {
                    let room = client.create_room(&a, "many", "public_chat").await?;
                    client.join(&b, &room).await?;
                    client.join(&syncer, &room).await?;
                    for k in 0..5 {
                        let who = if k % 2 == 0 { &a } else { &b };
                        client.send(who, &room, &format!("message {k}")).await?;
                    }
                    made.push((room, a.clone()));
                }
                Ok::<_, anyhow::Error>(made)
            }));
        }
        for t in tasks {
            rooms.extend(t.await??);
        }
        eprintln!(
            "many: the user is in {} rooms (added in {:.1} s)",
            rooms.len(),
            t.elapsed().as_secs_f64()
        );
        // Initial syncs, each on a fresh login.
        let mut initial = Vec::new();
        let mut bytes = 0;
        for _ in 0..3 {
            let fresh = client.relogin("many").await?;
            let t = Instant::now();
            let (v, b) = client.sync(&fresh, None, 0).await?;
            initial.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = b;
            let joined = v["rooms"]["join"].as_object().map_or(0, |m| m.len());
            if joined != rooms.len() {
                bail!(
                    "initial sync shows {joined} joined rooms, not {}",
                    rooms.len()
                );
            }
        }
        // The same with the filter Element Web sends (members lazy-loaded, 20 events).
        let mut initial_element = Vec::new();
        let mut element_bytes = 0;
        for _ in 0..3 {
            let fresh = client.relogin("many").await?;
            let t = Instant::now();
            let (v, b) = client
                .sync_filtered(&fresh, None, 0, Some(&element_web_filter()))
                .await?;
            initial_element.push(t.elapsed().as_secs_f64() * 1000.0);
            element_bytes = b;
            let joined = v["rooms"]["join"].as_object().map_or(0, |m| m.len());
            if joined != rooms.len() {
                bail!(
                    "initial sync with Element's filter shows {joined} joined rooms, not {}",
                    rooms.len()
                );
            }
        }
        let (v, _) = client.sync(&syncer, None, 0).await?;
        let mut since = v["next_batch"].as_str().unwrap_or_default().to_string();
        // Empty incremental syncs.
        let mut empty = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let (v, _) = client.sync(&syncer, Some(&since), 0).await?;
            empty.push(t.elapsed().as_secs_f64() * 1000.0);
            since = v["next_batch"].as_str().unwrap_or_default().to_string();
        }
        // One new message, then an incremental sync.
        let mut one = Vec::new();
        for k in 0..10 {
            let (room, member) = &rooms[(k * 7919) % rooms.len()];
            client.send(member, room, "one new message").await?;
            let t = Instant::now();
            let (v, _) = client.sync(&syncer, Some(&since), 0).await?;
            one.push(t.elapsed().as_secs_f64() * 1000.0);
            if v["rooms"]["join"].get(room.as_str()).is_none() {
                bail!("the incremental sync after a message in {room} does not show it");
            }
            since = v["next_batch"].as_str().unwrap_or_default().to_string();
        }
        let sliding = sliding_sync_at(client, &syncer, &rooms).await?;
        let rss = pid
            .and_then(rss_kib)
            .map(|(r, _)| round(r as f64 / 1024.0, 1));
        eprintln!(
            "many: {n} rooms: initial {:.1} ms (Element's filter {:.1} ms), empty incremental {:.2} ms, one message {:.2} ms, RSS {rss:?} MiB",
            median(initial.clone()),
            median(initial_element.clone()),
            median(empty.clone()),
            median(one.clone())
        );
        sizes.push(json!({
            "rooms": n,
            "initial_ms": median(initial),
            "initial_bytes": bytes,
            "initial_element_filter_ms": median(initial_element),
            "initial_element_filter_bytes": element_bytes,
            "empty_incremental_ms": median(empty),
            "one_message_incremental_ms": median(one),
            "rss_mib": rss,
            "sliding_sync": sliding,
        }));
    }
    Ok(json!({ "sizes": sizes }))
}

/// Simplified sliding sync with Element X's room-list request, for a user in `rooms`: the first
/// answer (a fresh login each time), an answer after one new message, and the delivery time
/// from a send to a long-polling request's answer (median and p99). `null` when the server
/// does not advertise it.
async fn sliding_sync_at(
    client: &Arc<Client>,
    syncer: &User,
    rooms: &[(String, User)],
) -> Result<Value> {
    let (versions, _) = client
        .call(reqwest::Method::GET, "/_matrix/client/versions", None, None)
        .await?;
    if versions["unstable_features"]["org.matrix.simplified_msc3575"] != true {
        return Ok(Value::Null);
    }
    let body = element_x_room_list(rooms.len());
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        round(v[v.len() / 2], 2)
    };
    let mut first = Vec::new();
    let mut first_bytes = 0;
    for _ in 0..3 {
        let fresh = client.relogin("many").await?;
        let t = Instant::now();
        let (v, b) = client.sliding(&fresh, None, 0, &body).await?;
        first.push(ms(t));
        first_bytes = b;
        let shown = v["rooms"].as_object().map_or(0, |m| m.len());
        if shown != rooms.len() || v["lists"]["all_rooms"]["count"] != rooms.len() {
            bail!(
                "sliding sync's first answer shows {shown} of {} rooms",
                rooms.len()
            );
        }
    }
    let (v, _) = client.sliding(syncer, None, 0, &body).await?;
    let mut pos = v["pos"].as_str().unwrap_or_default().to_string();
    // Nothing new: an answer at once (timeout 0).
    let mut empty = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let (v, _) = client.sliding(syncer, Some(&pos), 0, &body).await?;
        empty.push(ms(t));
        if let Some(p) = v["pos"].as_str() {
            pos = p.to_string();
        }
    }
    let mut one = Vec::new();
    for k in 0..10 {
        let (room, member) = &rooms[(k * 7919 + 13) % rooms.len()];
        client.send(member, room, "one new message").await?;
        let t = Instant::now();
        let (v, _) = client.sliding(syncer, Some(&pos), 0, &body).await?;
        one.push(ms(t));
        if v["rooms"].get(room.as_str()).is_none() {
            bail!("sliding sync after a message in {room} does not show it");
        }
        pos = v["pos"].as_str().unwrap_or_default().to_string();
    }
    // Delivery: a request waits; a message is sent; the time until the answer has it.
    let mut delivery = Vec::new();
    for k in 0..40 {
        let (room, member) = rooms[(k * 104_729 + 7) % rooms.len()].clone();
        let waiting = {
            let (client, syncer, body, pos) =
                (client.clone(), syncer.clone(), body.clone(), pos.clone());
            tokio::spawn(async move { client.sliding(&syncer, Some(&pos), 30_000, &body).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        client.send(&member, &room, "delivered?").await?;
        let (v, _) = waiting.await??;
        delivery.push(ms(t));
        if v["rooms"].get(room.as_str()).is_none() {
            let shown: Vec<&String> = v["rooms"]
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            bail!(
                "the long-polling sliding sync woke without the message in {room}: rooms {shown:?}, extensions {}",
                v["extensions"]
            );
        }
        pos = v["pos"].as_str().unwrap_or_default().to_string();
    }
    delivery.sort_by(|a, b| a.total_cmp(b));
    let p99 = round(
        delivery[(delivery.len() * 99 / 100).min(delivery.len() - 1)],
        2,
    );
    eprintln!(
        "many: sliding sync, {} rooms: first {:.1} ms, after one message {:.2} ms, delivery p99 {p99:.2} ms",
        rooms.len(),
        median(first.clone()),
        median(one.clone())
    );
    Ok(json!({
        "first_ms": median(first),
        "first_bytes": first_bytes,
        "empty_ms": median(empty),
        "one_message_ms": median(one),
        "delivery_median_ms": median(delivery.clone()),
        "delivery_p99_ms": p99,
    }))
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: Option<u64> = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok());
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu_model": model,
        "mem_gib": mem_kib.map(|k| round(k as f64 / 1024.0 / 1024.0, 1)),
    })
}

// ---------------------------------------------------------------------------------------------
// The table.

fn print_table(r: &Value) {
    let f = |v: &Value| match v {
        Value::Null => "-".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let cpu = |c: &Value| {
        let server = match c["server_cpu_pct"].as_f64() {
            Some(s) => format!(", server CPU {s}%"),
            None => String::new(),
        };
        format!(
            "bench CPU {}%{server} of one core over {} s",
            f(&c["bench_cpu_pct"]),
            f(&c["wall_s"])
        )
    };
    let m = &r["machine"];
    println!(
        "matrix-bench {} {}",
        r["label"].as_str().unwrap_or(""),
        f(&r["url"])
    );
    println!(
        "machine: {} x {}, {} GiB; bench runtime threads: {}",
        f(&m["nproc"]),
        f(&m["cpu_model"]),
        f(&m["mem_gib"]),
        f(&r["bench_threads"])
    );
    println!();
    println!("{:<34} value", "figure");
    println!("{:<34} {}", "-".repeat(34), "-".repeat(60));
    if !r["start_to_ready_ms"].is_null() {
        println!("{:<34} {} ms", "start to ready", f(&r["start_to_ready_ms"]));
    }
    for stage in [
        "idle",
        "after_register",
        "after_send",
        "after_delivery",
        "after_sync",
        "after_rooms",
        "end",
    ] {
        if let Some(v) = r["rss"].get(stage) {
            println!(
                "{:<34} {} MiB (peak so far {} MiB)",
                format!("RSS {stage}"),
                f(&v["rss_mib"]),
                f(&v["hwm_mib"])
            );
        }
    }
    let s = &r["send"];
    if !s.is_null() {
        println!(
            "{:<34} {} msgs/s ({} sent, {} errors)",
            format!("send throughput, {} senders", f(&r["senders"])),
            f(&s["msgs_per_s"]),
            f(&s["messages"]),
            f(&s["errors"])
        );
        println!(
            "{:<34} p50 {} ms, p99 {} ms",
            "send latency",
            f(&s["latency"]["p50_ms"]),
            f(&s["latency"]["p99_ms"])
        );
        println!("{:<34} {}", "", cpu(&s["cpu"]));
    }
    let d = &r["delivery"];
    if !d.is_null() {
        println!(
            "{:<34} p50 {} ms, p99 {} ms ({} samples, {} lost)",
            "send→sync delivery",
            f(&d["delivery"]["p50_ms"]),
            f(&d["delivery"]["p99_ms"]),
            f(&d["delivery"]["n"]),
            f(&d["lost"])
        );
        println!("{:<34} {}", "", cpu(&d["cpu"]));
    }
    let y = &r["initial_sync"];
    if !y.is_null() {
        println!(
            "{:<34} {} msgs/s",
            "fill (big room, same senders)",
            f(&y["fill"]["msgs_per_s"])
        );
        println!(
            "{:<34} first {} ms, median {} ms, {} bytes",
            format!("initial sync, {}-event room", f(&y["room_events"])),
            f(&y["first_ms"]),
            f(&y["median_ms"]),
            f(&y["bytes"])
        );
        println!("{:<34} {}", "", cpu(&y["cpu_first"]));
    }
    let c = &r["create_room"];
    if !c.is_null() {
        println!(
            "{:<34} {} rooms/s ({} rooms, {} errors; p50 {} ms, p99 {} ms)",
            format!("createRoom, {} creators", f(&r["senders"])),
            f(&c["rooms_per_s"]),
            f(&c["rooms"]),
            f(&c["errors"]),
            f(&c["latency"]["p50_ms"]),
            f(&c["latency"]["p99_ms"])
        );
        println!("{:<34} {}", "", cpu(&c["cpu"]));
    }
    for m in r["many_rooms"]["sizes"].as_array().into_iter().flatten() {
        println!(
            "{:<34} initial {} ms ({} bytes), empty incremental {} ms, one message {} ms, RSS {} MiB",
            format!("user in {} rooms", f(&m["rooms"])),
            f(&m["initial_ms"]),
            f(&m["initial_bytes"]),
            f(&m["empty_incremental_ms"]),
            f(&m["one_message_incremental_ms"]),
            f(&m["rss_mib"])
        );
    }
}
