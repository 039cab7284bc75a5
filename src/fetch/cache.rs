//! The per-tenant snapshot cache in the user's cache directory, which the TUI opens instantly before the
//! fetcher refreshes it. Files are written atomically (temporary file + rename) with mode 0600 in a
//! directory of mode 0700: a snapshot maps who can reach which secrets.
//!
//! Location: `$KVACCESS_CACHE_DIR` if set, else the platform cache directory (`~/.cache/kvaccess` on
//! Linux), then `snapshots/<cloud>-<tenant id>.json`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{LoadError, SaveError};
use crate::model::{Cloud, Snapshot};
use crate::snapshot;

/// The directory holding cached snapshots, if the platform has a cache directory.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KVACCESS_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("snapshots"));
    }
    directories::ProjectDirs::from("", "", "kvaccess").map(|d| d.cache_dir().join("snapshots"))
}

/// A tenant id as a file name: GUIDs pass unchanged (lower-cased); anything else is reduced to safe characters.
fn file_stem(cloud: Cloud, tenant_id: &str) -> String {
    let t: String = tenant_id
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let t = if t.is_empty() {
        "unknown".to_string()
    } else {
        t
    };
    format!("{}-{t}", cloud.as_str())
}

/// Where the snapshot of `tenant_id` in `cloud` is cached.
pub fn snapshot_path(cloud: Cloud, tenant_id: &str) -> Option<PathBuf> {
    cache_dir().map(|d| d.join(format!("{}.json", file_stem(cloud, tenant_id))))
}

/// The most recently written cached snapshot, for opening something before the tenant is known.
pub fn latest() -> Option<PathBuf> {
    let dir = cache_dir()?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}

/// Writes `json` to `path` atomically with mode 0600, creating the directory (mode 0700) if needed.
pub fn write_private(path: &Path, json: &Value) -> Result<(), SaveError> {
    let io = |source| SaveError::Io {
        file: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::create_dir_all(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
    }
    // The temporary file is created 0600 and renamed over the target, so the mode holds from the start.
    snapshot::write_atomically(path, json)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    Ok(())
}

/// Caches a fetched snapshot document for its tenant; returns the path written.
pub fn save(cloud: Cloud, tenant_id: &str, json: &Value) -> Result<PathBuf, SaveError> {
    let path = snapshot_path(cloud, tenant_id).ok_or_else(|| SaveError::Io {
        file: PathBuf::from("<cache directory>"),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no cache directory on this platform (set KVACCESS_CACHE_DIR)",
        ),
    })?;
    write_private(&path, json)?;
    Ok(path)
}

/// The cached snapshot of a tenant, if there is one.
pub fn load(cloud: Cloud, tenant_id: &str) -> Option<Result<Snapshot, LoadError>> {
    let path = snapshot_path(cloud, tenant_id)?;
    path.exists().then(|| snapshot::load_file(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe() {
        assert_eq!(
            file_stem(Cloud::AzureCloud, "ABCDEF00-0000-0000-0000-000000000001"),
            "AzureCloud-abcdef00-0000-0000-0000-000000000001"
        );
        assert_eq!(
            file_stem(Cloud::AzureChinaCloud, "../../etc/passwd"),
            "AzureChinaCloud-______etc_passwd"
        );
        assert_eq!(file_stem(Cloud::AzureCloud, ""), "AzureCloud-unknown");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_in_a_0700_directory() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("nested").join("t.json");
        write_private(&path, &serde_json::json!({ "kvaccessSnapshot": 1 })).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
}
