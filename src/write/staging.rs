//! The output folder: written whole in a staging folder, swapped into place in one step.
//!
//! A run writes every file under a staging folder next to the output folder
//! (`.<name>.tutas-staging-<pid>`, on the same file system), hashing each file as it is
//! written. Only when the whole run has succeeded does the staging folder take the output
//! folder's place, in one atomic `renameat2(RENAME_EXCHANGE)` (or one `rename` when the
//! output folder does not exist yet); the previous outputs, now under the staging name, are
//! then removed. A failed or interrupted run removes its staging folder and leaves the output
//! folder as it was; a crash leaves either the old or the new folder, never a mix.
//!
//! A run replaces only what tutas wrote: `manifest.json` lists the files of the run that wrote
//! the folder. When the folder holds anything else, the run stops before writing anything and
//! names those files; with `--force` it goes on and carries them over into the new folder.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, Result};
use crate::facts::FileReport;

/// The file that lists what a run wrote (deterministic: paths, sizes and hashes only).
pub const MANIFEST: &str = "manifest.json";
/// Files a run writes beside those its manifest lists.
const RUN_FILES: [&str; 3] = [MANIFEST, "report.json", "report.html"];

/// `manifest.json`: the files a run wrote, by path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Every output file but the manifest and the report, sorted by path.
    pub files: Vec<FileReport>,
}

/// The output folder of one run, with its staging folder.
pub struct OutputDir {
    dir: PathBuf,
    staging: PathBuf,
    /// Whether files no tutas run wrote may be in the output folder (carried over at commit).
    force: bool,
    committed: bool,
    /// Size and BLAKE3 hash of files hashed while they were written.
    hashed: Mutex<BTreeMap<String, (u64, String)>>,
    /// Staging folders of runs into the same folder that died without removing them (killed,
    /// out of memory, power lost), removed at the start: their names and sizes.
    stale: Vec<(String, u64)>,
    /// A dry run's: files are hashed and counted, never written (`tutas check`).
    discard: bool,
}

/// A file being written in the staging folder; its BLAKE3 hash is computed as it is written.
pub struct StagedFile {
    relative: String,
    /// Where the file goes once the run is committed: the path an error names.
    destination: PathBuf,
    writer: BufWriter<Sink>,
    /// Boxed: the hasher's state is about 2 KB.
    hasher: Box<blake3::Hasher>,
    bytes: u64,
    /// Bytes of disk space reserved ahead of the writes (see [`StagedFile::reserve`]).
    reserved: u64,
}

/// Where a staged file's bytes go: its file, or nowhere in a dry run.
enum Sink {
    File(File),
    Discard,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Discard => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Discard => Ok(()),
        }
    }
}

/// Disk space reserved at a time ahead of a file's writes.
const RESERVE_STEP: u64 = 32 << 20;

impl StagedFile {
    /// Reserves disk space ahead of the writes, a [`RESERVE_STEP`] at a time, so that the
    /// file system allocates blocks once per step instead of page by page as lines arrive
    /// (ext4: about a third of the kernel's time writing a 111 MB CSV, measured). The file
    /// is cut to its written length when closed. Where space cannot be reserved this way,
    /// the writes go on without it.
    #[cfg(target_os = "linux")]
    fn reserve(&mut self, bytes: u64) {
        if bytes > self.reserved
            && self.reserved != u64::MAX
            && let Sink::File(file) = self.writer.get_ref()
        {
            use std::os::fd::AsRawFd;
            let length = (bytes - self.reserved).max(RESERVE_STEP);
            let fd = file.as_raw_fd();
            // SAFETY: `fd` is this open file's descriptor; mode 0 only allocates blocks and
            // extends the size over them (read as zeros until written).
            let rc = unsafe { libc::fallocate(fd, 0, self.reserved as i64, length as i64) };
            self.reserved = if rc == 0 {
                self.reserved + length
            } else {
                u64::MAX
            };
        }
    }

    /// The error with the file it happened on; its kind is kept.
    fn naming_the_file(&self, e: std::io::Error) -> std::io::Error {
        super::cannot_write(&self.destination, e)
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        #[cfg(target_os = "linux")]
        self.reserve(self.bytes + buf.len() as u64);
        let n = self
            .writer
            .write(buf)
            .map_err(|e| self.naming_the_file(e))?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush().map_err(|e| self.naming_the_file(e))
    }
}

/// A step of [`OutputDir::commit`], where tests inject failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitStep {
    /// Everything is staged; the output folder is untouched.
    BeforeSwap,
    /// The staging folder has taken the output folder's place; the old one is not removed yet.
    AfterSwap,
}

