//! Heavy evaluation off the UI thread. `update` asks for a [`Job`] with a ticket; the worker runs it and
//! sends back a [`JobResult`] with the same ticket; the app keeps only the answer to its latest ticket of
//! each kind, so results that arrive after the user moved on are dropped. The computation itself is
//! [`compute`], which tests and benchmarks call directly (pure, but for reading a change list the user asked to
//! load, which is done here so the UI thread never waits on a disk).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use crate::catalog;
use crate::eval::{Engine, Origin};
use crate::model::Scope;
use crate::query::grouped::escalations::{
    EscalationGroup, EscalationGroups, GroupMember, escalation_groups_with, group_members_with,
};
use crate::query::grouped::who_can::{GroupedWhoCan, grouped_who_can_with};
use crate::query::{self, Matrix};
use crate::tui::action::Msg;
use crate::tui::principals::{PrincipalEntry, matches};
use crate::tui::view::{activity, paths};
use crate::tui::whatif::world::{World, WorldRef};
use crate::whatif::{Scenario, WhatIfError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Matrix,
    WhoCan,
    Escalations,
    /// The identities of one escalation group.
    EscalationMembers,
    /// What the selected principal can reach, vault by vault.
    Reach,
    /// Attack paths to the selected vault or from the selected principal.
    Paths,
    Filter,
    /// Build the hypothetical world of the what-if panel.
    WhatIf,
    /// Read a change list from a file.
    LoadScenario,
    /// A new snapshot from a live fetch, parsed and indexed for the next engine.
    Index,
    /// Read the audit logs given with `--logs` (once, with progress).
    ReadLogs,
    /// What the logs say of the selected vault, item or principal.
    Activity,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobSpec {
    /// Fuzzy-filter a large directory: the entries, the query, the indices worth scoring.
    Filter {
        entries: Arc<Vec<PrincipalEntry>>,
        query: String,
        pool: Vec<usize>,
        generation: u64,
    },
    /// A vault's matrix; data-plane cells pass the vault's network rules when a caller location is set.
    Matrix {
        vault: Scope,
        origin: Option<Origin>,
    },
    /// Who can do `operation` at `scope`, asked from the caller location when one is set (as `check`): on a
    /// thread of its own, class by class, with progress, stopping when cancelled.
    WhoCan {
        scope: Scope,
        operation: String,
        origin: Option<Origin>,
    },
    /// The escalations at the vaults at or below `scope` (`None`: every vault), grouped as the CLI groups
    /// them: computed on a thread of its own, vault by vault, with progress, stopping when cancelled.
    Escalations {
        scope: Option<Scope>,
    },
    /// The identities of `group`, of the escalations asked at `scope` (the answer's): on a thread of its
    /// own, vault by vault, with progress, stopping when cancelled.
    EscalationMembers {
        scope: String,
        group: Box<EscalationGroup>,
    },
    /// Every vault and item the principal holds, may hold or could grant itself something at (the CLI's
    /// `reach`): on a thread of its own, vault by vault, with progress, stopping when cancelled.
    Reach {
        principal: String,
    },
    /// `kvaccess paths --to` or `--from` (the paths view): on a thread of its own, with progress, stopping
    /// when cancelled.
    Paths(paths::Question),
    WhatIf {
        scenario: Scenario,
        generation: u64,
    },
    LoadScenario {
        path: PathBuf,
    },
    /// Parse a live fetch's collected document and build the engine's lookups over it; `collecting`
    /// marks every section as still being read (the run has not finished).
    Index {
        doc: crate::fetch::Collected,
        collecting: bool,
        generation: u64,
        /// The palette the directory tree is styled with.
        theme: crate::tui::theme::ThemeKind,
    },
    /// Read audit logs (files or directories): on a thread of its own, with progress in bytes, stopping
    /// when cancelled; then the last use of every grant.
    ReadLogs {
        paths: Vec<PathBuf>,
    },
    /// The activity view's answer for a vault, item or principal, from logs already read.
    Activity {
        logs: activity::LogsRef,
        subject: activity::Subject,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub ticket: u64,
    pub spec: JobSpec,
    /// Set when the app no longer wants the answer: long jobs stop at their next step.
    pub cancel: Cancel,
    /// The real world the job is answered in: the engine the app was on when it asked.
    pub engine: EngineRef,
    /// The hypothetical world to answer in (the real one when `None`). Matrix and who-can answers in a
    /// hypothetical world come with the real world's answer, so the panes can mark what differs.
    pub world: Option<WorldRef>,
}

impl Job {
    pub fn kind(&self) -> JobKind {
        match self.spec {
            JobSpec::Matrix { .. } => JobKind::Matrix,
            JobSpec::WhoCan { .. } => JobKind::WhoCan,
            JobSpec::Escalations { .. } => JobKind::Escalations,
            JobSpec::EscalationMembers { .. } => JobKind::EscalationMembers,
            JobSpec::Reach { .. } => JobKind::Reach,
            JobSpec::Paths(_) => JobKind::Paths,
            JobSpec::Filter { .. } => JobKind::Filter,
            JobSpec::WhatIf { .. } => JobKind::WhatIf,
            JobSpec::LoadScenario { .. } => JobKind::LoadScenario,
            JobSpec::Index { .. } => JobKind::Index,
            JobSpec::ReadLogs { .. } => JobKind::ReadLogs,
            JobSpec::Activity { .. } => JobKind::Activity,
        }
    }
}

/// A job's cancel flag, shared by the app and the thread running it. Equal when it is the same flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl PartialEq for Cancel {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A shared engine; jobs carry it to the worker. Equal when it is the same engine.
#[derive(Clone)]
pub struct EngineRef(pub Arc<Engine>);

impl PartialEq for EngineRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for EngineRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({} principals)", self.0.snapshot.principals.len())
    }
}

