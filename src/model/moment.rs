//! A moment of the page as a link: which run (seed, scenario, the visitor's messages), where in
//! it (a beat, or the first beat of a step), which detail view is open and which record is
//! selected, and whether the page is embedded. These parameter names are a public interface that
//! posts keep for years: `seed`, `scenario`, `message` (repeatable), `step` (1–5), `beat` (from
//! 1), `tab` (`bytes`, `keys`, `eavesdropper`, `document`), `record` (from 1, in the order records
//! went on the wire), `embed=1`, `keyupdate=1` (a KeyUpdate after the messages), `client`
//! (`page`, `chrome`, `firefox`, `curl`: whose ClientHello the client sends), `group` and `suite`
//! (one key-exchange group and one cipher suite of the visitor's choice, by their IANA names). A
//! bad value is reported and replaced by its default. index.html reads `client`, `group` and
//! `suite` too, to load the page's full build for them.

use crate::sim::preset::{self, ClientOffer, Preset};
use crate::sim::{check_message, Options, Scenario};

/// A detail view of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Bytes,
    Keys,
    Eavesdropper,
    Document,
}

impl View {
    pub const ALL: [View; 4] = [View::Bytes, View::Keys, View::Eavesdropper, View::Document];

    /// The name in a link.
    pub fn key(self) -> &'static str {
        match self {
            View::Bytes => "bytes",
            View::Keys => "keys",
            View::Eavesdropper => "eavesdropper",
            View::Document => "document",
        }
    }
}

/// Where a link points.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Moment {
    pub seed: Option<u64>,
    pub scenario: Option<Scenario>,
    /// Messages the visitor typed, sent after the page's own request.
    pub messages: Vec<String>,
    /// A step, 1 to 5: the page opens at its first beat.
    pub step: Option<u8>,
    /// A beat, from 1 (it wins over `step`).
    pub beat: Option<usize>,
    pub view: Option<View>,
    /// A record, from 1, in the order records went on the wire.
    pub record: Option<usize>,
    pub embed: bool,
    /// The client runs a KeyUpdate after the messages.
    pub key_update: bool,
    /// What the client offers.
    pub client: ClientOffer,
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

impl Moment {
    /// Read a link's parameters (name, value pairs in their order). Returns the moment and, for
    /// each value that could not be used, what was done instead.
    pub fn parse(pairs: &[(String, String)]) -> (Moment, Vec<String>) {
        let mut m = Moment::default();
        let mut problems = Vec::new();
        for (name, value) in pairs {
            let v = value.trim();
            match name.as_str() {
                "seed" => match v.parse::<u64>() {
                    Ok(s) => m.seed = Some(s),
                    Err(_) => problems.push(format!(
                        "the seed \"{}\" is not a whole number from 0 to {}, so fresh keys were drawn",
                        clip(value),
                        u64::MAX
                    )),
                },
                "scenario" => match Scenario::from_key(v) {
                    Some(s) => m.scenario = Some(s),
                    None => problems.push(format!("there is no scenario \"{}\", so the normal handshake is shown", clip(value))),
                },
                "message" => match check_message(value) {
                    Ok(()) => m.messages.push(value.clone()),
                    Err(why) => problems.push(format!("a message in the link was left out ({why})")),
                },
                "step" => match v.parse::<u8>() {
                    Ok(n @ 1..=5) => m.step = Some(n),
                    _ => problems.push(format!("\"{}\" is not a step from 1 to 5, so the run starts at the beginning", clip(value))),
                },
                "beat" => match v.parse::<usize>() {
                    Ok(n) if n >= 1 => m.beat = Some(n),
                    _ => problems.push(format!("\"{}\" is not a beat number (1 or more), so the run starts at the beginning", clip(value))),
                },
                "tab" => match View::ALL.into_iter().find(|t| t.key() == v) {
                    Some(t) => m.view = Some(t),
                    None => problems
                        .push(format!("there is no tab \"{}\" (bytes, keys, eavesdropper, document), so Bytes is open", clip(value))),
                },
                "record" => match v.parse::<usize>() {
                    Ok(n) if n >= 1 => m.record = Some(n),
                    _ => problems.push(format!("\"{}\" is not a record number (1 or more), so none is selected", clip(value))),
                },
                "client" => match Preset::from_key(v) {
                    Some(p) => m.client.preset = p,
                    None => problems.push(format!(
                        "there is no client \"{}\" (page, chrome, firefox, curl), so this page's own client is used",
                        clip(value)
                    )),
                },
                "group" => match preset::group_named(v) {
                    Some(g) => m.client.group = Some(g),
                    None => problems.push(format!(
                        "there is no group \"{}\" to choose (X25519MLKEM768, SecP256r1MLKEM768, x25519, secp256r1), so the client offers its usual groups",
                        clip(value)
                    )),
                },
                "suite" => match preset::suite_named(v) {
                    Some(c) => m.client.suite = Some(c),
                    None => problems.push(format!(
                        "there is no cipher suite \"{}\" to choose (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256), so the client offers its usual suites",
                        clip(value)
                    )),
                },
                "embed" => m.embed = v == "1",
                "keyupdate" => m.key_update = v == "1",
                _ => {}
            }
        }
        (m, problems)
    }