fn invalid_folder(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid(
        Diagnostic::new(format!(
            "cannot write the output folder `{}`: {e}",
            dir.display()
        ))
        .help("choose another folder with --out"),
    )
}

/// The nearest existing ancestor of `path` (or `path`), when it is not a folder.
fn file_in_the_way(path: &Path) -> Option<&Path> {
    let existing = path.ancestors().find(|p| p.exists())?;
    (!existing.is_dir()).then_some(existing)
}

impl OutputDir {
    /// Checks that `dir` holds nothing but an earlier run's outputs (unless `force`), then
    /// creates a fresh staging folder next to it. Nothing in `dir` is touched.
    pub fn begin(dir: &Path, force: bool) -> Result<OutputDir> {
        let dir = std::path::absolute(dir).map_err(|e| invalid_folder(dir, e))?;
        let foreign = foreign_files(&dir)?;
        if !foreign.is_empty() && !force {
            return Err(not_ours(&dir, &foreign));
        }
        let (parent, name) = match (dir.parent(), dir.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => return Err(invalid_folder(&dir, "it has no parent folder")),
        };
        fs::create_dir_all(&parent).map_err(|e| match file_in_the_way(&parent) {
            Some(file) => invalid_folder(&dir, format!("`{}` is a file", file.display())),
            None => invalid_folder(&dir, e),
        })?;
        let stale = remove_stale_staging(&parent, &name);
        let staging = parent.join(format!(".{name}.tutas-staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| invalid_folder(&dir, e))?;
        }
        fs::create_dir(&staging).map_err(|e| invalid_folder(&dir, e))?;
        Ok(OutputDir {
            dir,
            staging,
            force,
            committed: false,
            hashed: Mutex::new(BTreeMap::new()),
            stale,
            discard: false,
        })
    }

    /// An output folder whose files are hashed and counted but written nowhere, for a dry run
    /// (`tutas check`): nothing on disk is read, made or changed.
    pub fn discarding(dir: &Path) -> OutputDir {
        OutputDir {
            dir: dir.to_path_buf(),
            staging: PathBuf::new(),
            force: true,
            committed: false,
            hashed: Mutex::new(BTreeMap::new()),
            stale: Vec::new(),
            discard: true,
        }
    }

    /// Whether files are written nowhere ([`OutputDir::discarding`]).
    pub fn discards(&self) -> bool {
        self.discard
    }

    /// The staging folders of dead runs removed when this one began: (name, bytes).
    pub fn stale_removed(&self) -> &[(String, u64)] {
        &self.stale
    }

    /// The final folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A path inside the staging folder (parents created).
    pub fn path(&self, relative: &str) -> Result<PathBuf> {
        if self.discard {
            return Err(Error::msg(format!(
                "a dry run writes no files (`{relative}`)"
            )));
        }
        let p = self.staging.join(relative);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(p)
    }

    /// Creates a staged file that is hashed as it is written.
    pub fn create(&self, relative: &str) -> Result<StagedFile> {
        let destination = self.dir.join(relative);
        let sink = match self.discard {
            true => Sink::Discard,
            false => {
                let path = self.path(relative)?;
                Sink::File(File::create(&path).map_err(|e| super::cannot_write(&destination, e))?)
            }
        };
        Ok(StagedFile {
            relative: relative.to_string(),
            destination,
            // Chunks and pieces of lines are larger, and go straight to the file.
            writer: BufWriter::with_capacity(128 << 10, sink),
            hasher: Box::new(blake3::Hasher::new()),
            bytes: 0,
            reserved: 0,
        })
    }

    /// Writes a whole (small) file in the staging folder, hashed like the others.
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        let mut file = self.create(relative)?;
        file.write_all(bytes)?;
        self.close(file)?;
        Ok(())
    }

    /// Flushes a staged file, records its size and hash, and returns its size.
    pub fn close(&self, mut file: StagedFile) -> Result<u64> {
        file.flush()?;
        if let Sink::File(f) = file.writer.get_ref()
            && file.reserved > file.bytes
        {
            let cut = f.set_len(file.bytes);
            cut.map_err(|e| file.naming_the_file(e))?;
        }
        let hash = file.hasher.finalize().to_hex().to_string();
        let bytes = file.bytes;
        self.hashed
            .lock()
            .expect("not poisoned")
            .insert(file.relative, (bytes, hash));
        Ok(bytes)
    }

