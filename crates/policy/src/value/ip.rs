//! IP addresses and CIDR ranges for `IpAddress` / `NotIpAddress` (IPv4 and IPv6).

use std::net::IpAddr;

/// A CIDR range; an address without `/n` is a range of one (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `203.0.113.0/24`, `2001:DB8:1234:5678::/64` or a bare address. Host bits set in
    /// the network (`203.0.113.7/24`) are ignored, as for any CIDR.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty()
                    || prefix.len() > 3
                    || !prefix.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                (address, Some(prefix.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let width = width(network);
        let prefix = prefix.unwrap_or(width);
        (prefix <= width).then_some(Cidr { network, prefix })
    }

    /// Whether `address` is in this range (an IPv4 address is never in an IPv6 range).
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => same_prefix(
                u128::from(network.to_bits()),
                u128::from(address.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                same_prefix(network.to_bits(), address.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn width(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn same_prefix(network: u128, address: u128, width: u8, prefix: u8) -> bool {
    let host_bits = u32::from(width.saturating_sub(prefix));
    network.checked_shr(host_bits).unwrap_or(0) == address.checked_shr(host_bits).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn v4_ranges() {
        let range = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(range.contains(ip("203.0.113.0")));
        assert!(range.contains(ip("203.0.113.255")));
        assert!(!range.contains(ip("203.0.114.0")));
        let single = Cidr::parse("203.0.113.7").unwrap();
        assert!(single.contains(ip("203.0.113.7")));
        assert!(!single.contains(ip("203.0.113.8")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }

    #[test]
    fn v6_ranges() {
        let range = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(range.contains(ip("2001:db8:1234:5678:ffff::1")));
        assert!(!range.contains(ip("2001:db8:1234:5679::1")));
        assert!(!range.contains(ip("203.0.113.7")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::1")));
    }

    #[test]
    fn refuses_bad_ranges() {
        for text in [
            "203.0.113.0/33",
            "::/129",
            "203.0.113/24",
            "203.0.113.0/",
            "x",
            "1.2.3.4/-1",
        ] {
            assert_eq!(Cidr::parse(text), None, "{text}");
        }
    }
}
