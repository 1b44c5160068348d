//! What client and server share: the record layer in both directions, handshake message
//! reassembly, alerts, application data, KeyUpdate and close. Sans-IO: bytes come in through
//! [`Common::push`], go out through [`Common::take_output`]; nothing here reads a clock or the OS.

use rand_chacha::ChaCha20Rng;
use rand_core::Rng;

use super::codec::Bytes;
use super::enums::{AlertDescription, AlertLevel, ContentType, KeyUpdateRequest};
use super::error::Error;
use super::events::{Carries, Check, CheckKind, Derivation, Direction, DiscardReason, Endpoint, Event, Failure, Message, Phase, Secret};
use super::handshake::Handshake;
use super::key_schedule::TrafficSecret;
use super::record::{annotate_record, annotate_record_with, plaintext_record, Decoded, Deframer, RawRecord, RecordCipher, MAX_PLAINTEXT};
use super::transcript::Transcript;

/// Knobs that change how records are cut, for tests and for the page's demonstrations.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// Largest fragment per record (≤ 2^14); smaller values split handshake messages.
    pub max_fragment: usize,
    /// Zero bytes of padding added to each protected record (RFC 8446 §5.4).
    pub padding: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions { max_fragment: MAX_PLAINTEXT, padding: 0 }
    }
}

/// Where a connection is in its life; the handshake's own states belong to client and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Handshaking,
    Connected,
    Closed,
    Failed,
}

/// What client and server have in common as drivers: they own a [`Common`] and handle the
/// handshake messages of their role. Everything else (reading records, sending data, closing,
/// KeyUpdate, the transport's end) is the same for both and lives here once.
pub trait Role {
    fn common(&mut self) -> &mut Common;

    /// Handle one whole handshake message in the current state.
    fn handle(&mut self, m: Handshake, raw: &[u8]) -> Result<(), Error>;

    /// What the connection waits for, derived from its state.
    fn phase(&self) -> Phase;

    /// The connection has ended (closed or failed): drop what the handshake state still holds.
    fn end(&mut self);

    /// Record a phase change, if the last step made one; a connection that ended lets its state go.
    fn report(&mut self) {
        let phase = self.phase();
        let c = self.common();
        if phase != c.reported {
            c.events.push(Event::Phase { from: c.reported, to: phase });
            c.reported = phase;
        }
        if !c.is_active() {
            self.end();
        }
    }

    /// Feed bytes from the peer. Returns the application data they carried; a failure ends the
    /// connection with the alert it maps to (see the events). The bytes are read one record at a
    /// time, straight from `bytes`: what the connection buffers stays within one record and one
    /// handshake message, however much arrives at once, and nothing after a failure or a
    /// close_notify is copied at all.
    fn receive(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        if self.common().received_close {
            // RFC 8446 §6.1: whatever follows a closure alert is ignored (and said to be).
            self.common().ignore_after_close(bytes);
            return Vec::new();
        }
        if !self.common().is_active() {
            return Vec::new();
        }
        let mut input = bytes;
        let mut data = Vec::new();
        loop {
            let r = match self.common().next_incoming(&mut input) {
                Ok(Some(Incoming::Handshake(m, raw))) => self.handle(m, &raw),
                Ok(Some(Incoming::AppData(d))) => {
                    data.push(d);
                    Ok(())
                }
                Ok(None) => break,
                Err(e) => Err(e),
            };
            if let Err(e) = r.and_then(|_| self.common().flush()) {
                self.common().fail(&e);
                self.report();
                break;
            }
            self.report();
        }
        if self.common().received_close {
            self.common().ignore_after_close(input);
        }
        self.report();
        data
    }

    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.common().send_app_data(data)
    }

    /// Send close_notify (RFC 8446 §6.1).
    fn close(&mut self) {
        if let Err(e) = self.common().close() {
            self.common().fail(&e);
        }
        self.report();
    }

    /// The transport closed: see [`Common::end_of_input`].
    fn end_of_input(&mut self) {
        if let Err(e) = self.common().end_of_input() {
            self.common().fail(&e);
        }
        self.report();
    }

    fn key_update(&mut self, request: KeyUpdateRequest) -> Result<(), Error> {
        self.common().send_key_update(request)?;
        self.common().flush()
    }
}