    /// Every file staged so far as manifest entries, sorted by path.
    pub fn staged_files(&self) -> Result<Vec<FileReport>> {
        let mut files = Vec::new();
        match self.discard {
            true => {
                let hashed = self.hashed.lock().expect("not poisoned");
                files.extend(hashed.keys().map(|k| (k.clone(), PathBuf::new())));
            }
            false => collect_files(&self.staging, &self.staging, &mut files)?,
        }
        files.sort();
        let hashed = self.hashed.lock().expect("not poisoned");
        files
            .into_iter()
            .map(|(path, full)| {
                let (bytes, blake3) = match hashed.get(&path) {
                    Some((bytes, hash)) => (*bytes, hash.clone()),
                    None => (fs::metadata(&full)?.len(), blake3_file(&full)?),
                };
                Ok(FileReport {
                    path,
                    bytes,
                    blake3,
                })
            })
            .collect()
    }

    /// Puts the staged folder in the output folder's place, in one step.
    pub fn commit(self) -> Result<()> {
        self.commit_with(|_| Ok(()))
    }

    /// [`OutputDir::commit`], calling `step` at each step (tests make it fail there).
    pub fn commit_with(
        mut self,
        mut step: impl FnMut(CommitStep) -> std::io::Result<()>,
    ) -> Result<()> {
        if self.discard {
            return Ok(());
        }
        // Checked again: files may have appeared since the run began.
        let foreign = foreign_files(&self.dir)?;
        if !foreign.is_empty() && !self.force {
            return Err(not_ours(&self.dir, &foreign));
        }
        self.carry_over(&foreign)?;
        step(CommitStep::BeforeSwap)?;
        if self.dir.exists() {
            swap(&self.staging, &self.dir)?;
        } else {
            fs::rename(&self.staging, &self.dir)?;
        }
        // From here the output folder is the new one; what is under the staging name is old.
        self.committed = true;
        step(CommitStep::AfterSwap)?;
        if self.staging.exists() {
            fs::remove_dir_all(&self.staging)?;
        }
        Ok(())
    }

    /// Links (or copies) what no tutas run wrote into the staging folder, where the run did
    /// not write something of the same path; folders are carried over whole.
    fn carry_over(&self, foreign: &[String]) -> Result<()> {
        for relative in foreign {
            let relative = relative.trim_end_matches('/');
            let target = self.staging.join(relative);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            carry(&self.dir.join(relative), &target)?;
        }
        Ok(())
    }
}

/// Links `source` at `target` (copies it where links cannot be made), unless the run wrote
/// something there; a folder entry by entry, merged into the run's folder of that name. A
/// symbolic link is linked itself (Linux `link` does not follow it), never followed.
fn carry(source: &Path, target: &Path) -> std::io::Result<()> {
    let taken = target.symlink_metadata().ok();
    if source.symlink_metadata()?.is_dir() {
        match taken {
            Some(t) if !t.is_dir() => return Ok(()),
            Some(_) => {}
            None => fs::create_dir(target)?,
        }
        for entry in fs::read_dir(source)? {
            let entry = entry?;
            carry(&entry.path(), &target.join(entry.file_name()))?;
        }
    } else if taken.is_none() && fs::hard_link(source, target).is_err() {
        fs::copy(source, target)?;
    }
    Ok(())
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        // Before the swap this is the unfinished run; after it, the previous outputs.
        if !self.discard {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes the staging folders next to output folder `name` (in `parent`) whose run is no
/// longer alive: `.<name>.tutas-staging-<pid>` (and its `.old` twin) where no process
/// `<pid>` runs. A live run's folder, or one whose process cannot be told, is left alone.
/// Returns what it removed, with sizes; a folder it cannot remove is left as it was.
fn remove_stale_staging(parent: &Path, name: &str) -> Vec<(String, u64)> {
    let prefix = format!(".{name}.tutas-staging-");
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.strip_suffix(".old").unwrap_or(rest);
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let is_folder = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_folder || pid == std::process::id() || process_may_be_alive(pid) {
            continue;
        }
        let bytes = folder_bytes(&entry.path());
        if fs::remove_dir_all(entry.path()).is_ok() {
            removed.push((file_name, bytes));
        }
    }
    removed.sort();
    removed
}

/// Whether process `pid` may still run (always, where the system cannot tell).
fn process_may_be_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

/// The bytes of the files under `dir` (links not followed).
fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Exchanges two folders atomically where the system can (Linux `renameat2`), else with two
/// renames (the output folder is then missing for a moment).
fn swap(staging: &Path, dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(staging.as_os_str().as_bytes())
            .map_err(|e| Error::msg(format!("bad path: {e}")))?;
        let b = CString::new(dir.as_os_str().as_bytes())
            .map_err(|e| Error::msg(format!("bad path: {e}")))?;
        // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them like `rename`.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(Error::msg(format!(
                "cannot move the outputs into `{}`: {e}",
                dir.display()
            )));
        }
    }
    let old = staging.with_extension("old");
    fs::rename(dir, &old)?;
    fs::rename(staging, dir)?;
    fs::rename(&old, staging)?;
    Ok(())
}

