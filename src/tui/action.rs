//! The one message vocabulary of the explorer. [`UserAction`]s are what a user can bind to keys (they appear in
//! the keymap file, the help overlay and the command palette); [`Msg`]s are everything that reaches the loop
//! (terminal events, background results); [`Effect`]s are what `update` asks the loop to do, since `update`
//! itself does no IO.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use serde::Deserialize;

use crate::tui::worker::{Job, JobKind, JobResult};

/// User-bindable actions. The snake_case names are the keymap file's `run` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    Quit,
    Back,
    /// Back to the place before the last jump.
    HistoryBack,
    Help,
    Palette,
    FocusNext,
    FocusPrev,
    FocusScopes,
    FocusPrincipals,
    FocusMain,
    FocusExplain,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    Filter,
    ViewPermissions,
    ViewMatrix,
    ToggleMatrix,
    /// Matrix rows: the next order (name, operations, kind).
    MatrixSort,
    ViewWhoCan,
    ViewEscalations,
    /// What the selected principal can reach.
    ViewReach,
    /// Attack paths to the selected vault or from the selected principal.
    ViewPaths,
    /// Who did what: the audit logs for the selected vault, item or principal.
    ViewActivity,
    Zoom,
    From,
    Copy,
    /// Copy the explanation as text.
    CopyExplanation,
    /// Copy the verdict and the lines that decide it.
    CopyVerdict,
    /// The guided tour of the demo tenant's story.
    Tour,
    Export,
    ToggleTheme,
    /// Hide or show the self-grant technique Microsoft's articles disagree on (who-can, escalations).
    ToggleDisputed,
    /// Choose the operation who-can asks about, from a list.
    PickOperation,
    /// Open / focus the what-if panel.
    #[serde(rename = "whatif")]
    WhatIf,
    #[serde(rename = "whatif_add")]
    WhatIfAdd,
    #[serde(rename = "whatif_toggle")]
    WhatIfToggle,
    #[serde(rename = "whatif_delete")]
    WhatIfDelete,
    #[serde(rename = "whatif_save")]
    WhatIfSave,
    #[serde(rename = "whatif_load")]
    WhatIfLoad,
    /// Start a live refresh (`tui --live`).
    Refresh,
    /// Show the live fetch's log: collection errors and warnings.
    ShowLog,
    /// Unbinds a key in a user keymap.
    None,
}

impl UserAction {
    /// Actions of the what-if panel: their keys act only while the panel is focused.
    pub fn is_whatif_panel(self) -> bool {
        matches!(
            self,
            Self::WhatIfAdd
                | Self::WhatIfToggle
                | Self::WhatIfDelete
                | Self::WhatIfSave
                | Self::WhatIfLoad
        )
    }
}

impl UserAction {
    /// Every bindable action, in the order the palette lists them.
    pub const ALL: [UserAction; 48] = [
        Self::ViewPermissions,
        Self::ViewMatrix,
        Self::ToggleMatrix,
        Self::MatrixSort,
        Self::ViewWhoCan,
        Self::ViewEscalations,
        Self::ViewReach,
        Self::ViewPaths,
        Self::ViewActivity,
        Self::Select,
        Self::Filter,
        Self::From,
        Self::Copy,
        Self::CopyVerdict,
        Self::CopyExplanation,
        Self::Export,
        Self::WhatIf,
        Self::WhatIfAdd,
        Self::WhatIfToggle,
        Self::WhatIfDelete,
        Self::WhatIfSave,
        Self::WhatIfLoad,
        Self::Zoom,
        Self::ToggleTheme,
        Self::ToggleDisputed,
        Self::PickOperation,
        Self::Refresh,
        Self::ShowLog,
        Self::Help,
        Self::Tour,
        Self::FocusScopes,
        Self::FocusPrincipals,
        Self::FocusMain,
        Self::FocusExplain,
        Self::FocusNext,
        Self::FocusPrev,
        Self::Up,
        Self::Down,
        Self::Left,
        Self::Right,
        Self::PageUp,
        Self::PageDown,
        Self::Top,
        Self::Bottom,
        Self::Back,
        Self::HistoryBack,
        Self::Palette,
        Self::Quit,
    ];

    /// The name used in the keymap file and typed in the palette.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Back => "back",
            Self::HistoryBack => "history_back",
            Self::Help => "help",
            Self::Palette => "palette",
            Self::FocusNext => "focus_next",
            Self::FocusPrev => "focus_prev",
            Self::FocusScopes => "focus_scopes",
            Self::FocusPrincipals => "focus_principals",
            Self::FocusMain => "focus_main",
            Self::FocusExplain => "focus_explain",
            Self::Up => "up",
            Self::Down => "down",
            Self::Left => "left",
            Self::Right => "right",
            Self::PageUp => "page_up",
            Self::PageDown => "page_down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Select => "select",
            Self::Filter => "filter",
            Self::ViewPermissions => "view_permissions",
            Self::ViewMatrix => "view_matrix",
            Self::ToggleMatrix => "toggle_matrix",
            Self::MatrixSort => "matrix_sort",
            Self::ViewWhoCan => "view_who_can",
            Self::ViewEscalations => "view_escalations",
            Self::ViewReach => "view_reach",
            Self::ViewPaths => "view_paths",
            Self::ViewActivity => "view_activity",
            Self::Zoom => "zoom",
            Self::From => "from",
            Self::Copy => "copy",
            Self::CopyExplanation => "copy_explanation",
            Self::CopyVerdict => "copy_verdict",
            Self::Tour => "tour",
            Self::Export => "export",
            Self::ToggleTheme => "toggle_theme",
            Self::ToggleDisputed => "toggle_disputed",
            Self::PickOperation => "pick_operation",
            Self::WhatIf => "whatif",
            Self::WhatIfAdd => "whatif_add",
            Self::WhatIfToggle => "whatif_toggle",
            Self::WhatIfDelete => "whatif_delete",
            Self::WhatIfSave => "whatif_save",
            Self::WhatIfLoad => "whatif_load",
            Self::Refresh => "refresh",
            Self::ShowLog => "show_log",
            Self::None => "none",
        }
    }
}

/// Everything the loop receives.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Done(JobResult),
    /// How far a long job is.
    Progress {
        kind: JobKind,
        ticket: u64,
        done: usize,
        total: usize,
    },
    /// The outcome of an export the loop carried out.
    Exported(Result<String, String>),
    /// News from a live fetch (`tui --live`), or the loop's periodic tick while one is open.
    Live(crate::tui::live::LiveMsg),
}

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Heavy evaluation, off the UI thread.
    Run(Job),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Write text to a file, atomically.
    Write {
        path: std::path::PathBuf,
        content: String,
    },
    /// Start a live fetch run (the loop owns the fetcher).
    Refresh,
}
