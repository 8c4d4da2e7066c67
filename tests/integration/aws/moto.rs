//! A moto server (the AWS emulator) of a test's own, on a free 127.0.0.1 port, stopped when the
//! test ends. Installed by `scripts/setup-peers`; a missing install fails the test and says how to
//! get it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

/// Where moto_server is: `PLAT_MOTO_SERVER`, else the venv `scripts/setup-peers` makes.
fn server_path() -> PathBuf {
    if let Ok(path) = std::env::var("PLAT_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var("PLAT_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/plat")
        });
    cache.join("moto-5.2.5/bin/moto_server")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Moto {
    pub fn start() -> Moto {
        Moto::launch(false)
    }

    /// moto with AWS's managed IAM policies (AmazonEKSClusterPolicy, ...), which every real
    /// account has; loading them makes the first IAM call a few seconds slower.
    pub fn with_managed_policies() -> Moto {
        Moto::launch(true)
    }

    fn launch(managed_policies: bool) -> Moto {
        let server = server_path();
        assert!(
            server.exists(),
            "moto_server is not installed at {}: run ./scripts/setup-peers (./scripts/test does) to install moto 5.2.5",
            server.display()
        );
        let port = free_port();
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log"));
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env(
                "MOTO_IAM_LOAD_MANAGED_POLICIES",
                if managed_policies { "true" } else { "false" },
            )
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(&log)
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
            )
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let mut moto = Moto { child, port, log };
        moto.wait_ready();
        moto
    }

    fn wait_ready(&mut self) {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "moto_server exited ({status}) before answering: {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto_server did not listen on 127.0.0.1:{} within 30 s",
            self.port
        );
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