/// What under `dir` no tutas run wrote, sorted: files not listed in its `manifest.json` (nor one
/// of the run's own files), symbolic links, and folders that hold nothing a run wrote, shown
/// with a trailing `/` and not looked into. Empty when `dir` does not exist.
///
/// Only folders that hold a run's files are walked, and links are never followed, so the
/// check costs little even when `--out` names a large folder by mistake, and cannot loop.
pub fn foreign_files(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    if !dir.is_dir() {
        return Err(invalid_folder(dir, "it is a file, not a folder"));
    }
    let mut owned: BTreeSet<String> = read_manifest(dir)
        .map(|m| m.files.into_iter().map(|f| f.path).collect())
        .unwrap_or_default();
    owned.extend(RUN_FILES.iter().map(|f| f.to_string()));
    let owned_folders: BTreeSet<String> = owned
        .iter()
        .flat_map(|f| {
            f.match_indices('/')
                .map(move |(slash, _)| f[..slash].to_string())
        })
        .collect();
    let mut foreign = Vec::new();
    collect_foreign(dir, "", &owned, &owned_folders, &mut foreign)
        .map_err(|e| invalid_folder(dir, e))?;
    foreign.sort();
    Ok(foreign)
}

fn collect_foreign(
    dir: &Path,
    prefix: &str,
    owned: &BTreeSet<String>,
    owned_folders: &BTreeSet<String>,
    out: &mut Vec<String>,
) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let relative = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if !entry.file_type()?.is_dir() {
            if !owned.contains(&relative) {
                out.push(relative);
            }
        } else if owned_folders.contains(&relative) {
            collect_foreign(
                &entry.path(),
                &format!("{relative}/"),
                owned,
                owned_folders,
                out,
            )?;
        } else {
            out.push(format!("{relative}/"));
        }
    }
    Ok(())
}

/// The manifest of the run that wrote `dir`, if there is one.
pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

fn not_ours(dir: &Path, foreign: &[String]) -> Error {
    let shown: Vec<String> = foreign.iter().take(10).map(|f| format!("  {f}")).collect();
    let more = match foreign.len() {
        n if n > 10 => format!("\n  and {} more", n - 10),
        _ => String::new(),
    };
    let what = match (foreign.len(), foreign.iter().any(|f| f.ends_with('/'))) {
        (1, true) => "a folder",
        (1, false) => "a file",
        (_, true) => "files or folders",
        (_, false) => "files",
    };
    let count = match foreign.len() {
        1 => String::new(),
        n => format!("{n} "),
    };
    Error::invalid(
        Diagnostic::new(format!(
            "the output folder `{}` holds {count}{what} that no tutas run wrote; a run replaces the folder, so nothing was written",
            dir.display(),
        ))
        .note(format!("{}{more}", shown.join("\n")))
        .help("choose another folder with --out, or pass --force to write anyway (those files are kept)"),
    )
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &p, out)?;
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}

