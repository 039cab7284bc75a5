//! The nodes a `paths --from` walk finds, handed to the vault-access work as they come, and the answers
//! handed back in the walk's order: a node's vault data does not depend on the walk, so the other core
//! asks it while the walk goes on, and the walk's thread groups the answers in order, asking the nodes
//! left over itself between them.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Nodes found and their answers, shared by the walk's thread and a helper thread.
pub(super) struct Handed<R> {
    state: Mutex<State<R>>,
    changed: Condvar,
}

struct State<R> {
    /// Nodes found, in the walk's order.
    nodes: Vec<String>,
    /// How many of them have been taken to be asked.
    taken: usize,
    /// Each node's answer, by its place, until it is taken back.
    done: Vec<Option<R>>,
    /// The walk has found every node.
    closed: bool,
    /// The search stopped: nothing more is asked.
    stopped: bool,
    /// The helper thread has ended (after the walk, or by a panic): no answer comes from it any more.
    helper_gone: bool,
}

/// What the walk's thread does next.
pub(super) enum Next<R> {
    /// Group the next answer in order.
    Answer(R),
    /// Ask this node (its place, its id) and hand its answer back.
    Ask(usize, String),
    /// Every answer has been taken (or none will come).
    Finished,
}

impl<R> Default for Handed<R> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                nodes: Vec::new(),
                taken: 0,
                done: Vec::new(),
                closed: false,
                stopped: false,
                helper_gone: false,
            }),
            changed: Condvar::new(),
        }
    }
}

impl<R> Handed<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State<R>>) -> MutexGuard<'g, State<R>> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The walk found `id`.
    pub fn push(&self, id: &str) {
        let mut s = self.lock();
        s.nodes.push(id.to_string());
        s.done.push(None);
        drop(s);
        self.changed.notify_all();
    }

    /// The walk is over: every node has been pushed.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// The search stopped: the helper asks nothing more.
    pub fn stop(&self) {
        let mut s = self.lock();
        s.stopped = true;
        s.closed = true;
        drop(s);
        self.changed.notify_all();
    }

    /// The helper thread ends (dropping this, however it ends).
    pub fn helper_done(&self) -> HelperDone<'_, R> {
        HelperDone(self)
    }

    /// The helper's next node to ask (its place and id), waiting for the walk; `None` once there is none.
    pub fn take(&self) -> Option<(usize, String)> {
        let mut s = self.lock();
        loop {
            if s.stopped {
                return None;
            }
            if let Some(id) = s.nodes.get(s.taken).cloned() {
                s.taken += 1;
                return Some((s.taken - 1, id));
            }
            if s.closed {
                return None;
            }
            s = self.wait(s);
        }
    }

    /// The answer for the node at `place`.
    pub fn put(&self, place: usize, answer: R) {
        let mut s = self.lock();
        if let Some(slot) = s.done.get_mut(place) {
            *slot = Some(answer);
        }
        drop(s);
        self.changed.notify_all();
    }

    /// After the walk: the answer at `want` once it is there, else a node left to ask (when `can_ask`),
    /// else waits for the helper.
    pub fn next(&self, want: usize, can_ask: bool) -> Next<R> {
        let mut s = self.lock();
        loop {
            if let Some(answer) = s.done.get_mut(want).and_then(Option::take) {
                return Next::Answer(answer);
            }
            if can_ask
                && !s.stopped
                && let Some(id) = s.nodes.get(s.taken).cloned()
            {
                s.taken += 1;
                return Next::Ask(s.taken - 1, id);
            }
            if (s.closed && want >= s.nodes.len()) || s.helper_gone {
                return Next::Finished;
            }
            s = self.wait(s);
        }
    }
}

/// Marks the helper thread's end when dropped.
pub(super) struct HelperDone<'h, R>(&'h Handed<R>);

impl<R> Drop for HelperDone<'_, R> {
    fn drop(&mut self) {
        self.0.lock().helper_gone = true;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::{Handed, Next};

    /// Answers come back in the order the nodes were found, whoever asked them, and a stop ends the
    /// helper's work.
    #[test]
    fn answers_come_back_in_the_walks_order() {
        let handed: Handed<String> = Handed::default();
        let answer = |id: &str| format!("asked {id}");
        let got = std::thread::scope(|s| {
            s.spawn(|| {
                let _done = handed.helper_done();
                while let Some((place, id)) = handed.take() {
                    handed.put(place, answer(&id));
                }
            });
            for n in 0..200 {
                handed.push(&n.to_string());
            }
            handed.close();
            let mut got = Vec::new();
            loop {
                match handed.next(got.len(), got.len() % 3 == 0) {
                    Next::Answer(a) => got.push(a),
                    Next::Ask(place, id) => handed.put(place, answer(&id)),
                    Next::Finished => break got,
                }
            }
        });
        let want: Vec<String> = (0..200).map(|n| answer(&n.to_string())).collect();
        assert_eq!(got, want);

        let stopped: Handed<String> = Handed::default();
        stopped.push("a");
        stopped.stop();
        assert!(stopped.take().is_none());
    }
}
