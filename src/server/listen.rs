//! The accept loop: plain HTTP, or TLS from the current web config; HTTP/1.1 and HTTP/2; a
//! bound on connections, on how long a client may take to send its request and how long a
//! connection may sit idle; and a graceful stop that lets every request already being answered
//! finish.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::web::Web;

/// A client gets this long to finish its TLS handshake; a stalled one only holds its own task.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A client gets this long to send a request's headers, the first one or the next one on a
/// kept-alive HTTP/1 connection (hyper starts the clock when it waits for a request).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection on which nothing was read or written for this long is closed (HTTP/2 too).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long in-flight requests may take to finish after the stop signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);
/// The most connections served at once, whatever the file-descriptor limit allows.
const MAX_CONNECTIONS: usize = 1024;

/// How many connections to serve at once: at most `MAX_CONNECTIONS`, and at most three
/// quarters of the open-file limit, so AWS calls, config reads and accept itself keep
/// descriptors when clients take the rest.
#[allow(
    unsafe_code,
    reason = "getrlimit: one libc call, no safe wrapper in the tree"
)]
pub fn connection_limit() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    let soft = if ok { lim.rlim_cur as usize } else { 1024 };
    (soft / 4 * 3).clamp(8, MAX_CONNECTIONS)
}

/// How often reaching the connection limit is logged, at most.
const LIMIT_LOG_EVERY: Duration = Duration::from_secs(60);

/// Serves `app` until `stop` resolves, then waits (bounded) for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    web: Option<Arc<Web>>,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let limit = connection_limit();
    let slots = Arc::new(Semaphore::new(limit));
    let mut accept_errors = AcceptErrors::default();
    // When the limit was last logged: at most once a minute, since connections that churn at
    // the limit reach it again each time one closes and a waiting one takes its place.
    let mut limit_logged: Option<Instant> = None;
    tokio::pin!(stop);
    loop {
        // A slot first: at the limit, new connections wait in the kernel's backlog.
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if limit_logged.is_none_or(|at| at.elapsed() >= LIMIT_LOG_EVERY) {
                    limit_logged = Some(Instant::now());
                    tracing::warn!(
                        limit,
                        "connection limit reached; new connections wait until one closes"
                    );
                }
                tokio::select! {
                    p = slots.clone().acquire_owned() => p.expect("never closed"),
                    _ = &mut stop => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => {
                    accept_errors.recovered();
                    x
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin, and
                    // say so once per streak rather than per attempt.
                    let wait = accept_errors.failed(&e);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = &mut stop => break,
                    }
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let active = web.as_ref().map(|w| w.current());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            // No HTTP/2 keep-alive pings: a ping and its answer would count as traffic and keep
            // an idle connection from ever timing out.
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_concurrent_streams(64)
                .keep_alive_interval(None);
            if active.as_ref().is_some_and(|a| !a.config.http2) {
                builder = builder.http1_only();
            }
            let last = Arc::new(AtomicU64::new(0));
            let born = Instant::now();
            // Plain or TLS, the connection is served the same way: tracked for idleness,
            // watched for the graceful stop.
            macro_rules! serve_tracked {
                ($io:expr) => {{
                    let io = Tracked::new($io, last.clone(), born);
                    let conn = builder.serve_connection(TokioIo::new(io), service);
                    let conn = watcher.watch(conn.into_owned());
                    tokio::select! {
                        _ = conn => {}
                        _ = idle(&last, born) => tracing::debug!(%peer, "idle connection closed"),
                    }
                }};
            }
            match active.and_then(|a| a.tls.clone()) {
                None => serve_tracked!(stream),
                Some(acceptor) => {
                    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, "TLS handshake failed: {e}");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    };
                    serve_tracked!(tls)
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("requests still in flight after {}s; stopping anyway", DRAIN_TIMEOUT.as_secs());
        }
    }
}

/// Resolves once nothing was read or written for [`IDLE_TIMEOUT`], or nothing at all was
/// read in the first [`HEADER_READ_TIMEOUT`] (before hyper knows HTTP/1 from HTTP/2, its own
/// header timeout does not run).
async fn idle(last: &AtomicU64, born: Instant) {
    tokio::time::sleep(HEADER_READ_TIMEOUT).await;
    if last.load(Ordering::Relaxed) == 0 {
        return;
    }
    loop {
        let at = born + Duration::from_millis(last.load(Ordering::Relaxed));
        let quiet = at.elapsed();
        if quiet >= IDLE_TIMEOUT {
            return;
        }
        tokio::time::sleep(IDLE_TIMEOUT - quiet).await;
    }
}

/// A stream that notes when it last moved bytes (milliseconds since `born`).
struct Tracked<S> {
    inner: S,
    last: Arc<AtomicU64>,
    born: Instant,
}

impl<S> Tracked<S> {
    fn new(inner: S, last: Arc<AtomicU64>, born: Instant) -> Self {
        Tracked { inner, last, born }
    }
    fn touch(&self) {
        // At least 1: 0 means "nothing yet".
        let ms = (self.born.elapsed().as_millis() as u64).max(1);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A streak of failed accepts: logged when it starts and when it ends, with a growing wait
/// between attempts (10 ms doubling to 1 s).
#[derive(Default)]
struct AcceptErrors {
    streak: u64,
}

impl AcceptErrors {
    fn failed(&mut self, e: &std::io::Error) -> Duration {
        if self.streak == 0 {
            tracing::warn!(
                "accept failed: {e}; retrying with backoff, logged again when it recovers"
            );
        }
        self.streak += 1;
        let wait = Duration::from_millis(10) * 2u32.saturating_pow((self.streak - 1).min(7) as u32);
        wait.min(Duration::from_secs(1))
    }
    fn recovered(&mut self) {
        if self.streak > 0 {
            tracing::info!(failed = self.streak, "accepting connections again");
            self.streak = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_back_off_to_a_second() {
        let mut a = AcceptErrors::default();
        let e = std::io::Error::other("too many open files");
        let waits: Vec<u128> = (0..10).map(|_| a.failed(&e).as_millis()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        a.recovered();
        assert_eq!(a.failed(&e).as_millis(), 10);
    }

    #[test]
    fn the_connection_limit_leaves_descriptors_free() {
        let n = connection_limit();
        assert!((8..=MAX_CONNECTIONS).contains(&n), "{n}");
    }
}
