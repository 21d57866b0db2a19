//! A loopback mock provider for `--verify`: a `TcpListener` on 127.0.0.1 (free port)
//! in a thread, answering like a provider by key, recording every request. It stops
//! itself when dropped, or after [`LIFETIME`] whatever happens.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The mock never outlives this, even if a test forgets it.
const LIFETIME: Duration = Duration::from_secs(60);
/// How long a "slow" answer takes (tests set a much shorter client timeout).
pub const SLOW: Duration = Duration::from_secs(3);

/// How the mock answers a key.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// 200.
    Live,
    /// 403.
    Restricted,
    /// 429.
    RateLimited,
    /// 200, after [`SLOW`].
    Slow,
}

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The key, from `Authorization: Bearer`, `x-api-key` or `?key=`.
    pub key: Option<String>,
}

/// A running mock provider.
pub struct Mock {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Mock {
    /// Starts a mock answering each key in `answers` as told, and 401 otherwise.
    pub fn start(answers: HashMap<String, Answer>) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
            let answers = Arc::new(answers);
            std::thread::spawn(move || {
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < LIFETIME {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (seen, answers) = (Arc::clone(&seen), Arc::clone(&answers));
                            std::thread::spawn(move || serve(stream, &answers, &seen));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Mock {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for `KEYHOOK_<PROVIDER>_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("mock lock").clone()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A base URL where nothing listens (connection refused).
pub fn refused_base_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

fn serve(stream: TcpStream, answers: &HashMap<String, Answer>, seen: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut key = target
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("key=")))
        .map(str::to_string);
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
        let Some((name, value)) = header.trim_end().split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "authorization" => key = value.strip_prefix("Bearer ").map(str::to_string),
            "x-api-key" => key = Some(value.to_string()),
            _ => {}
        }
    }
    seen.lock().expect("mock lock").push(Seen {
        method,
        target,
        key: key.clone(),
    });
    let answer = key.as_ref().and_then(|k| answers.get(k)).copied();
    let (status, body) = match answer {
        Some(Answer::Live) => ("200 OK", r#"{"data":[]}"#),
        Some(Answer::Restricted) => ("403 Forbidden", r#"{"error":"forbidden"}"#),
        Some(Answer::RateLimited) => ("429 Too Many Requests", r#"{"error":"slow down"}"#),
        Some(Answer::Slow) => {
            std::thread::sleep(SLOW);
            ("200 OK", r#"{"data":[]}"#)
        }
        None => ("401 Unauthorized", r#"{"error":"invalid api key"}"#),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}
