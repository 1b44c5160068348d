//! IPv4 packets carrying TCP segments, with their checksums: the frames of a raw-IPv4 capture.

/// One end of the connection: an IPv4 address and a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr {
    pub ip: [u8; 4],
    pub port: u16,
}

/// RFC 9293 §3.1 control bits.
pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// RFC 791: the protocol number of TCP.
const PROTOCOL_TCP: u8 = 6;
const TTL: u8 = 64;
/// The receive window every segment offers: the largest without window scaling. The receiver
/// acknowledges each record before the next is sent, and no record comes near it.
const WINDOW: u16 = 65535;

/// One TCP segment, before it is framed.
pub struct Segment<'a> {
    pub src: Addr,
    pub dst: Addr,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// TCP options, already encoded and padded to a multiple of 4 bytes.
    pub options: &'a [u8],
    pub payload: &'a [u8],
}

/// RFC 9293 §3.2: the Maximum Segment Size option, which a SYN carries.
pub fn mss_option(mss: u16) -> [u8; 4] {
    let m = mss.to_be_bytes();
    [2, 4, m[0], m[1]]
}

/// The IPv4 packet (RFC 791 §3.1) carrying `segment` (RFC 9293 §3.1), both checksums filled in.
/// `id` is the packet's Identification; Don't Fragment is set, as a stack that does path MTU
/// discovery sets it.
pub fn packet(segment: &Segment, id: u16) -> Vec<u8> {
    let tcp = tcp(segment);
    let total = u16::try_from(20 + tcp.len()).unwrap_or(u16::MAX);
    let mut ip = Vec::with_capacity(20 + tcp.len());
    ip.extend_from_slice(&[0x45, 0]); // version 4, 5 words of header; DSCP and ECN 0
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&id.to_be_bytes());
    ip.extend_from_slice(&0x4000u16.to_be_bytes()); // Don't Fragment, offset 0
    ip.extend_from_slice(&[TTL, PROTOCOL_TCP, 0, 0]);
    ip.extend_from_slice(&segment.src.ip);
    ip.extend_from_slice(&segment.dst.ip);
    let sum = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&tcp);
    ip
}

/// The TCP header and payload, with the checksum over the pseudo-header (RFC 9293 §3.1).
fn tcp(s: &Segment) -> Vec<u8> {
    let header_len = 20 + s.options.len();
    let mut out = Vec::with_capacity(header_len + s.payload.len());
    out.extend_from_slice(&s.src.port.to_be_bytes());
    out.extend_from_slice(&s.dst.port.to_be_bytes());
    out.extend_from_slice(&s.seq.to_be_bytes());
    out.extend_from_slice(&s.ack.to_be_bytes());
    // Data offset in 32-bit words, in the high nibble; the options keep it a whole number.
    let words = u8::try_from(header_len / 4).unwrap_or(15);
    out.extend_from_slice(&[words << 4, s.flags]);
    out.extend_from_slice(&WINDOW.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // checksum (filled in below), urgent pointer
    out.extend_from_slice(s.options);
    out.extend_from_slice(s.payload);
    let length = u16::try_from(out.len()).unwrap_or(u16::MAX).to_be_bytes();
    let pseudo = [&s.src.ip[..], &s.dst.ip[..], &[0, PROTOCOL_TCP], &length[..]].concat();
    let sum = checksum(&[&pseudo, &out]);
    out[16..18].copy_from_slice(&sum.to_be_bytes());
    out
}

/// RFC 1071: the one's complement of the one's complement sum of the 16-bit words of `parts`,
/// read as one byte string (an odd last byte is padded with zero).
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut high: Option<u8> = None;
    for b in parts.iter().flat_map(|p| p.iter().copied()) {
        match high.take() {
            None => high = Some(b),
            Some(h) => sum += u32::from(u16::from_be_bytes([h, b])),
        }
        // Fold as we go, so the sum never overflows whatever the length.
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    if let Some(h) = high {
        sum += u32::from(u16::from_be_bytes([h, 0]));
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_that_of_rfc_1071s_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement), so the
        // checksum is its complement.
        assert_eq!(checksum(&[&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]]), !0xddf2);
        // Split anywhere, odd parts included, the bytes are the same string.
        assert_eq!(checksum(&[&[0x00], &[0x01, 0xf2, 0x03, 0xf4], &[0xf5, 0xf6, 0xf7]]), !0xddf2);
    }

    #[test]
    fn an_ipv4_header_matches_a_known_packet() {
        // A TCP SYN with the MSS option from 10.0.0.1:49152 to 10.0.0.2:443: 44 bytes, Identification
        // 1, Don't Fragment, TTL 64, protocol 6.
        let s = Segment {
            src: Addr { ip: [10, 0, 0, 1], port: 49152 },
            dst: Addr { ip: [10, 0, 0, 2], port: 443 },
            seq: 0,
            ack: 0,
            flags: SYN,
            options: &mss_option(1460),
            payload: &[],
        };
        let p = packet(&s, 1);
        assert_eq!(p.len(), 20 + 24);
        assert_eq!(&p[..10], &[0x45, 0, 0, 44, 0, 1, 0x40, 0, 64, 6]);
        // 4500 + 002c + 0001 + 4000 + 4006 + 0a00 + 0001 + 0a00 + 0002 = d936: the checksum is 26c9.
        assert_eq!(u16::from_be_bytes([p[10], p[11]]), 0x26c9);
        assert_eq!(&p[20 + 12..20 + 14], &[0x60, SYN]);
        assert_eq!(&p[20 + 20..], &[2, 4, 0x05, 0xb4]);
    }
}
