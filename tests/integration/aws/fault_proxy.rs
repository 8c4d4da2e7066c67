//! A fault-injecting HTTP proxy in front of moto: throttling errors in each protocol's shape,
//! 5xx, connections reset before the request reaches moto or after moto acted (a lost
//! response), delays, a transient NotFound, and rewritten bodies (to fake `pending` states).
//!
//! Each request is matched by its operation (the `Action=` of query protocols, else
//! `METHOD /path`); a rule fires for its first `count` matching requests. Every request seen is
//! recorded, so tests can count what reached moto.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Fault {
    /// The protocol's throttling error (EC2 `RequestLimitExceeded`, query `Throttling`, S3
    /// `SlowDown`, JSON `ThrottlingException`); moto never sees the request.
    Throttle,
    /// HTTP 500 `InternalError`; moto never sees the request.
    ServerError,
    /// The connection is closed before the request is forwarded.
    ResetBefore,
    /// The request reaches moto and acts; the response is dropped and the connection closed.
    ResetAfter,
    /// The response comes this much later.
    Delay(Duration),
    /// The request reaches moto and acts at once; the response comes this much later.
    DelayAfter(Duration),
    /// An AWS client error (HTTP 400) with this code (e.g. `InvalidVpcID.NotFound`,
    /// `DependencyViolation`); moto never sees the request.
    Error(&'static str),
    /// Moto's response body with `from` replaced by `to`.
    Rewrite { from: String, to: String },
    /// A recorded answer for an operation moto lacks: this status, JSON body; moto never sees
    /// the request (tests then check what plat sent with [`FaultProxy::bodies`]).
    Respond { status: u16, body: String },
}

#[derive(Debug, Clone)]
struct Rule {
    operation: String,
    fault: Fault,
    remaining: usize,
    /// The rule applies only once a request of this operation has arrived.
    after: Option<String>,
}

#[derive(Default)]
struct Shared {
    rules: Vec<Rule>,
    /// Operations seen, in order, with whether they were forwarded to moto.
    seen: Vec<(String, bool)>,
    /// `(n, fault)`: every n-th request (of any operation) without a rule of its own gets the
    /// fault, for steady background noise (throttling, 5xx) at a known rate.
    every: Vec<(usize, Fault)>,
    /// The request bodies, in order, with their operation.
    bodies: Vec<(String, String)>,
}

pub struct FaultProxy {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl FaultProxy {
    /// Starts the proxy in front of `upstream` (moto's port).
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let port = listener.local_addr().expect("address").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let accept_shared = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = accept_shared.clone();
                thread::spawn(move || serve(stream, upstream, &shared));
            }
        });
        FaultProxy { port, shared }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `count` requests of `operation` get `fault`.
    pub fn inject(&self, operation: &str, fault: Fault, count: usize) {
        self.shared.lock().expect("rules").rules.push(Rule {
            operation: operation.to_owned(),
            fault,
            remaining: count,
            after: None,
        });
    }

    /// As [`inject`](FaultProxy::inject), from the first request of `trigger` on (an object that
    /// changes only once a recorded operation has "happened").
    pub fn inject_after(&self, trigger: &str, operation: &str, fault: Fault, count: usize) {
        self.shared.lock().expect("rules").rules.push(Rule {
            operation: operation.to_owned(),
            fault,
            remaining: count,
            after: Some(trigger.to_owned()),
        });
    }

    /// Every `n`-th request from now on, of any operation, gets `fault` (unless a rule of
    /// [`inject`](FaultProxy::inject) applies to it): `every(10, Fault::Throttle)` throttles 10%.
    pub fn every(&self, n: usize, fault: Fault) {
        self.shared.lock().expect("rules").every.push((n, fault));
    }

    pub fn clear(&self) {
        let mut shared = self.shared.lock().expect("rules");
        shared.rules.clear();
        shared.every.clear();
    }

    /// Every operation seen so far, in order (for messages).
    pub fn seen(&self) -> Vec<String> {
        self.shared
            .lock()
            .expect("seen")
            .seen
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    /// The bodies of the requests of `operation` so far, in order.
    pub fn bodies(&self, operation: &str) -> Vec<String> {
        self.shared
            .lock()
            .expect("seen")
            .bodies
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// How many requests of `operation` arrived, and how many of them reached moto.
    pub fn count(&self, operation: &str) -> (usize, usize) {
        let shared = self.shared.lock().expect("seen");
        let matching: Vec<_> = shared
            .seen
            .iter()
            .filter(|(op, _)| op == operation)
            .collect();
        (matching.len(), matching.iter().filter(|(_, f)| *f).count())
    }
}

struct Request {
    head: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The operation: `Action=X` of query protocols, `X-Amz-Target`, else `METHOD /path`.
fn operation(request: &Request) -> String {
    let body = String::from_utf8_lossy(&request.body);
    if let Some(action) = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
    {
        return action.to_owned();
    }
    if let Some(target) = header(&request.head, "x-amz-target") {
        return target.rsplit('.').next().unwrap_or(&target).to_owned();
    }
    let first = request.head.lines().next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
    format!("{method} {path}")
}

/// Which error shape the caller expects: by the service named in the signature's scope.
fn service(request: &Request) -> String {
    header(&request.head, "authorization")
        .and_then(|auth| {
            let credential = auth.split("Credential=").nth(1)?;
            credential.split('/').nth(3).map(str::to_owned)
        })
        .unwrap_or_default()
}

fn error_response(service: &str, status: u16, code: &str, message: &str) -> Vec<u8> {
    let (content_type, body, extra) = match service {
        "ec2" => (
            "text/xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"),
            String::new(),
        ),
        "s3" => (
            "application/xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"),
            String::new(),
        ),
        "iam" | "sts" | "rds" => (
            "text/xml",
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"),
            String::new(),
        ),
        _ => (
            "application/json",
            format!("{{\"message\":\"{message}\"}}"),
            format!("x-amzn-errortype: {code}\r\n"),
        ),
    };
    format!(
        "HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn throttle(service: &str) -> Vec<u8> {
    match service {
        "ec2" => error_response(
            service,
            503,
            "RequestLimitExceeded",
            "Request limit exceeded.",
        ),
        "s3" => error_response(service, 503, "SlowDown", "Please reduce your request rate."),
        "iam" | "sts" | "rds" => error_response(service, 400, "Throttling", "Rate exceeded"),
        _ => error_response(service, 429, "ThrottlingException", "Rate exceeded"),
    }
}

/// Sends the request to moto on a connection of its own and returns moto's whole response.
fn forward(request: &Request, upstream: u16) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], upstream))).ok()?;
    let mut head: Vec<&str> = request
        .head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .filter(|l| !l.is_empty())
        .collect();
    head.push("connection: close");
    let mut out = head.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(&request.body);
    stream.write_all(&out).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(response)
}