/// One item read from the peer.
pub enum Incoming {
    Handshake(Handshake, Vec<u8>),
    AppData(Vec<u8>),
}

/// One direction's record protection and the traffic secret its keys come from.
struct Keyed {
    cipher: RecordCipher,
    secret: TrafficSecret,
}

pub struct Common {
    pub rng: ChaCha20Rng,
    /// Which end this is.
    pub me: Endpoint,
    pub status: Status,
    /// The phase last reported in the events.
    reported: Phase,
    pub events: Vec<Event>,
    pub transcript: Transcript,
    pub options: RecordOptions,
    deframer: Deframer,
    /// Handshake bytes received but not yet a whole message: `hs_buf[hs_start..]` (messages
    /// already taken are cut off by the offset, not by moving the rest).
    hs_buf: Vec<u8>,
    hs_start: usize,
    /// Handshake messages written but not yet cut into records, and where each ends in it.
    hs_out: Vec<u8>,
    hs_out_ends: Vec<(Message, usize)>,
    /// Messages decoded here lately, so the next place that shows them need not decode them again.
    decoded: Decoded,
    read: Option<Keyed>,
    write: Option<Keyed>,
    out: Vec<u8>,
    pub sent_close: bool,
    pub received_close: bool,
    /// RFC 8446 §4.2.10: while set, records that fail to deprotect are early data the server did
    /// not accept, skipped while their bytes stay within what is left of this budget.
    early_data_skip: Option<usize>,
    /// RFC 8446 §4.2.10: while set, the server reads accepted 0-RTT data, at most this many more
    /// bytes of it.
    early_data_left: Option<usize>,
    /// Records in a row that carried nothing (a dropped change_cipher_spec, an empty application
    /// data record, a warning alert): bounded by [`MAX_EMPTY_IN_A_ROW`].
    empty_in_a_row: usize,
    /// KeyUpdates received since the last application data: bounded by [`MAX_KEY_UPDATES_IN_A_ROW`].
    key_updates_in_a_row: usize,
    /// A KeyUpdate answering the peer's request went out and no application data since (RFC 8446
    /// §4.6.3: a side that receives several requests while silent answers once).
    key_update_answered: bool,
    /// After a close_notify: a record header still being counted, and the body bytes left of the
    /// record being skipped.
    after_close: (Vec<u8>, usize),
}

/// RFC 8446 §4: the largest handshake message accepted, 64 KiB of body. Refused from its 4-byte
/// header, before any more of it is kept (decode_error: the length field is one this endpoint
/// cannot decode). The largest message a peer of this engine sends, a Certificate of a few
/// certificates, is a few KiB.
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 16;

/// Records in a row that carry nothing at all before one that does, as BoringSSL allows
/// (`kMaxEmptyRecords`); one more is unexpected_message. RFC 8446 lets an endpoint drop a
/// change_cipher_spec or an empty application data record, but not without end.
pub const MAX_EMPTY_IN_A_ROW: usize = 32;

/// KeyUpdates received without application data in between (BoringSSL's `kMaxKeyUpdates`); one
/// more is unexpected_message: each costs a key derivation, and a flood of them carries nothing.
pub const MAX_KEY_UPDATES_IN_A_ROW: usize = 32;

/// What a skipped record of rejected early data costs against the budget: all its bytes, and no
/// less than the smallest record that could hold protected data (a header, one byte of content
/// type and the tag), so even empty records use it up.
fn early_data_cost(rec: &RawRecord) -> usize {
    rec.bytes.len().max(super::record::HEADER_LEN + 1 + super::crypto::TAG_LEN)
}

