//! Stage 6, write: documents into the output directory, atomically, and never
//! outside it.
//!
//! A document's name (`cases/ID/form.pdf`) is made of ids checked on load
//! (see [`crate::load::guard::id_problem`]); here every folder below the output
//! directory is created or entered without following a symbolic link, and
//! the bytes go through a temporary file created exclusively, so a link
//! planted at its name is never written through.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `out/name` through a temporary file in the same folder
/// and a rename, so a crash never leaves a truncated PDF behind. `name` is
/// relative and plain (no `..`, no root); a folder on the way that is a
/// symbolic link is refused.
pub fn write_within(out: &Path, name: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let mut dir = out.to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let parts: Vec<Component> = name.components().collect();
    let Some((Component::Normal(file), folders)) = parts.split_last() else {
        return Err(refused(format!("`{}` is not a file name", name.display())));
    };
    for part in folders {
        let Component::Normal(part) = part else {
            return Err(refused(format!(
                "`{}` would leave the output directory",
                name.display()
            )));
        };
        dir.push(part);
        enter(&dir)?;
    }
    let path = dir.join(file);
    write_atomic(&path, bytes)?;
    Ok(path)
}

/// Removes the document `out/name` (a regular file, never a link's target,
/// never through a folder that is a link), then the folders on its way that
/// it leaves empty, up to `out`.
pub fn remove_within(out: &Path, name: &Path) -> std::io::Result<()> {
    let parts: Vec<Component> = name.components().collect();
    let Some((Component::Normal(file), folders)) = parts.split_last() else {
        return Err(refused(format!("`{}` is not a file name", name.display())));
    };
    let mut dir = out.to_path_buf();
    let mut path = vec![];
    for part in folders {
        let Component::Normal(part) = part else {
            return Err(refused(format!(
                "`{}` would leave the output directory",
                name.display()
            )));
        };
        dir.push(part);
        if !std::fs::symlink_metadata(&dir)?.is_dir() {
            return Err(refused(format!("{} is not a folder", dir.display())));
        }
        path.push(dir.clone());
    }
    let target = dir.join(file);
    if !std::fs::symlink_metadata(&target)?.is_file() {
        return Err(refused(format!(
            "{} is not a regular file",
            target.display()
        )));
    }
    std::fs::remove_file(&target)?;
    for d in path.iter().rev() {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
    }
    Ok(())
}

/// Makes sure `dir` is a real folder, creating it when missing.
fn enter(dir: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(refused(format!(
            "{} is a symbolic link; qujat does not write through links in the output directory",
            dir.display()
        ))),
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(refused(format!("{} is not a folder", dir.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => enter(dir),
            r => r,
        },
        Err(e) => Err(e),
    }
}

/// A new, empty, private folder under the system's temporary directory,
/// created exclusively (like `mkdtemp`): a folder or link someone planted at
/// a predictable name is stepped over, never used.
pub fn temp_dir(what: &str) -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let mut last = None;
    for _ in 0..64 {
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("qujat-{what}-{}-{n}", std::process::id()));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        match b.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| refused("no free temporary folder name".into())))
}

fn refused(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

/// Temporary files of this process get distinct names.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` through a temporary file in the same folder,
/// created exclusively (never through a link or over another file), and a
/// rename, which replaces a link at `path` rather than following it. Left-over
/// temporary files of runs that were killed are removed first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale(dir, &name);
    let (tmp, mut f) = create_temp(dir, &name)?;
    let result = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..64 {
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{pid}.{n}.tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| refused("no free temporary file name".into())))
}

/// Removes `.NAME.PID.N.tmp` files of processes that no longer run: what a
/// killed run left behind. Files of running processes (another build into
/// the same folder) are left alone; so is everything where `/proc` cannot
/// tell.
fn remove_stale(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    let proc = Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('.') else {
            continue;
        };
        let ours = pid.parse::<u32>().is_ok_and(|p| p == std::process::id());
        let numeric = !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit());
        if numeric && !ours && !Path::new("/proc").join(pid).exists() {
            // On a link this removes the link, never its target.
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("qujat-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_at_a_temporary_name_is_not_written_through() {
        let d = scratch("planted");
        let target = d.join("target.txt");
        std::fs::write(&target, "keep").unwrap();
        let out = d.join("out");
        std::fs::create_dir_all(&out).unwrap();
        // The next temporary names this process will try, all taken by
        // links: creating the file must step over them, not through them.
        let pid = std::process::id();
        let n = NEXT_TEMP.load(Ordering::Relaxed);
        for k in n..n + 4 {
            let tmp = out.join(format!(".doc.pdf.{pid}.{k}.tmp"));
            std::os::unix::fs::symlink(&target, tmp).unwrap();
        }
        write_within(&out, Path::new("doc.pdf"), b"pdf").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(std::fs::read(out.join("doc.pdf")).unwrap(), b"pdf");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_of_dead_runs_are_removed() {
        let d = scratch("stale");
        // No process has a pid this large (the kernel's limit is 2^22).
        let stale = d.join(".doc.pdf.4294967295.0.tmp");
        let live = d.join(format!(".doc.pdf.{}.999999.tmp", std::process::id()));
        let other = d.join(".other.pdf.4294967295.0.tmp");
        for f in [&stale, &live, &other] {
            std::fs::write(f, "x").unwrap();
        }
        write_atomic(&d.join("doc.pdf"), b"pdf").unwrap();
        assert!(!stale.exists());
        assert!(live.exists(), "a file of a running process was removed");
        assert!(other.exists(), "another document's file was removed");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn folders_that_are_links_or_names_that_climb_are_refused() {
        let d = scratch("climb");
        let out = d.join("out");
        let elsewhere = d.join("elsewhere");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("cases")).unwrap();
        let e = write_within(&out, Path::new("cases/x/doc.pdf"), b"pdf").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        for bad in ["../x.pdf", "/tmp/x.pdf", "a/../../x.pdf", ""] {
            assert!(write_within(&out, Path::new(bad), b"pdf").is_err(), "{bad}");
        }
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert!(!d.join("x.pdf").exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