/// The BLAKE3 hash of a file, in hex (what `b3sum` prints).
pub fn blake3_file(path: &Path) -> Result<String> {
    let mut h = blake3::Hasher::new();
    h.update_reader(File::open(path)?)?;
    Ok(h.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under a folder with its text.
    fn contents(dir: &Path) -> BTreeMap<String, String> {
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files).unwrap();
        files
            .into_iter()
            .map(|(rel, full)| (rel, fs::read_to_string(full).unwrap()))
            .collect()
    }

    /// An output folder written by a run with `tag` in every file.
    fn write_run(dir: &Path, tag: &str, fail: Option<CommitStep>) -> Result<()> {
        let out = OutputDir::begin(dir, false)?;
        for f in ["unprocessed/a.csv", "processed_1/b.csv"] {
            let mut file = out.create(f)?;
            file.write_all(tag.as_bytes())?;
            out.close(file)?;
        }
        let manifest = Manifest {
            files: out.staged_files()?,
        };
        fs::write(
            out.path(MANIFEST)?,
            serde_json::to_string(&manifest).unwrap(),
        )?;
        out.commit_with(|step| match fail {
            Some(f) if f == step => Err(std::io::Error::other("injected")),
            _ => Ok(()),
        })
    }

    fn staging_left(parent: &Path) -> bool {
        fs::read_dir(parent).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains("tutas-staging")
        })
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_old_or_the_new_folder_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_run(&dir, "old", None).unwrap();
        let old = contents(&dir);
        assert!(old.values().any(|v| v == "old"));
        assert!(write_run(&dir, "new", Some(CommitStep::BeforeSwap)).is_err());
        assert_eq!(
            contents(&dir),
            old,
            "a failure before the swap changes nothing"
        );
        assert!(!staging_left(tmp.path()));
        assert!(write_run(&dir, "new", Some(CommitStep::AfterSwap)).is_err());
        let new = contents(&dir);
        assert!(
            new.iter().all(|(k, v)| k == MANIFEST || v == "new"),
            "{new:?}"
        );
        assert!(
            !staging_left(tmp.path()),
            "the old folder is removed all the same"
        );
    }

    #[test]
    fn space_reserved_ahead_is_given_back_when_a_file_is_closed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutputDir::begin(&tmp.path().join("out"), false).unwrap();
        for bytes in [0, 1, 100_000, RESERVE_STEP as usize + 5] {
            let mut file = out.create("a.csv").unwrap();
            let lines = vec![b'x'; bytes];
            for piece in lines.chunks(300_000) {
                file.write_all(piece).unwrap();
            }
            assert_eq!(out.close(file).unwrap(), bytes as u64);
            let path = out.path("a.csv").unwrap();
            assert_eq!(fs::read(&path).unwrap(), lines);
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let disk = fs::metadata(&path).unwrap().blocks() * 512;
                assert!(
                    disk <= bytes as u64 + (1 << 20),
                    "{disk} bytes on disk for {bytes}"
                );
            }
        }
    }

    /// `/dev/full` fails every write with "no space left on device".
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_reported_with_the_file_and_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutputDir::begin(&tmp.path().join("out"), false).unwrap();
        let full = File::options().write(true).open("/dev/full").unwrap();
        let mut file = StagedFile {
            relative: "unprocessed/a.csv".into(),
            destination: out.dir().join("unprocessed/a.csv"),
            writer: BufWriter::new(Sink::File(full)),
            hasher: Box::new(blake3::Hasher::new()),
            bytes: 0,
            reserved: 0,
        };
        let written = file.write_all(&[b'x'; 100_000]).and_then(|_| file.flush());
        let e = written.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
        let message = Error::from(e).render();
        let named = format!(
            "cannot write `{}`",
            out.dir().join("unprocessed/a.csv").display()
        );
        assert!(message.contains(&named), "{message}");
        assert!(
            message.contains("choose another folder with --out"),
            "{message}"
        );
    }

    #[test]
    fn a_folder_an_older_tutas_wrote_is_still_its_own() {
        // Manifests before the switch to BLAKE3 held `sha256`.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir_all(dir.join("unprocessed")).unwrap();
        fs::write(dir.join("unprocessed/a.csv"), "old").unwrap();
        fs::write(
            dir.join(MANIFEST),
            r#"{"files":[{"path":"unprocessed/a.csv","bytes":3,"sha256":"ab"}]}"#,
        )
        .unwrap();
        assert_eq!(foreign_files(&dir).unwrap(), Vec::<String>::new());
        write_run(&dir, "new", None).unwrap();
        assert_eq!(contents(&dir)["unprocessed/a.csv"], "new");
    }

    #[test]
    fn only_files_an_earlier_run_wrote_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_run(&dir, "old", None).unwrap();
        fs::write(dir.join("unprocessed/mine.csv"), "user data").unwrap();
        let before = contents(&dir);
        let e = write_run(&dir, "new", None).unwrap_err();
        assert!(
            e.render().contains("unprocessed/mine.csv"),
            "{}",
            e.render()
        );
        assert_eq!(contents(&dir), before, "nothing is touched");
        let forced = OutputDir::begin(&dir, true).unwrap();
        let mut f = forced.create("unprocessed/a.csv").unwrap();
        f.write_all(b"new").unwrap();
        forced.close(f).unwrap();
        forced.commit().unwrap();
        let after = contents(&dir);
        assert_eq!(
            after["unprocessed/mine.csv"], "user data",
            "--force keeps the user's files"
        );
        assert_eq!(after["unprocessed/a.csv"], "new");
    }
}
