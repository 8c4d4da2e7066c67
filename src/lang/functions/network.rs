//! CIDR functions, for IPv4 and IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::util::{num_at, str_at, whole};
use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::value::{format_number, Value};

pub(super) const FUNCTIONS: &[Function] = &[
    Function {
        name: "cidrhost",
        params: &[
            param("prefix", ParamType::String),
            param("hostnum", ParamType::Number),
        ],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: cidrhost,
    },
    Function {
        name: "cidrnetmask",
        params: &[param("prefix", ParamType::String)],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: cidrnetmask,
    },
    Function {
        name: "cidrsubnet",
        params: &[
            param("prefix", ParamType::String),
            param("newbits", ParamType::Number),
            param("netnum", ParamType::Number),
        ],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: cidrsubnet,
    },
    Function {
        name: "cidrsubnets",
        params: &[param("prefix", ParamType::String)],
        variadic: Some(param("newbits", ParamType::Number)),
        returns: ParamType::ListOfString,
        marks: Marks::Plain,
        body: cidrsubnets,
    },
];

/// A parsed CIDR prefix: the network address (host bits cleared) as an integer.
struct Network {
    addr: u128,
    /// 32 for IPv4, 128 for IPv6.
    bits: u32,
    prefix: u32,
}

impl Network {
    fn parse(s: &str) -> Result<Network, FuncError> {
        let net = ipnet::IpNet::from_str(s).map_err(|_| {
            FuncError::arg(
                0,
                format!("invalid CIDR expression: invalid CIDR address: {s}"),
            )
        })?;
        let (addr, bits) = match net.network() {
            std::net::IpAddr::V4(a) => (u32::from(a) as u128, 32),
            std::net::IpAddr::V6(a) => (u128::from(a), 128),
        };
        Ok(Network {
            addr,
            bits,
            prefix: net.prefix_len() as u32,
        })
    }

    fn protocol(&self) -> &'static str {
        if self.bits == 32 {
            "IPv4"
        } else {
            "IPv6"
        }
    }

    fn format_addr(&self, addr: u128) -> String {
        if self.bits == 32 {
            Ipv4Addr::from(addr as u32).to_string()
        } else {
            Ipv6Addr::from(addr).to_string()
        }
    }

    fn format_subnet(&self, addr: u128, prefix: u32) -> String {
        format!("{}/{prefix}", self.format_addr(addr))
    }

    /// The largest number that fits in `n` bits (`n` ≤ 128).
    fn max_in(n: u32) -> u128 {
        if n >= 128 {
            u128::MAX
        } else {
            (1u128 << n) - 1
        }
    }

    /// The mask with the top `prefix` bits of the address set.
    fn mask(&self, prefix: u32) -> u128 {
        let all = Network::max_in(self.bits);
        if prefix == 0 {
            0
        } else {
            all & !Network::max_in(self.bits - prefix.min(self.bits))
        }
    }
}

/// A non-negative whole number as a `u128`.
fn to_u128(n: f64) -> Option<u128> {
    (n.fract() == 0.0 && (0.0..3.4e38).contains(&n)).then_some(n as u128)
}

fn cidrhost(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let net = Network::parse(str_at(&args, 0))?;
    let n = num_at(&args, 1);
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(FuncError::arg(1, "hostnum must be a whole number"));
    }
    let max_host = Network::max_in(net.bits - net.prefix);
    let out_of_range = || {
        FuncError::arg(
            1,
            format!(
                "prefix of {} does not accommodate a host numbered {}",
                net.prefix,
                format_number(n)
            ),
        )
    };
    let host = if n >= 0.0 {
        to_u128(n)
            .filter(|h| *h <= max_host)
            .ok_or_else(out_of_range)?
    } else {
        let back = to_u128(-n)
            .map(|k| k - 1)
            .filter(|k| *k <= max_host)
            .ok_or_else(out_of_range)?;
        max_host - back
    };
    Ok(Value::String(net.format_addr(net.addr | host)))
}

