//! The pcapng blocks a capture needs (draft-ietf-opsawg-pcapng), written little-endian: a reader
//! learns the byte order from the section header's magic.
//!
//! Every block is `type, total length, body, total length`, with the body padded to 32 bits, so a
//! reader can walk the file forwards and backwards; options are `code, length, value` records,
//! each value padded to 32 bits, closed by `opt_endofopt`.

/// Section Header Block (§4.1).
pub const SECTION_HEADER: u32 = 0x0A0D_0D0A;
/// Interface Description Block (§4.2).
pub const INTERFACE_DESCRIPTION: u32 = 0x0000_0001;
/// Enhanced Packet Block (§4.3).
pub const ENHANCED_PACKET: u32 = 0x0000_0006;
/// Decryption Secrets Block (§4.7).
pub const DECRYPTION_SECRETS: u32 = 0x0000_000A;
/// The section header's byte-order magic, written in the section's byte order.
pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// Secrets Type of a Decryption Secrets Block holding NSS key log lines ("TLSK").
pub const TLS_KEY_LOG: u32 = 0x544C_534B;

/// `opt_endofopt`: the end of a block's options.
const OPT_END: u16 = 0;
/// `opt_comment`: text for people, allowed in every block.
pub const OPT_COMMENT: u16 = 1;
/// `shb_userappl`: the application that wrote the section.
pub const SHB_USERAPPL: u16 = 4;
/// `if_name`.
pub const IF_NAME: u16 = 2;
/// `if_tsresol`: 6 means timestamps count microseconds (the default, written out for readers that
/// want to see it).
pub const IF_TSRESOL: u16 = 9;

/// A pcapng file being written.
#[derive(Default)]
pub struct File {
    pub bytes: Vec<u8>,
}

impl File {
    /// One block: its type, its body (padded here) and its total length at both ends.
    fn block(&mut self, typ: u32, body: &[u8]) {
        let total = len32(12 + padded(body.len()));
        self.bytes.extend_from_slice(&typ.to_le_bytes());
        self.bytes.extend_from_slice(&total.to_le_bytes());
        self.bytes.extend_from_slice(body);
        pad(&mut self.bytes);
        self.bytes.extend_from_slice(&total.to_le_bytes());
    }

    /// A section header: version 1.0, section length unknown (-1), and its options.
    pub fn section_header(&mut self, options: &[(u16, &[u8])]) {
        let mut body = Vec::new();
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        write_options(&mut body, options);
        self.block(SECTION_HEADER, &body);
    }

    /// A Decryption Secrets Block holding NSS key log text.
    pub fn key_log(&mut self, text: &[u8]) {
        let mut body = Vec::new();
        body.extend_from_slice(&TLS_KEY_LOG.to_le_bytes());
        body.extend_from_slice(&len32(text.len()).to_le_bytes());
        body.extend_from_slice(text);
        self.block(DECRYPTION_SECRETS, &body);
    }

    /// An interface of this link type with no snapshot limit.
    pub fn interface(&mut self, link_type: u16, options: &[(u16, &[u8])]) {
        let mut body = Vec::new();
        body.extend_from_slice(&link_type.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        write_options(&mut body, options);
        self.block(INTERFACE_DESCRIPTION, &body);
    }

    /// One packet seen on interface 0 at `micros` (microseconds since 1970), captured whole.
    pub fn packet(&mut self, micros: u64, data: &[u8], comment: Option<&str>) {
        let mut body = Vec::new();
        body.extend_from_slice(&0u32.to_le_bytes());
        // The timestamp is one 64-bit count, high half first.
        let high = u32::try_from(micros >> 32).unwrap_or(u32::MAX);
        let low = u32::try_from(micros & 0xFFFF_FFFF).unwrap_or(0);
        body.extend_from_slice(&high.to_le_bytes());
        body.extend_from_slice(&low.to_le_bytes());
        body.extend_from_slice(&len32(data.len()).to_le_bytes());
        body.extend_from_slice(&len32(data.len()).to_le_bytes());
        body.extend_from_slice(data);
        pad(&mut body);
        match comment {
            Some(c) => write_options(&mut body, &[(OPT_COMMENT, c.as_bytes())]),
            None => write_options(&mut body, &[]),
        }
        self.block(ENHANCED_PACKET, &body);
    }
}

/// Options, then opt_endofopt; nothing at all when there are none (the options are optional).
fn write_options(body: &mut Vec<u8>, options: &[(u16, &[u8])]) {
    if options.is_empty() {
        return;
    }
    for (code, value) in options {
        // An option's length is 16 bits: longer text is cut (nothing here comes close).
        let value = &value[..value.len().min(usize::from(u16::MAX))];
        body.extend_from_slice(&code.to_le_bytes());
        body.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_le_bytes());
        body.extend_from_slice(value);
        pad(body);
    }
    body.extend_from_slice(&OPT_END.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
}

/// `n` rounded up to a multiple of 4.
fn padded(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// Zero bytes up to the next multiple of 4.
fn pad(bytes: &mut Vec<u8>) {
    bytes.resize(padded(bytes.len()), 0);
}

/// A length as the file's 32-bit field (nothing a run makes comes near 4 GiB).
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
