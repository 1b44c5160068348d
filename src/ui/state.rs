//! The one playback state of the page and the actions that change it (yew's
//! `function_todomvc` pattern: `State`, `Action`, `impl Reducible`). Playback moves by beats
//! (`tlsviz::model::playback`); everything else is computed from the beat reached.

use std::rc::Rc;

use tlsviz::model::moment::Moment;
use tlsviz::model::playback::Step;
use tlsviz::model::playback::{playback, step_starts, Beat, Playback};
use tlsviz::sim::{self, check_message, Options, Trace};
use tlsviz::tls::events::Event;
use yew::prelude::*;

/// The detail views, as links name them.
pub use tlsviz::model::moment::View as Tab;

#[derive(Clone)]
pub struct State {
    pub trace: Rc<Trace>,
    pub play: Rc<Playback>,
    /// How many beats are shown; the current one is `beat - 1`.
    pub beat: usize,
    /// The trace indices shown so far, in display order.
    pub shown: Rc<Vec<usize>>,
    pub playing: bool,
    /// Playback speed multiplier (1, 2 or 4).
    pub speed: u32,
    /// The event the inspector shows.
    pub selected: Option<usize>,
    /// Whether the visitor (or the link) chose that record, rather than playback.
    pub picked: bool,
    /// The embed layout, for a post's frame.
    pub embed: bool,
    pub detail: bool,
    pub tab: Tab,
    /// The inspector shows a protected record as it was on the wire (rather than decrypted).
    pub as_sent: bool,
    /// What the visitor is typing in the message box.
    pub draft: String,
    /// On a phone the detail views open as a full-width sheet over the page.
    pub sheet: bool,
    /// A message for the visitor about something they did (a rejected input, a bad link).
    pub notice: Option<String>,
}

/// Two states are the same when they show the same run (the same trace, by identity: comparing
/// traces field by field would cost time on every render and the page's weight) at the same
/// moment, with the same choices.
impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.trace, &o.trace)
            && Rc::ptr_eq(&self.play, &o.play)
            && self.beat == o.beat
            && self.playing == o.playing
            && self.speed == o.speed
            && self.selected == o.selected
            && self.picked == o.picked
            && self.embed == o.embed
            && self.detail == o.detail
            && self.tab == o.tab
            && self.sheet == o.sheet
            && self.as_sent == o.as_sent
            && self.draft == o.draft
            && self.notice == o.notice
    }
}

pub enum Action {
    Next,
    Prev,
    Home,
    End,
    TogglePlay,
    JumpStep(Step),
    Speed(u32),
    Select(usize),
    ToggleDetail,
    Tab(Tab),
    /// Close the detail sheet, back to the same moment.
    CloseSheet,
    /// Show protected records as on the wire (`true`) or decrypted.
    AsSent(bool),
    /// The visitor typed in the message box.
    Draft(String),
    /// Run a new connection with these options and play it from the start.
    Run(Options),
    /// The visitor's own message: replay the same connection with it added.
    Send(String),
    Notice(Option<String>),
}

impl State {
    pub fn new(opts: &Options, notice: Option<String>) -> Self {
        Self::of(Rc::new(sim::run(opts)), notice)
    }

    fn of(trace: Rc<Trace>, notice: Option<String>) -> Self {
        let play = Rc::new(playback(&trace));
        State {
            trace,
            play,
            beat: 0,
            shown: Rc::new(Vec::new()),
            playing: false,
            speed: 1,
            selected: None,
            picked: false,
            embed: false,
            detail: false,
            tab: Tab::Bytes,
            sheet: false,
            as_sent: false,
            draft: String::new(),
            notice,
        }
    }

    /// The state a link points to: its run, at its beat (or the first beat of its step), with its
    /// tab open and its record selected.
    pub fn at(m: &Moment, notice: Option<String>) -> Self {
        Self::at_run(Rc::new(sim::run(&m.options())), m, notice)
    }

    /// [`State::at`] for a run already made from the moment's options.
    pub fn at_run(trace: Rc<Trace>, m: &Moment, notice: Option<String>) -> Self {
        let mut s = Self::of(trace, notice);
        s.embed = m.embed;
        let starts = step_starts(&s.play);
        let beat = match (m.beat, m.step) {
            (Some(b), _) => b.min(s.play.beats.len()),
            (None, Some(n)) => starts.get(usize::from(n) - 1).and_then(|(_, b)| *b).map_or(0, |b| b + 1),
            _ => 0,
        };
        s.go(beat);
        if let Some(v) = m.view {
            s.tab = v;
        }
        if let Some(r) = m.record {
            // The r-th record on the wire: playback goes on to it if it has not been sent yet.
            let records: Vec<usize> =
                s.play.order.iter().copied().filter(|&i| matches!(s.trace.events[i].event(), Some(Event::RecordSent { .. }))).collect();
            if let Some(&i) = records.get(r - 1) {
                if !s.shown.contains(&i) {
                    let b = s.play.beats.iter().position(|b| b.events.contains(&i)).map_or(s.beat, |b| b + 1);
                    s.go(b);
                }
                s.selected = Some(i);
                s.picked = true;
                if m.view.is_none() {
                    s.tab = Tab::Bytes;
                }
            }
        }
        s
    }