    /// The run's options: the defaults with this moment's seed, scenario and messages.
    pub fn options(&self) -> Options {
        let mut o = Options { seed: self.seed, key_update: self.key_update, client: self.client, ..Options::default() };
        if let Some(s) = &self.scenario {
            o.scenario = s.clone();
        }
        o.client_messages.extend(self.messages.iter().cloned());
        o
    }

    /// The link's parameters, in a stable order, defaults left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(s) = self.seed {
            out.push(("seed", s.to_string()));
        }
        if let Some(s) = self.scenario.as_ref().filter(|s| **s != Scenario::Normal) {
            out.push(("scenario", s.key().to_string()));
        }
        out.extend(self.messages.iter().map(|m| ("message", m.clone())));
        if self.client.preset != Preset::Page {
            out.push(("client", self.client.preset.key().to_string()));
        }
        if let Some(g) = self.client.group.and_then(|g| g.known_name()) {
            out.push(("group", g.to_string()));
        }
        if let Some(c) = self.client.suite.and_then(|c| c.known_name()) {
            out.push(("suite", c.to_string()));
        }
        if self.key_update {
            out.push(("keyupdate", "1".to_string()));
        }
        match (self.beat, self.step) {
            (Some(b), _) => out.push(("beat", b.to_string())),
            (None, Some(s)) => out.push(("step", s.to_string())),
            _ => {}
        }
        if let Some(v) = self.view.filter(|v| *v != View::Bytes) {
            out.push(("tab", v.key().to_string()));
        }
        if let Some(r) = self.record {
            out.push(("record", r.to_string()));
        }
        if self.embed {
            out.push(("embed", "1".to_string()));
        }
        out
    }

    /// The HTML a blogger pastes to embed this moment (`page` is the page's address, ending in
    /// `/`).
    pub fn embed_code(&self, page: &str) -> String {
        let attrs: String = self
            .pairs()
            .into_iter()
            .filter(|(k, _)| !matches!(*k, "embed" | "message"))
            .map(|(k, v)| format!(" data-{k}=\"{}\"", v.replace('&', "&amp;").replace('"', "&quot;")))
            .collect();
        format!("<div data-tls-handshake{attrs}></div>\n<script src=\"{page}embed.js\" async></script>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn a_link_round_trips_through_its_parameters() {
        let m = Moment {
            seed: Some(7),
            scenario: Some(Scenario::WrongName),
            messages: vec!["hi".into()],
            beat: Some(12),
            view: Some(View::Keys),
            record: Some(3),
            embed: true,
            key_update: true,
            client: ClientOffer {
                preset: Preset::Firefox,
                group: Some(crate::tls::enums::NamedGroup::x25519),
                suite: Some(crate::tls::enums::CipherSuite::TLS_AES_256_GCM_SHA384),
            },
            ..Moment::default()
        };
        let back: Vec<(String, String)> = m.pairs().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(Moment::parse(&back), (m, Vec::new()));
    }

    #[test]
    fn bad_values_are_reported_and_left_at_their_default() {
        let (m, problems) = Moment::parse(&pairs(&[
            ("seed", "banana"),
            ("step", "9"),
            ("tab", "nope"),
            ("record", "0"),
            ("beat", "x"),
            ("scenario", "zzz"),
            ("client", "netscape"),
            ("group", "ffdhe2048"),
            ("suite", "TLS_AES_128_CCM_SHA256"),
        ]));
        assert_eq!(m, Moment::default());
        assert_eq!(problems.len(), 9, "{problems:?}");
        assert!(problems[1].contains("step from 1 to 5"));
    }

    #[test]
    fn the_embed_code_names_the_moment_and_the_script() {
        let m = Moment { seed: Some(7), scenario: Some(crate::sim::scenario::PAGE_TAMPER), step: Some(4), ..Moment::default() };
        assert_eq!(
            m.embed_code("https://you.github.io/repo/"),
            "<div data-tls-handshake data-seed=\"7\" data-scenario=\"tamper\" data-step=\"4\"></div>\n<script src=\"https://you.github.io/repo/embed.js\" async></script>"
        );
    }
}