impl Common {
    pub fn new(rng: ChaCha20Rng, me: Endpoint, phase: Phase, options: RecordOptions) -> Self {
        let max_fragment = options.max_fragment.clamp(1, MAX_PLAINTEXT);
        Common {
            rng,
            me,
            status: Status::Handshaking,
            reported: phase,
            events: Vec::new(),
            transcript: Transcript::default(),
            options: RecordOptions { max_fragment, ..options },
            deframer: Deframer::default(),
            hs_buf: Vec::new(),
            hs_start: 0,
            hs_out: Vec::new(),
            hs_out_ends: Vec::new(),
            decoded: Decoded::default(),
            read: None,
            write: None,
            out: Vec::new(),
            sent_close: false,
            received_close: false,
            early_data_skip: None,
            early_data_left: None,
            empty_in_a_row: 0,
            key_updates_in_a_row: 0,
            key_update_answered: false,
            after_close: (Vec::new(), 0),
        }
    }

    pub fn random<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        self.rng.fill_bytes(&mut b);
        b
    }

    /// The handshake is complete: application data may flow.
    pub fn connected(&mut self) {
        if self.status == Status::Handshaking {
            self.status = Status::Connected;
        }
    }

    /// Add a message the peer sent to the transcript, once it has been accepted.
    pub fn accept(&mut self, message: Message, raw: &[u8]) {
        self.transcript.add(message, self.me.peer(), raw);
    }

    pub fn log_derivations(&mut self, log: Vec<Derivation>) {
        self.events.extend(log.into_iter().map(Event::Derived));
    }

    pub fn is_active(&self) -> bool {
        matches!(self.status, Status::Handshaking | Status::Connected)
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.deframer.push(bytes);
    }

    /// RFC 8446 §4.2.10: the peer offered early data and this side rejects it: skip records that
    /// fail to deprotect (or, before there are keys, every protected record), up to `max` bytes,
    /// until one deprotects; more than that is unexpected_message.
    pub fn skip_rejected_early_data(&mut self, max: usize) {
        self.early_data_skip = Some(max);
    }

    /// The skipping of [`Common::skip_rejected_early_data`] ends (a second ClientHello arrived).
    pub fn stop_skipping_early_data(&mut self) {
        self.early_data_skip = None;
    }

    /// RFC 8446 §4.2.10: the server accepted 0-RTT data: application data under the early keys
    /// is read, up to `max` bytes, until EndOfEarlyData ([`Common::end_early_data`]).
    pub fn accept_early_data(&mut self, max: u32) {
        self.early_data_skip = None;
        self.early_data_left = Some(usize::try_from(max).unwrap_or(usize::MAX));
    }

    /// EndOfEarlyData arrived: no more 0-RTT data.
    pub fn end_early_data(&mut self) {
        self.early_data_left = None;
    }

    /// RFC 8446 §2.3: the client's 0-RTT data, under the early keys it has installed for writing,
    /// before the handshake is done.
    pub fn send_early_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.write.as_ref().map(|k| k.secret.name) != Some(Secret::ClientEarlyTraffic) {
            return Err(Error::Usage("early data needs the client's early traffic keys"));
        }
        self.events.push(Event::AppDataSent { data: Bytes(data.to_vec()) });
        for chunk in data.chunks(self.options.max_fragment) {
            self.write_record(ContentType::application_data, chunk)?;
        }
        Ok(())
    }

    /// Skip one record of rejected early data, if early data is being skipped. `Ok(true)`: skipped.
    fn skip_early_data(&mut self, rec: &RawRecord) -> Result<bool, Error> {
        let Some(left) = self.early_data_skip else { return Ok(false) };
        let Some(rest) = left.checked_sub(early_data_cost(rec)) else {
            self.early_data_skip = None;
            return Err(Error::UnexpectedMessage("more early data than max_early_data_size"));
        };
        self.early_data_skip = Some(rest);
        self.events.push(Event::RecordReceived { content_type: rec.typ, bytes: Bytes(rec.bytes.clone()), protection: None, ignored: true });
        Ok(true)
    }

    // ---- keys -------------------------------------------------------------------------------

    fn install(&mut self, dir: Direction, secret: TrafficSecret) -> Keyed {
        let mut log = Vec::new();
        let keys = secret.keys(&mut log);
        self.log_derivations(log);
        self.events.push(Event::KeysInstalled {
            direction: dir,
            secret: secret.name,
            key: Bytes(keys.key.clone()),
            iv: Bytes(keys.iv.to_vec()),
        });
        Keyed { cipher: RecordCipher::new(keys), secret }
    }

    /// Start decrypting with keys from `secret`. RFC 8446 §5.1: a handshake message may not span
    /// a key change.
    pub fn set_read_keys(&mut self, secret: TrafficSecret) -> Result<(), Error> {
        if !self.hs_pending().is_empty() {
            return Err(Error::UnexpectedMessage("a handshake message spans a key change"));
        }
        self.read = Some(self.install(Direction::Read, secret));
        Ok(())
    }

    /// Flush pending handshake bytes under the old keys, then encrypt with keys from `secret`.
    pub fn set_write_keys(&mut self, secret: TrafficSecret) -> Result<(), Error> {
        self.flush()?;
        self.write = Some(self.install(Direction::Write, secret));
        Ok(())
    }

    /// Erase both directions' keys and secrets (they zero themselves when dropped), and say so.
    fn discard_keys(&mut self, reason: DiscardReason) {
        let secrets: Vec<Secret> = [self.read.take(), self.write.take()].into_iter().flatten().map(|k| k.secret.name).collect();
        if !secrets.is_empty() {
            self.events.push(Event::KeysDiscarded { secrets, reason });
        }
    }

    /// Say that the handshake traffic secrets (already replaced by application keys and dropped
    /// with the handshake state) are gone.
    pub fn handshake_keys_discarded(&mut self) {
        let secrets = vec![Secret::ClientHandshakeTraffic, Secret::ServerHandshakeTraffic];
        self.events.push(Event::KeysDiscarded { secrets, reason: DiscardReason::HandshakeDone });
    }

    // ---- writing ----------------------------------------------------------------------------

    /// Encode a handshake message, add it to the transcript, and queue it for the next flush.
    pub fn send_handshake(&mut self, msg: &Handshake) -> Vec<u8> {
        let bytes = msg.encode();
        let (_, fields) = Handshake::decode(&bytes);
        // Shown again in the record that carries it (`flush`), from this decoding.
        self.decoded.keep(&bytes, None, fields.clone());
        let message = msg.message();
        self.events.push(Event::HandshakeSent { message, bytes: Bytes(bytes.clone()), fields });
        self.transcript.add(message, self.me, &bytes);
        self.hs_out.extend_from_slice(&bytes);
        self.hs_out_ends.push((message, self.hs_out.len()));
        bytes
    }

    /// Cut queued handshake bytes into records (coalescing messages, splitting at
    /// `max_fragment`), protected when write keys are installed.
    pub fn flush(&mut self) -> Result<(), Error> {
        let pending = std::mem::take(&mut self.hs_out);
        let ends = std::mem::take(&mut self.hs_out_ends);
        let mut start = 0;
        for chunk in pending.chunks(self.options.max_fragment) {
            let end = start + chunk.len();
            // The messages with a byte in [start, end): each begins before the end and ends after the start.
            let mut begin = 0;
            let mut carried = Vec::new();
            for (m, e) in &ends {
                if begin < end && *e > start {
                    carried.push(*m);
                }
                begin = *e;
            }
            self.write_record_carrying(ContentType::handshake, chunk, Carries::Handshake(carried))?;
            start = end;
        }
        Ok(())
    }

    fn write_record(&mut self, typ: ContentType, content: &[u8]) -> Result<(), Error> {
        let carries = match typ {
            ContentType::alert => Carries::Alert(AlertDescription(content.get(1).copied().unwrap_or(0))),
            ContentType::change_cipher_spec => Carries::ChangeCipherSpec,
            _ => Carries::ApplicationData(content.len()),
        };
        self.write_record_carrying(typ, content, carries)
    }

    fn write_record_carrying(&mut self, typ: ContentType, content: &[u8], carries: Carries) -> Result<(), Error> {
        let (bytes, protection) = match self.write.as_mut() {
            Some(k) => {
                let (b, p) = k.cipher.seal_with(typ, content, self.options.padding, &mut self.decoded)?;
                (b, Some(p))
            }
            None => (plaintext_record(typ, content), None),
        };
        self.events.push(Event::RecordSent {
            content_type: typ,
            carries,
            fields: annotate_record_with(&bytes, &mut self.decoded),
            bytes: Bytes(bytes.clone()),
            protection,
        });
        self.out.extend_from_slice(&bytes);
        Ok(())
    }

    /// RFC 8446 §D.4: the compatibility change_cipher_spec, always in plaintext.
    pub fn send_ccs(&mut self) -> Result<(), Error> {
        self.flush()?;
        let typ = ContentType::change_cipher_spec;
        let bytes = plaintext_record(typ, &[1]);
        let carries = Carries::ChangeCipherSpec;
        self.events.push(Event::RecordSent {
            content_type: typ,
            carries,
            fields: annotate_record(&bytes),
            bytes: Bytes(bytes.clone()),
            protection: None,
        });
        self.out.extend_from_slice(&bytes);
        Ok(())
    }

    pub fn send_app_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.status != Status::Connected || self.sent_close {
            return Err(Error::Usage("application data can only be sent on an open, connected session"));
        }
        self.events.push(Event::AppDataSent { data: Bytes(data.to_vec()) });
        self.key_update_answered = false;
        if data.is_empty() {
            return self.write_record(ContentType::application_data, data);
        }
        for chunk in data.chunks(self.options.max_fragment) {
            self.write_record(ContentType::application_data, chunk)?;
        }
        Ok(())
    }

    fn send_alert(&mut self, desc: AlertDescription, level: AlertLevel) -> Result<(), Error> {
        let encrypted = self.write.is_some();
        self.events.push(Event::AlertSent { description: desc, fatal: level == AlertLevel::fatal, encrypted });
        self.write_record(ContentType::alert, &[level.0, desc.0])
    }

    /// RFC 8446 §6.1: close_notify. After both sides have closed, the keys are discarded.
    pub fn close(&mut self) -> Result<(), Error> {
        if self.sent_close || !self.is_active() {
            return Ok(());
        }
        self.flush()?;
        self.send_alert(AlertDescription::close_notify, AlertLevel::warning)?;
        self.sent_close = true;
        self.maybe_closed();
        Ok(())
    }

    fn maybe_closed(&mut self) {
        if self.sent_close && self.received_close {
            self.status = Status::Closed;
            self.discard_keys(DiscardReason::Closed);
        }
    }

    /// RFC 8446 §7.2: the next generation of the traffic secret of one direction, logged.
    fn next_secret(&mut self, dir: Direction) -> Option<TrafficSecret> {
        let keyed = match dir {
            Direction::Read => self.read.as_ref(),
            Direction::Write => self.write.as_ref(),
        };
        let mut log = Vec::new();
        let next = keyed?.secret.next(&mut log);
        self.log_derivations(log);
        next
    }

    /// RFC 8446 §4.6.3: send a KeyUpdate and move to the next write secret.
    pub fn send_key_update(&mut self, request: KeyUpdateRequest) -> Result<(), Error> {
        if self.status != Status::Connected || self.sent_close {
            return Err(Error::Usage("KeyUpdate needs a connected session"));
        }
        let next = self.next_secret(Direction::Write).ok_or(Error::Usage("KeyUpdate needs application traffic keys"))?;
        self.send_handshake(&Handshake::KeyUpdate(request));
        self.set_write_keys(next)
    }

    /// RFC 8446 §4.6.3: the peer moved to its next secret; follow it, and answer if asked.
    /// A side that gets several requests while it sends nothing answers once; and KeyUpdates
    /// without application data in between are bounded by [`MAX_KEY_UPDATES_IN_A_ROW`].
    pub fn receive_key_update(&mut self, request: KeyUpdateRequest) -> Result<(), Error> {
        self.key_updates_in_a_row = self.key_updates_in_a_row.saturating_add(1);
        if self.key_updates_in_a_row > MAX_KEY_UPDATES_IN_A_ROW {
            return Err(Error::UnexpectedMessage("too many KeyUpdates without application data"));
        }
        let next = self.next_secret(Direction::Read).ok_or(Error::UnexpectedMessage("KeyUpdate before application keys"))?;
        self.set_read_keys(next)?;
        if request == KeyUpdateRequest::update_requested && !self.sent_close && !self.key_update_answered {
            self.send_key_update(KeyUpdateRequest::update_not_requested)?;
            self.key_update_answered = true;
        }
        Ok(())
    }

    /// End the connection for `err`: the alert it maps to goes out (encrypted if keys exist),
    /// nothing is sent after it, and the keys are dropped.
    pub fn fail(&mut self, err: &Error) {
        if self.status == Status::Failed {
            return;
        }
        // Anything queued but not sent is dropped: the alert is the last thing on the wire.
        self.hs_out.clear();
        self.hs_out_ends.clear();
        let alert = err.sends_alert().then(|| err.alert());
        self.events.push(Event::Error { message: err.to_string(), alert });
        if let Some(a) = alert {
            if !self.sent_close {
                let _ = self.send_alert(a, AlertLevel::fatal);
            }
        }
        self.status = Status::Failed;
        self.discard_keys(DiscardReason::Failed);
    }

    /// Whether a live connection waits for the rest of a record or of a handshake message.
    pub fn stalled(&self) -> bool {
        self.is_active() && (self.deframer.has_partial() || !self.hs_pending().is_empty())
    }

    /// The transport closed. RFC 8446 §6.1: ending inside a record or a handshake message, or
    /// before the handshake finished, is an error (a close_notify first is the orderly way).
    pub fn end_of_input(&mut self) -> Result<(), Error> {
        if !self.is_active() || self.received_close {
            return Ok(());
        }
        if self.deframer.has_partial() {
            return Err(Error::Decode("the connection ended inside a record"));
        }
        if !self.hs_pending().is_empty() {
            return Err(Error::Decode("the connection ended inside a handshake message"));
        }
        if self.status != Status::Connected {
            return Err(Error::HandshakeFailure("the connection ended before the handshake finished"));
        }
        Ok(())
    }

    // ---- reading ----------------------------------------------------------------------------

    /// Handshake bytes received that are not yet a whole message.
    fn hs_pending(&self) -> &[u8] {
        self.hs_buf.get(self.hs_start..).unwrap_or(&[])
    }

    /// The next whole handshake message or application data from the peer, reading as many
    /// records from `input` as needed and taking from it only the bytes of those records.
    /// `Ok(None)`: more bytes are needed (or the peer closed, or the connection ended).
    pub fn next_incoming(&mut self, input: &mut &[u8]) -> Result<Option<Incoming>, Error> {
        loop {
            if let Some(msg) = self.take_handshake_message()? {
                return Ok(Some(msg));
            }
            if self.received_close || !self.is_active() {
                return Ok(None);
            }
            self.deframer.fill(input)?;
            let Some(rec) = self.deframer.next_record()? else { return Ok(None) };
            if let Some(data) = self.read_record(rec)? {
                return Ok(Some(Incoming::AppData(data)));
            }
        }
    }

    /// A whole message from the handshake bytes, if one is there. Its 4-byte header is checked
    /// against [`MAX_HANDSHAKE_MESSAGE`] as soon as it has arrived, before more is kept.
    fn take_handshake_message(&mut self) -> Result<Option<Incoming>, Error> {
        let pending = self.hs_pending();
        let [_, a, b, c, ..] = *pending else { return Ok(None) };
        let len = (usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c);
        if len > MAX_HANDSHAKE_MESSAGE {
            return Err(Error::Decode("a handshake message longer than this endpoint accepts (64 KiB)"));
        }
        let Some(raw) = pending.get(..4 + len).map(<[u8]>::to_vec) else {
            // The rest will come: room for it all, once, so no record moves what is already here.
            let missing = (4 + len).saturating_sub(pending.len());
            self.hs_buf.reserve(missing);
            return Ok(None);
        };
        self.hs_start += raw.len();
        if self.hs_start >= self.hs_buf.len() {
            self.hs_buf.clear();
            self.hs_start = 0;
        }
        // Decoded already if its record's plaintext was shown (`open_with`).
        let (res, fields) = match self.decoded.take(&raw) {
            Some((Some(m), fields)) => (Ok(m), fields),
            _ => Handshake::decode(&raw),
        };
        let message = res.as_ref().ok().map(Handshake::message);
        self.events.push(Event::HandshakeReceived { message, bytes: Bytes(raw.clone()), fields });
        Ok(Some(Incoming::Handshake(res?, raw)))
    }

    /// Add the content of a handshake record to the handshake bytes (dropping, first, the
    /// messages already taken: only the unread part of one message can move).
    fn push_handshake_bytes(&mut self, content: &[u8]) {
        if self.hs_start > 0 {
            self.hs_buf.drain(..self.hs_start.min(self.hs_buf.len()));
            self.hs_start = 0;
        }
        self.hs_buf.extend_from_slice(content);
    }

    /// One more record that carried nothing; past [`MAX_EMPTY_IN_A_ROW`] of them, an error.
    fn carried_nothing(&mut self) -> Result<(), Error> {
        self.empty_in_a_row = self.empty_in_a_row.saturating_add(1);
        if self.empty_in_a_row > MAX_EMPTY_IN_A_ROW {
            return Err(Error::UnexpectedMessage("too many records in a row that carry nothing"));
        }
        Ok(())
    }

    /// RFC 8446 §6.1: bytes after a closure alert are ignored. They are counted (records by their
    /// headers, across calls) and the count goes into the trace; none of them is kept.
    pub fn ignore_after_close(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut records = 0usize;
        let (hdr, body_left) = &mut self.after_close;
        let mut rest = bytes;
        while !rest.is_empty() {
            if *body_left > 0 {
                let n = (*body_left).min(rest.len());
                *body_left -= n;
                rest = &rest[n..];
                if *body_left == 0 {
                    records += 1;
                }
                continue;
            }
            let n = (super::record::HEADER_LEN - hdr.len()).min(rest.len());
            hdr.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if let [_, _, _, hi, lo] = hdr[..] {
                *body_left = usize::from(u16::from_be_bytes([hi, lo]));
                hdr.clear();
                if *body_left == 0 {
                    records += 1;
                }
            }
        }
        self.events.push(Event::IgnoredAfterClose { records, bytes: bytes.len() });
    }

    /// Process one record. Returns application data, if the record carried some.
    fn read_record(&mut self, rec: RawRecord) -> Result<Option<Vec<u8>>, Error> {
        let received = |rec: &RawRecord, protection, ignored| Event::RecordReceived {
            content_type: rec.typ,
            bytes: Bytes(rec.bytes.clone()),
            protection,
            ignored,
        };
        // RFC 8446 §5, D.4: a plaintext change_cipher_spec of exactly 0x01, after the first
        // ClientHello and before the peer's Finished, is dropped (a client in compatibility mode
        // may send it before its second ClientHello); anything else of that type is an error, and
        // so is one inside a handshake message split across records (§5.1: no interleaving).
        if rec.typ == ContentType::change_cipher_spec {
            let ok =
                rec.payload() == [1] && self.status == Status::Handshaking && !self.transcript.is_empty() && self.hs_pending().is_empty();
            self.events.push(received(&rec, None, ok));
            if !ok {
                return Err(Error::UnexpectedMessage("change_cipher_spec that is not a single 0x01 before Finished"));
            }
            self.carried_nothing()?;
            return Ok(None);
        }
        // RFC 8446 §4.2.10: before there are keys to try, every protected record is early data.
        if self.read.is_none() && rec.typ == ContentType::application_data && self.skip_early_data(&rec)? {
            return Ok(None);
        }
        let (typ, content, protection) = match (self.read.as_mut(), rec.typ) {
            (Some(k), ContentType::application_data) => match k.cipher.open_with(&rec, &mut self.decoded) {
                Ok((t, content, p)) => {
                    // The first record that deprotects starts the client's second flight.
                    self.early_data_skip = None;
                    (t, content, Some(p))
                }
                Err(_) if self.early_data_skip.is_some() => {
                    self.skip_early_data(&rec)?;
                    return Ok(None);
                }
                Err(e) => {
                    let check = CheckKind::RecordDecryption { secret: k.secret.name, sequence_number: k.cipher.sequence_number() };
                    self.events.push(received(&rec, None, false));
                    self.events.push(Event::Check(Check { kind: check, ok: false, failure: Some(Failure::of(&e)) }));
                    return Err(e);
                }
            },
            // A plaintext alert is accepted during the handshake: a peer that failed early may not
            // have keys yet. Once the handshake is done both sides have them, and RFC 8446 §6 has
            // alerts encrypted under the current keys: a plaintext one (a forged close_notify, say)
            // is refused.
            (Some(_), ContentType::alert) if self.status != Status::Handshaking => {
                self.events.push(received(&rec, None, false));
                return Err(Error::UnexpectedMessage("a plaintext alert after the handshake"));
            }
            (_, ContentType::alert) => (ContentType::alert, rec.payload().to_vec(), None),
            (Some(_), _) => {
                self.events.push(received(&rec, None, false));
                return Err(Error::UnexpectedMessage("a plaintext record after encryption started"));
            }
            (None, t) => (t, rec.payload().to_vec(), None),
        };
        self.events.push(received(&rec, protection, false));
        if typ != ContentType::handshake && !self.hs_pending().is_empty() {
            // RFC 8446 §5.1: "Handshake messages MUST NOT be interleaved with other record types."
            return Err(Error::UnexpectedMessage("a record of another type inside a split handshake message"));
        }
        match typ {
            ContentType::handshake => {
                if content.is_empty() {
                    return Err(Error::UnexpectedMessage("an empty handshake record"));
                }
                self.empty_in_a_row = 0;
                self.push_handshake_bytes(&content);
                Ok(None)
            }
            ContentType::alert => {
                self.read_alert(&content)?;
                if !self.received_close {
                    // A warning that is not close_notify (user_canceled) carries nothing either.
                    self.carried_nothing()?;
                }
                Ok(None)
            }
            ContentType::application_data => {
                if let Some(left) = self.early_data_left {
                    // RFC 8446 §4.2.10: accepted 0-RTT data, within max_early_data_size.
                    let rest =
                        left.checked_sub(content.len()).ok_or(Error::UnexpectedMessage("more early data than max_early_data_size"))?;
                    self.early_data_left = Some(rest);
                } else if self.status != Status::Connected || self.read.is_none() {
                    return Err(Error::UnexpectedMessage("application data before the handshake finished"));
                }
                if content.is_empty() {
                    // RFC 8446 §5.4: allowed (against traffic analysis), but it carries nothing,
                    // so nothing is handed to the application.
                    self.carried_nothing()?;
                    return Ok(None);
                }
                self.empty_in_a_row = 0;
                self.key_updates_in_a_row = 0;
                self.events.push(Event::AppDataReceived { data: Bytes(content.clone()) });
                Ok(Some(content))
            }
            ContentType::change_cipher_spec => Err(Error::UnexpectedMessage("an encrypted change_cipher_spec")),
            _ => Err(Error::UnexpectedMessage("an unknown record content type")),
        }
    }

    fn read_alert(&mut self, content: &[u8]) -> Result<(), Error> {
        if content.is_empty() {
            return Err(Error::UnexpectedMessage("an empty alert record"));
        }
        let [level, desc] = content else {
            return Err(Error::Decode("an alert must be exactly two bytes"));
        };
        let desc = AlertDescription(*desc);
        // RFC 8446 §6: every alert but close_notify and user_canceled is fatal, whatever its level.
        let fatal = !matches!(desc, AlertDescription::close_notify | AlertDescription::user_canceled);
        self.events.push(Event::AlertReceived { description: desc, fatal });
        if desc == AlertDescription::close_notify {
            self.received_close = true;
            self.maybe_closed();
            return Ok(());
        }
        if fatal || *level == AlertLevel::fatal.0 {
            self.status = Status::Failed;
            self.discard_keys(DiscardReason::PeerFailed);
            return Err(Error::PeerAlert(desc));
        }
        Ok(())
    }
}