    /// The moment on screen, as a link names it.
    pub fn moment(&self) -> Moment {
        let o = &self.trace.options;
        let record = self.selected.filter(|_| self.picked).and_then(|sel| {
            let mut n = 0;
            for &i in self.play.order.iter() {
                if matches!(self.trace.events[i].event(), Some(Event::RecordSent { .. })) {
                    n += 1;
                    if i == sel {
                        return Some(n);
                    }
                }
            }
            None
        });
        Moment {
            seed: Some(self.trace.seed),
            scenario: Some(o.scenario.clone()),
            messages: o.client_messages.iter().skip(tlsviz::sim::Options::default().client_messages.len()).cloned().collect(),
            step: None,
            beat: (self.beat > 0).then_some(self.beat),
            view: Some(self.tab),
            record,
            embed: self.embed,
            key_update: o.key_update,
            client: o.client,
        }
    }

    pub fn current(&self) -> Option<&Beat> {
        self.beat.checked_sub(1).and_then(|i| self.play.beats.get(i))
    }

    pub fn at_end(&self) -> bool {
        self.beat >= self.play.beats.len()
    }

    /// Whether playback has shown how the run ends: the end itself, or an error that ends a
    /// connection. Until then a failing run looks as a working one does, so that the page does
    /// not give its ending away before the reader gets there.
    pub fn ending_shown(&self) -> bool {
        self.at_end() || self.shown.iter().any(|&i| matches!(self.trace.events.get(i).and_then(|e| e.event()), Some(Event::Error { .. })))
    }

    /// Whether the event at this trace index belongs to the beat on screen.
    pub fn in_current(&self, index: usize) -> bool {
        self.current().is_some_and(|b| b.events.contains(&index))
    }

    fn go(&mut self, beat: usize) {
        self.beat = beat.min(self.play.beats.len());
        self.shown = Rc::new(self.play.shown(self.beat));
        self.follow();
    }

    /// The inspector follows playback to the latest message or record.
    fn follow(&mut self) {
        self.picked = false;
        let latest =
            self.shown.iter().rev().copied().find(|&i| self.trace.events.get(i).and_then(|e| e.event()).is_some_and(is_inspectable));
        self.selected = latest;
    }
}

/// Events the inspector can show bytes for.
pub fn is_inspectable(e: &Event) -> bool {
    matches!(e, Event::RecordSent { .. } | Event::HandshakeSent { .. } | Event::HandshakeReceived { .. })
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let len = s.play.beats.len();
        match action {
            Action::Next => {
                s.go(s.beat + 1);
                if s.at_end() {
                    s.playing = false;
                }
            }
            Action::Prev => {
                s.go(s.beat.saturating_sub(1));
                s.playing = false;
            }
            Action::Home => {
                s.go(0);
                s.playing = false;
            }
            Action::End => {
                s.go(len);
                s.playing = false;
            }
            Action::TogglePlay => {
                if s.at_end() {
                    s.go(0);
                }
                s.playing = !s.playing;
                // Playing from the start shows the first beat at once.
                if s.playing && s.beat == 0 {
                    s.go(1);
                }
            }
            Action::JumpStep(step) => {
                // A step the run never reaches: as far as it goes, its end and conclusion.
                let start = step_starts(&s.play).into_iter().find(|(st, _)| *st == step).and_then(|(_, b)| b);
                s.go(start.map_or(len, |b| b + 1));
                s.playing = false;
            }
            Action::Speed(x) => s.speed = x.clamp(1, 8),
            Action::Select(i) => {
                s.selected = Some(i);
                s.picked = true;
            }
            Action::ToggleDetail => s.detail = !s.detail,
            Action::Tab(t) => {
                s.tab = t;
                s.sheet = true;
            }
            Action::CloseSheet => s.sheet = false,
            Action::AsSent(v) => s.as_sent = v,
            Action::Draft(t) => s.draft = t,
            Action::Run(opts) => {
                // A new run starts clean; the visitor's speed, detail and tab choices stay.
                s = State { speed: s.speed, detail: s.detail, tab: s.tab, embed: s.embed, ..State::new(&opts, None) };
                s.playing = true;
                s.go(1);
            }
            Action::Send(text) => {
                if let Err(why) = check_message(&text) {
                    s.notice = Some(why);
                    return Rc::new(s);
                }
                if !s.trace.outcome().is_some_and(|o| o.handshake_complete) {
                    s.notice = Some("This connection failed, so nothing can be sent on it. Start a new handshake first.".into());
                    return Rc::new(s);
                }
                // The same seed replays the same connection, byte for byte; the new message is
                // added before the close, so playback resumes where the old run started to close.
                let mut opts = s.trace.options.clone();
                opts.client_messages.push(text.clone());
                opts.server_replies.truncate(opts.client_messages.len() - 1);
                let trace = Rc::new(sim::run(&opts));
                let next = State::of(trace, None);
                let closing = next.play.beats.iter().position(|b| b.step == Step::Closing).unwrap_or(next.play.beats.len());
                let sent_by_visitor = closing.saturating_sub(4);
                let resume = s.beat.min(sent_by_visitor);
                s = State { speed: s.speed, detail: s.detail, tab: s.tab, embed: s.embed, ..next };
                s.go(resume);
                s.playing = true;
            }
            Action::Notice(n) => s.notice = n,
        }
        Rc::new(s)
    }
}
