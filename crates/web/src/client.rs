//! Who the client is, for per-client limits and loopback-only pages.
//!
//! The socket's peer, unless that peer is a configured reverse proxy: then
//! `X-Forwarded-For` is read from the right, past every trusted proxy, to
//! the first address a proxy did not add. Without trusted proxies the
//! header is ignored, since any client can write it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::AppState;

/// The client's address; `None` when the server was not started with
/// connection info (as in unit tests of the router).
pub(crate) struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The key for per-client limits: the address, or for IPv6 its /64,
    /// since one subscriber usually holds a whole /64.
    pub fn limit_key(&self) -> String {
        match self.0 {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let segments = v6.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
            Some(ip) => unmapped(ip).to_string(),
            None => "unknown".into(),
        }
    }

    pub fn is_loopback(&self) -> bool {
        self.0.is_some_and(|ip| unmapped(ip).is_loopback())
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip());
        Ok(ClientIp(peer.map(|peer| {
            client_of(peer, &parts.headers, &state.server.trusted_proxies)
        })))
    }
}

/// The client behind `peer`, believing `X-Forwarded-For` only as far as
/// trusted proxies wrote it.
fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&unmapped(ip)));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.into_iter().rev() {
        // A hop a trusted proxy wrote that is not an address: stop there.
        let Some(hop) = hop else { break };
        client = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let header = forwarded("203.0.113.9, 198.51.100.7, 10.0.0.2");
        assert_eq!(
            client_of(ip("127.0.0.1"), &header, &proxies),
            ip("198.51.100.7"),
            "the first hop from the right that no trusted proxy is"
        );
        assert_eq!(
            client_of(ip("192.0.2.1"), &header, &proxies),
            ip("192.0.2.1"),
            "a client that is not a proxy cannot name another"
        );
        assert_eq!(
            client_of(ip("127.0.0.1"), &header, &[]),
            ip("127.0.0.1"),
            "no proxies configured"
        );
        assert_eq!(client_of(ip("10.0.0.3"), &HeaderMap::new(), &proxies), ip("10.0.0.3"));
        assert_eq!(
            client_of(ip("10.0.0.3"), &forwarded("junk, 10.0.0.4"), &proxies),
            ip("10.0.0.4"),
            "an unreadable hop ends the walk at the last address a proxy vouched for"
        );
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64() {
        let a = ClientIp(Some(ip("2001:db8:1:2:aaaa::1"))).limit_key();
        let b = ClientIp(Some(ip("2001:db8:1:2:bbbb::9"))).limit_key();
        assert_eq!(a, b);
        assert_ne!(a, ClientIp(Some(ip("2001:db8:1:3::1"))).limit_key());
        assert_eq!(ClientIp(Some(ip("::ffff:192.0.2.1"))).limit_key(), "192.0.2.1");
    }
}
