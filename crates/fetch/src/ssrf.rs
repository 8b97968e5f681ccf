//! SSRF guard: feeds and article links come from untrusted input, so the
//! fetcher must never be steered at the host itself, the LAN or a cloud
//! metadata service.
//!
//! Checks happen on the *resolved* addresses ([`GuardedResolver`] is the
//! HTTP client's DNS resolver, so DNS rebinding between check and connect is
//! impossible) and, because the client never calls a resolver for IP-literal
//! hosts, [`SsrfGuard::check_url`] vets literals before every request and
//! every redirect hop.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::FetchError;

const METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// Why `ip` must not be fetched from, or `None` if it is a public address.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = match (a, b, c) {
        _ if ip == METADATA_V4 => "the cloud metadata address",
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_broadcast() => "the broadcast address",
        (0, _, _) => "a 'this network' address",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (100, 64..=127, _) => "a shared (CGNAT) address",
        (127, _, _) => "a loopback address",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "an IETF protocol-assignment address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, _, _) => "a multicast address",
        (240..=255, _, _) => "a reserved address",
        _ => return None,
    };
    Some(reason)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip == METADATA_V6 {
        return Some("the cloud metadata address");
    }
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let seg = ip.segments();
    let bits = u128::from(ip);
    // Prefixes that embed an IPv4 address (NAT64, 6to4) are judged by it.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(Ipv4Addr::from(bits as u32));
    }
    if seg[0] == 0x2002 {
        return classify_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    let reason = match seg[0] {
        0 if seg[1..6] == [0; 5] => "a deprecated IPv4-compatible address",
        0x100 if seg[1..4] == [0; 3] => "a discard-only address",
        0xfc00..=0xfdff => "a unique-local address",
        0xfe80..=0xfebf => "a link-local address",
        0xfec0..=0xfeff => "a site-local address",
        0xff00..=0xffff => "a multicast address",
        0x2001 if seg[1] == 0xdb8 => "a documentation address",
        0x3fff if seg[1] < 0x1000 => "a documentation address",
        0x2001 if seg[1] == 0 => "a Teredo address",
        0x2001 if seg[1] == 2 && seg[2] == 0 => "a benchmarking address",
        _ => return None,
    };
    Some(reason)
}

/// An allow-list entry given as a network, e.g. `127.0.0.0/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = s.split_once('/')?;
        let prefix: u8 = prefix.parse().ok()?;
        let addr: IpAddr = addr.trim_matches(['[', ']']).parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        Some(Self {
            addr,
            prefix: prefix.min(max),
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, unmap(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The policy: everything in [`classify`] is refused unless allow-listed.
#[derive(Debug, Clone, Default)]
pub struct SsrfGuard {
    /// Host names/literals matched exactly against the URL's host.
    hosts: Vec<String>,
    /// IP or CIDR entries, matched against literal and resolved addresses.
    nets: Vec<Net>,
}

impl SsrfGuard {
    /// `allow` entries are host names (`localhost`), IP literals
    /// (`127.0.0.1`, `::1`) or networks (`127.0.0.0/8`).
    pub fn new(allow: &[String]) -> Self {
        let hosts = allow
            .iter()
            .map(|h| {
                let h = h.trim().trim_matches(['[', ']']);
                // Spell IP literals the way the URL parser does (`0::1` → `::1`).
                h.parse::<IpAddr>()
                    .map_or_else(|_| h.to_ascii_lowercase(), |ip| ip.to_string())
            })
            .filter(|h| !h.is_empty())
            .collect();
        // Plain IP entries match the URL host only (like names), so that
        // allowing `127.0.0.1` does not open every name resolving to it.
        let nets = allow
            .iter()
            .filter(|h| h.contains('/'))
            .filter_map(|h| Net::parse(h.trim()))
            .collect();
        Self { hosts, nets }
    }

    /// True if the URL host is allow-listed by name (skips all checks).
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_matches(['[', ']']);
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Why connecting to `ip` is refused, as a full sentence fragment.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if self.nets.iter().any(|n| n.contains(ip)) {
            return Ok(());
        }
        match classify(ip) {
            Some(reason) => Err(format!("{ip} is {reason}")),
            None => Ok(()),
        }
    }

    /// Vets the URL's host if it is an IP literal; names are vetted later by
    /// [`GuardedResolver`] once they are resolved.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => {
                return Err(FetchError::InvalidUrl {
                    url: url.to_string(),
                    reason: "missing host".into(),
                })
            }
        };
        if url.host_str().is_some_and(|h| self.host_allowed(h)) {
            return Ok(());
        }
        self.check_ip(ip).map_err(|reason| FetchError::Blocked {
            url: url.to_string(),
            reason,
        })
    }

    /// Keeps the addresses that may be connected to; errors if none remain.
    pub fn filter_addrs(
        &self,
        host: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, BlockedAddress> {
        if self.host_allowed(host) {
            return Ok(addrs.into_iter().collect());
        }
        let mut first_refusal = None;
        let kept: Vec<_> = addrs
            .into_iter()
            .filter(|a| match self.check_ip(a.ip()) {
                Ok(()) => true,
                Err(reason) => {
                    first_refusal.get_or_insert(reason);
                    false
                }
            })
            .collect();
        match (kept.is_empty(), first_refusal) {
            (false, _) => Ok(kept),
            (true, Some(reason)) => Err(BlockedAddress {
                reason: format!("{host} resolves only to blocked addresses ({reason})"),
            }),
            (true, None) => Err(BlockedAddress {
                reason: format!("{host} resolves to no address"),
            }),
        }
    }
}