fn cidrnetmask(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let prefix = str_at(&args, 0);
    let net = Network::parse(prefix)?;
    if net.bits != 32 {
        return Err(FuncError::arg(
            0,
            format!("IPv6 addresses cannot have a netmask: {prefix}"),
        ));
    }
    Ok(Value::String(net.format_addr(net.mask(net.prefix))))
}

fn cidrsubnet(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let net = Network::parse(str_at(&args, 0))?;
    let newbits = whole(num_at(&args, 1))
        .ok_or_else(|| FuncError::arg(1, "newbits must be a whole number"))?;
    if newbits < 0 {
        return Err(FuncError::arg(1, "newbits must not be negative"));
    }
    let new_prefix = net.prefix as i64 + newbits;
    if new_prefix > net.bits as i64 {
        return Err(FuncError::arg(
            1,
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                net.prefix
            ),
        ));
    }
    let new_prefix = new_prefix as u32;
    let n = num_at(&args, 2);
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(FuncError::arg(2, "netnum must be a whole number"));
    }
    if n < 0.0 {
        return Err(FuncError::arg(2, "netnum must not be negative"));
    }
    let netnum = to_u128(n)
        .filter(|v| *v <= Network::max_in(newbits as u32))
        .ok_or_else(|| {
            FuncError::arg(
                2,
                format!(
                    "prefix extension of {newbits} does not accommodate a subnet numbered {}",
                    format_number(n)
                ),
            )
        })?;
    let shift = net.bits - new_prefix;
    let offset = if shift >= 128 { 0 } else { netnum << shift };
    Ok(Value::String(
        net.format_subnet(net.addr | offset, new_prefix),
    ))
}

fn cidrsubnets(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let net = Network::parse(str_at(&args, 0))?;
    if args.len() == 1 {
        return Ok(Value::List(vec![]));
    }
    let all = Network::max_in(net.bits);
    // End of the base network, exclusive; `None` stands for 2^128.
    let net_end = net
        .addr
        .checked_add(Network::max_in(net.bits - net.prefix))
        .and_then(|last| last.checked_add(1));
    let mut next_free = Some(net.addr);
    let mut current: Option<String> = None;
    let mut out = Vec::with_capacity(args.len() - 1);
    for i in 1..args.len() {
        let length = whole(num_at(&args, i))
            .ok_or_else(|| FuncError::arg(i, "newbits must be a whole number"))?;
        if length < 1 {
            return Err(FuncError::arg(i, "must extend prefix by at least one bit"));
        }
        if length > 32 {
            return Err(FuncError::arg(
                i,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let length = length as u32 + net.prefix;
        if length > net.bits {
            return Err(FuncError::arg(
                i,
                format!(
                    "would extend prefix to {length} bits, which is too long for an {} address",
                    net.protocol()
                ),
            ));
        }
        // The subnet before the first allocation, as Terraform names it in errors.
        let previous = current.clone().unwrap_or_else(|| {
            let before = net.addr.wrapping_sub(1) & all;
            net.format_subnet(before & net.mask(length), length)
        });
        let size_minus_one = Network::max_in(net.bits - length);
        let start = next_free
            .and_then(|f| f.checked_add(size_minus_one))
            .map(|f| f & !size_minus_one);
        let end = start.map(|s| s.checked_add(size_minus_one).and_then(|l| l.checked_add(1)));
        let fits = match (end, net_end) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(None), Some(_)) => false,
            (Some(Some(e)), Some(n)) => e <= n,
        };
        let Some(start) = start.filter(|_| fits) else {
            return Err(FuncError::arg(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {length} bits after {previous}"
                ),
            ));
        };
        let subnet = net.format_subnet(start, length);
        out.push(Value::String(subnet.clone()));
        current = Some(subnet);
        next_free = end.flatten();
    }
    Ok(Value::List(out))
}
