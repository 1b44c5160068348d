//! The one playback state of the page and the actions that change it (yew's
//! `function_todomvc` pattern: `State`, `Action`, `impl Reducible`).

use std::rc::Rc;

use tlsviz::sim::{self, check_message, Options, Step, Trace};
use tlsviz::tls::events::Event;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tab {
    Inspector,
    Keys,
    Eavesdropper,
}

#[derive(Clone, PartialEq)]
pub struct State {
    pub trace: Rc<Trace>,
    /// How many events are shown; the current one is `cursor - 1`.
    pub cursor: usize,
    pub playing: bool,
    /// Playback speed multiplier (1, 2 or 4).
    pub speed: u32,
    /// The event the inspector shows.
    pub selected: Option<usize>,
    pub detail: bool,
    pub tab: Tab,
    /// A message for the visitor about something they did (a rejected input, a bad link).
    pub notice: Option<String>,
}

pub enum Action {
    Next,
    Prev,
    TogglePlay,
    JumpStep(Step),
    Speed(u32),
    Select(usize),
    ToggleDetail,
    Tab(Tab),
    /// Run a new connection with these options and play it from the start.
    Run(Options),
    /// The visitor's own message: replay the same connection with it added.
    Send(String),
    Notice(Option<String>),
}

impl State {
    pub fn new(opts: &Options, notice: Option<String>) -> Self {
        let trace = Rc::new(sim::run(opts));
        State { trace, cursor: 0, playing: false, speed: 1, selected: None, detail: false, tab: Tab::Inspector, notice }
    }

    pub fn current(&self) -> Option<&sim::TraceEvent> {
        self.cursor.checked_sub(1).and_then(|i| self.trace.events.get(i))
    }

    pub fn at_end(&self) -> bool {
        self.cursor >= self.trace.events.len()
    }

    /// The inspector follows playback to the latest message or record unless the visitor chose.
    fn follow(&mut self) {
        let shown = &self.trace.events[..self.cursor.min(self.trace.events.len())];
        if let Some(e) = shown.iter().rev().find(|e| e.event().is_some_and(is_inspectable)) {
            self.selected = Some(e.index);
        }
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
        let len = s.trace.events.len();
        match action {
            Action::Next => {
                s.cursor = (s.cursor + 1).min(len);
                if s.at_end() {
                    s.playing = false;
                }
                s.follow();
            }
            Action::Prev => {
                s.cursor = s.cursor.saturating_sub(1);
                s.playing = false;
                s.follow();
            }
            Action::TogglePlay => {
                if s.at_end() {
                    s.cursor = 0;
                }
                s.playing = !s.playing;
            }
            Action::JumpStep(step) => {
                if let Some(i) = s.trace.events.iter().position(|e| e.step == step) {
                    s.cursor = i + 1;
                    s.playing = false;
                    s.follow();
                }
            }
            Action::Speed(x) => s.speed = x.clamp(1, 8),
            Action::Select(i) => s.selected = Some(i),
            Action::ToggleDetail => s.detail = !s.detail,
            Action::Tab(t) => s.tab = t,
            Action::Run(opts) => {
                // A new run starts clean; the visitor's speed, detail and tab choices stay.
                s = State { speed: s.speed, detail: s.detail, tab: s.tab, ..State::new(&opts, None) };
                s.playing = true;
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
                // The same seed replays the same connection; the new message is added before the
                // close, so playback resumes right where the old run started to close.
                let mut opts = s.trace.options.clone();
                opts.client_messages.push(text.clone());
                opts.server_replies.truncate(opts.client_messages.len() - 1);
                let resume = s
                    .trace
                    .events
                    .iter()
                    .position(|e| e.step == Step::Closing && matches!(e.event(), Some(Event::AlertSent { .. })))
                    .unwrap_or(len);
                let trace = Rc::new(sim::run(&opts));
                s.cursor = resume.min(s.cursor).min(trace.events.len());
                s.trace = trace;
                s.playing = true;
                s.notice = None;
            }
            Action::Notice(n) => s.notice = n,
        }
        Rc::new(s)
    }
}
