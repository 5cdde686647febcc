//! Live reload: a save under `rules/`, `forms/`, `templates/` or `cases/`
//! reloads the project (after a short quiet spell, since editors write a
//! file in several steps) and every open page hears of it on `/events`.

use super::App;
use notify::{EventKind, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The folders whose files the pages show.
pub const WATCHED: [&str; 4] = ["rules", "forms", "templates", "cases"];

/// How long the files must stay quiet before reloading: an editor's save
/// (write a temporary file, rename it, set its mode) comes as several
/// events within a few milliseconds.
const QUIET: Duration = Duration::from_millis(40);

/// Starts watching, for as long as the server runs.
pub fn start(app: Arc<App>, root: &Path) -> Result<(), String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    let dirs: Vec<PathBuf> = WATCHED.iter().map(|d| root.join(d)).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let (root_seen, dirs_seen) = (root.clone(), dirs.clone());
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            // Events were lost (a queue overflow): reload to be safe.
            let _ = tx.send(());
            return;
        };
        if changes_files(&event.kind)
            && event
                .paths
                .iter()
                .any(|p| dirs_seen.iter().any(|d| p.starts_with(d)) && p != &root_seen)
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch the project's files: {e}"))?;
    // The project folder itself, for one of the four folders made later.
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    let mut watched = vec![];
    for d in dirs.iter().filter(|d| d.is_dir()) {
        watcher
            .watch(d, RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch {}: {e}", d.display()))?;
        watched.push(d.clone());
    }
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            while let Ok(Some(())) = tokio::time::timeout(QUIET, rx.recv()).await {}
            // A folder that appeared since (or was made again) is watched
            // from now on.
            watched.retain(|d| d.is_dir());
            for d in &dirs {
                if d.is_dir()
                    && !watched.contains(d)
                    && watcher.watch(d, RecursiveMode::Recursive).is_ok()
                {
                    watched.push(d.clone());
                }
            }
            let app = app.clone();
            let _ = tokio::task::spawn_blocking(move || app.reload()).await;
        }
    });
    Ok(())
}

/// Whether an event can change what a page shows. Reading a file (which
/// the reload itself does) is no change: opening, closing without writing
/// and metadata (access times) are ignored, or every reload would start
/// the next.
fn changes_files(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}