/// Error the resolver hands the HTTP client; the fetcher finds it again in
/// the error chain to report [`FetchError::Blocked`] instead of a network error.
#[derive(Debug, Clone)]
pub struct BlockedAddress {
    pub reason: String,
}

impl fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (SSRF guard)", self.reason)
    }
}

impl StdError for BlockedAddress {}

/// DNS resolver for reqwest that drops addresses the guard refuses.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: Arc<SsrfGuard>,
}

impl GuardedResolver {
    pub fn new(guard: Arc<SsrfGuard>) -> Self {
        Self { guard }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: reqwest substitutes the URL's port afterwards.
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept = guard.filter_addrs(&host, resolved)?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(s: &str) -> bool {
        classify(s.parse().unwrap()).is_some()
    }

    #[test]
    fn classifies_v4() {
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
        ] {
            assert!(blocked(ip), "{ip} should be blocked");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "93.184.216.34", "1.1.1.1"] {
            assert!(!blocked(ip), "{ip} should be allowed");
        }
        assert_eq!(
            classify("169.254.169.254".parse().unwrap()),
            Some("the cloud metadata address")
        );
        assert_eq!(classify("10.0.0.1".parse().unwrap()), Some("a private address"));
    }

    #[test]
    fn classifies_v6() {
        for ip in [
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fd00:ec2::254",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:c0a8:0101::1",
            "::10.0.0.1",
        ] {
            assert!(blocked(ip), "{ip} should be blocked");
        }
        for ip in [
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!blocked(ip), "{ip} should be allowed");
        }
        assert_eq!(
            classify("fd00:ec2::254".parse().unwrap()),
            Some("the cloud metadata address")
        );
    }

    #[test]
    fn allow_list_by_name_and_cidr() {
        let guard = SsrfGuard::new(&["localhost".into(), "10.1.0.0/16".into(), "0:0::1".into()]);
        assert!(guard.host_allowed("LOCALHOST"));
        assert!(guard.host_allowed("[::1]"));
        assert!(guard.check_ip("10.1.2.3".parse().unwrap()).is_ok());
        assert!(guard.check_ip("::ffff:10.1.2.3".parse().unwrap()).is_ok());
        let err = guard.check_ip("10.2.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(err, "10.2.0.1 is a private address");

        let url = Url::parse("http://10.0.0.1/").unwrap();
        let err = guard.check_url(&url).unwrap_err();
        assert_eq!(
            err.to_string(),
            "refused to fetch http://10.0.0.1/: 10.0.0.1 is a private address (SSRF guard)"
        );
        assert!(guard.check_url(&Url::parse("http://[::1]:8080/").unwrap()).is_ok());
        // Decimal and hex IPv4 spellings are normalised by the URL parser.
        assert!(guard.check_url(&Url::parse("http://2130706433/").unwrap()).is_err());
        assert!(guard.check_url(&Url::parse("http://0x7f.1/").unwrap()).is_err());
    }

    #[test]
    fn filters_resolved_addresses() {
        let guard = SsrfGuard::new(&[]);
        let addrs: Vec<SocketAddr> = vec!["127.0.0.1:0".parse().unwrap(), "8.8.8.8:0".parse().unwrap()];
        assert_eq!(
            guard.filter_addrs("mixed.example", addrs.clone()).unwrap(),
            vec![addrs[1]]
        );
        let err = guard.filter_addrs("evil.example", vec![addrs[0]]).unwrap_err();
        assert!(err.to_string().contains("127.0.0.1 is a loopback address"));
        // An IP entry opens that literal host, not names resolving to it.
        let literal = SsrfGuard::new(&["127.0.0.1".into()]);
        assert!(literal.filter_addrs("localhost", vec![addrs[0]]).is_err());
        let net = SsrfGuard::new(&["127.0.0.0/8".into()]);
        assert!(net.filter_addrs("localhost", vec![addrs[0]]).is_ok());
        let open = SsrfGuard::new(&["evil.example".into()]);
        assert_eq!(open.filter_addrs("evil.example", vec![addrs[0]]).unwrap().len(), 1);
    }
}