#[derive(Debug)]
pub enum Output {
    Matrix(Result<Matrix, String>),
    WhoCan(Result<Box<GroupedWhoCan>, String>),
    Escalations(Box<EscalationGroups>),
    EscalationMembers(Vec<GroupMember>),
    Reach(Box<query::Reach>),
    Paths(Box<Result<paths::Answer, String>>),
    /// The job was cancelled before it finished.
    Cancelled,
    Indexed(Box<crate::tui::live::Indexed>),
    Filter {
        query: String,
        shown: Vec<usize>,
        generation: u64,
    },
    /// The answer in the hypothetical world, and the same question's answer in the real one.
    Compared {
        after: Box<Output>,
        before: Box<Output>,
    },
    WhatIf(Box<Result<WorldRef, WhatIfError>>),
    ScenarioLoaded {
        path: String,
        result: Result<Scenario, String>,
    },
    Logs(Result<activity::LogsRef, String>),
    Activity(Box<activity::Answer>),
}

#[derive(Debug)]
pub struct JobResult {
    pub ticket: u64,
    pub kind: JobKind,
    pub output: Output,
}

/// Runs a job in its real world, or in the hypothetical world it carries.
pub fn compute(job: &Job) -> JobResult {
    compute_with(job, &mut |_, _| {})
}

/// [`compute`], telling `progress(done, total)` how far a long job is.
pub fn compute_with(job: &Job, progress: &mut dyn FnMut(usize, usize)) -> JobResult {
    let engine = &*job.engine.0;
    let cancel = &job.cancel;
    let output = match (&job.world, &job.spec) {
        (
            Some(world),
            JobSpec::Matrix { .. } | JobSpec::WhoCan { .. } | JobSpec::Escalations { .. },
        ) => {
            // Two answers, one after the other: progress counts both.
            let after = answer(world.engine(), &job.spec, cancel, &mut |d, t| {
                progress(d, 2 * t)
            });
            let before = answer(engine, &job.spec, cancel, &mut |d, t| {
                progress(t + d, 2 * t)
            });
            match (after, before) {
                (Output::Cancelled, _) | (_, Output::Cancelled) => Output::Cancelled,
                (after, before) => Output::Compared {
                    after: Box::new(after),
                    before: Box::new(before),
                },
            }
        }
        (Some(world), _) => answer(world.engine(), &job.spec, cancel, progress),
        (None, _) => answer(engine, &job.spec, cancel, progress),
    };
    JobResult {
        ticket: job.ticket,
        kind: job.kind(),
        output,
    }
}