/// Replaces text in a response's body and fixes its content-length.
fn rewrite(response: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return response.to_vec();
    };
    let body = body.replace(from, to);
    let head: Vec<String> = head
        .split("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("content-length:") {
                format!("content-length: {}", body.len())
            } else {
                line.to_owned()
            }
        })
        .collect();
    format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes()
}

/// Makes a response close its connection (the proxy serves one request per connection).
fn closing(response: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&response).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return response;
    };
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("connection: close");
    format!("{}\r\n\r\n{body}", lines.join("\r\n")).into_bytes()
}

fn serve(stream: TcpStream, upstream: u16, shared: &Mutex<Shared>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let op = operation(&request);
    let fault = {
        let mut shared = shared.lock().expect("rules");
        let Shared {
            rules, seen, every, ..
        } = &mut *shared;
        let fault = rules
            .iter_mut()
            .find(|r| {
                r.operation == op
                    && r.remaining > 0
                    && r.after
                        .as_ref()
                        .is_none_or(|t| seen.iter().any(|(o, _)| o == t))
            })
            .map(|r| {
                r.remaining -= 1;
                r.fault.clone()
            })
            .or_else(|| {
                let number = seen.len() + 1;
                every
                    .iter()
                    .find(|(n, _)| number % n == 0)
                    .map(|(_, fault)| fault.clone())
            });
        let forwarded = !matches!(
            fault,
            Some(
                Fault::Throttle
                    | Fault::ServerError
                    | Fault::ResetBefore
                    | Fault::Error(_)
                    | Fault::Respond { .. }
            )
        );
        shared.seen.push((op.clone(), forwarded));
        shared.bodies.push((
            op.clone(),
            String::from_utf8_lossy(&request.body).into_owned(),
        ));
        fault
    };
    let service = service(&request);
    let response = match fault {
        Some(Fault::Throttle) => Some(throttle(&service)),
        Some(Fault::ServerError) => Some(error_response(
            &service,
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
        )),
        Some(Fault::Error(code)) => Some(error_response(
            &service,
            400,
            code,
            "injected by the fault proxy",
        )),
        Some(Fault::Respond { status, body }) => Some(
            format!(
                "HTTP/1.1 {status} Recorded\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        ),
        Some(Fault::ResetBefore) => None,
        Some(Fault::ResetAfter) => {
            let _ = forward(&request, upstream);
            None
        }
        Some(Fault::Delay(delay)) => {
            thread::sleep(delay);
            forward(&request, upstream)
        }
        Some(Fault::DelayAfter(delay)) => {
            let response = forward(&request, upstream);
            thread::sleep(delay);
            response
        }
        Some(Fault::Rewrite { from, to }) => {
            forward(&request, upstream).map(|r| rewrite(&r, &from, &to))
        }
        None => forward(&request, upstream),
    };
    match response {
        Some(response) => {
            let _ = writer.write_all(&closing(response));
            let _ = writer.flush();
            let _ = writer.shutdown(Shutdown::Both);
        }
        None => {
            // A reset: close at once without answering.
            let _ = writer.shutdown(Shutdown::Both);
        }
    }
}