fn answer(
    engine: &Engine,
    spec: &JobSpec,
    cancel: &Cancel,
    progress: &mut dyn FnMut(usize, usize),
) -> Output {
    match spec {
        JobSpec::Matrix { vault, origin } => Output::Matrix(
            query::matrix_for_vault(engine, vault)
                .map(|mut m| {
                    if let Some(o) = origin {
                        query::through_network(engine, &mut m, o);
                    }
                    m
                })
                .map_err(|e| e.to_string()),
        ),
        JobSpec::WhoCan {
            scope,
            operation,
            origin,
        } => {
            let mut go_on = |done, total| {
                progress(done, total);
                !cancel.is_cancelled()
            };
            match catalog::resolve(operation)
                .and_then(|a| grouped_who_can_with(engine, scope, &a, origin.as_ref(), &mut go_on))
            {
                Ok(Some(w)) => Output::WhoCan(Ok(Box::new(w))),
                Ok(None) => Output::Cancelled,
                Err(e) => Output::WhoCan(Err(e.to_string())),
            }
        }
        JobSpec::Escalations { scope } => {
            let (groups, complete) =
                escalation_groups_with(engine, scope.as_ref(), &mut |done, total| {
                    progress(done, total);
                    !cancel.is_cancelled()
                });
            if complete {
                Output::Escalations(Box::new(groups))
            } else {
                Output::Cancelled
            }
        }
        JobSpec::EscalationMembers { scope, group } => {
            group_members_with(engine, scope, group, &mut |done, total| {
                progress(done, total);
                !cancel.is_cancelled()
            })
            .map_or(Output::Cancelled, Output::EscalationMembers)
        }
        JobSpec::Reach { principal } => {
            let (reach, complete) =
                query::principal_reach_with(engine, principal, None, &mut |done, total| {
                    progress(done, total);
                    !cancel.is_cancelled()
                });
            if complete {
                Output::Reach(Box::new(reach))
            } else {
                Output::Cancelled
            }
        }
        JobSpec::Paths(q) => {
            let mut go_on = |done, total| {
                progress(done, total);
                !cancel.is_cancelled()
            };
            paths::compute(engine, q, &mut go_on)
                .map_or(Output::Cancelled, |a| Output::Paths(Box::new(a)))
        }
        JobSpec::ReadLogs { paths } => {
            let mut watch = |done: u64, total: u64| {
                progress(
                    usize::try_from(done).unwrap_or(usize::MAX),
                    usize::try_from(total).unwrap_or(usize::MAX),
                );
                !cancel.is_cancelled()
            };
            match activity::read(paths, engine, &mut watch) {
                Some(r) => Output::Logs(r.map(|l| activity::LogsRef(Arc::new(l)))),
                None => Output::Cancelled,
            }
        }
        JobSpec::Activity { logs, subject } => {
            Output::Activity(Box::new(activity::answer(engine, &logs.0, subject)))
        }
        JobSpec::Index {
            doc,
            collecting,
            generation,
            theme,
        } => Output::Indexed(Box::new(crate::tui::live::index(
            doc,
            *collecting,
            *generation,
            *theme,
        ))),
        JobSpec::Filter {
            entries,
            query,
            pool,
            generation,
        } => Output::Filter {
            query: query.clone(),
            shown: matches(entries, query.trim(), pool.clone()),
            generation: *generation,
        },
        JobSpec::WhatIf {
            scenario,
            generation,
        } => Output::WhatIf(Box::new(
            World::build(engine, scenario, *generation).map(|w| WorldRef(Arc::new(w))),
        )),
        JobSpec::LoadScenario { path } => Output::ScenarioLoaded {
            path: path.display().to_string(),
            result: crate::files::read_text(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|text| Scenario::from_json(&text).map_err(|e| e.to_string())),
        },
    }
}

/// How often a long job reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Runs a long job on a thread of its own, so that it holds up no other view, reporting its progress at
/// most every [`PROGRESS_EVERY`]. A cancelled job sends nothing.
fn run_alone(job: Job, results: Sender<Msg>) {
    let inline = (job.clone(), results.clone());
    let spawned = std::thread::Builder::new()
        .name("kvaccess-long-job".into())
        .spawn(move || {
            let mut last = Instant::now();
            let (kind, ticket) = (job.kind(), job.ticket);
            let tx = results.clone();
            let result = compute_with(&job, &mut |done, total| {
                if last.elapsed() >= PROGRESS_EVERY {
                    last = Instant::now();
                    let _ = tx.send(Msg::Progress {
                        kind,
                        ticket,
                        done,
                        total,
                    });
                }
            });
            if !matches!(result.output, Output::Cancelled) {
                let _ = results.send(Msg::Done(result));
            }
        });
    if spawned.is_err() {
        // No thread to spare: answer here, holding up the other views rather than never answering.
        let (job, results) = inline;
        let _ = results.send(Msg::Done(compute(&job)));
    }
}

/// The worker loop: takes every queued job, keeps the newest of each kind, runs those, repeats until the
/// app hangs up. Who-can, escalations, reach, paths, reading logs and activity answers, which can take long,
/// each run on a thread of their own.
pub fn serve(jobs: Receiver<Job>, results: Sender<Msg>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        batch.extend(jobs.try_iter());
        let mut newest: Vec<Job> = Vec::new();
        for job in batch {
            match newest.iter_mut().find(|j| j.kind() == job.kind()) {
                Some(slot) if slot.ticket < job.ticket => *slot = job,
                Some(_) => {}
                None => newest.push(job),
            }
        }
        for job in newest {
            if job.cancel.is_cancelled() {
                continue;
            }
            if matches!(
                job.kind(),
                JobKind::Escalations
                    | JobKind::EscalationMembers
                    | JobKind::Reach
                    | JobKind::WhoCan
                    | JobKind::Paths
                    | JobKind::ReadLogs
                    | JobKind::Activity
            ) {
                run_alone(job, results.clone());
                continue;
            }
            if results.send(Msg::Done(compute(&job))).is_err() {
                return;
            }
        }
    }
}
