use super::*;

#[test]
fn utf8_and_utf16_decode_and_bad_bytes_have_a_position() {
    assert_eq!(decode(b"{\"a\": 1}".to_vec()).unwrap(), "{\"a\": 1}");
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("[\"Zoë\"]".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(decode(le).unwrap(), "[\"Zoë\"]");
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain("[1]".encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    assert_eq!(decode(be).unwrap(), "[1]");
    let e = decode(b"{\n  \"name\": \"ab\xffcd\"\n}".to_vec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("byte 0xff at byte offset 15 (line 2, column 14)"),
        "{e}"
    );
    let bad16: Vec<u8> = vec![0xFF, 0xFE, b'[', 0, 0x00, 0xD8, b']', 0];
    let e = decode(bad16).unwrap_err().to_string();
    assert!(
        e.contains("unpaired surrogate 0xd800 at byte offset 4"),
        "{e}"
    );
    let e = decode(vec![0xFF, 0xFE, b'[']).unwrap_err().to_string();
    assert!(e.contains("odd number of bytes"), "{e}");
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let e = read_text(Path::new("/dev/zero")).unwrap_err().to_string();
    assert!(
        e.contains("is a device") && e.contains("regular files"),
        "{e}"
    );
    let e = read_text(dir.path()).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let e = read_text(&fifo).unwrap_err().to_string();
        assert!(e.contains("FIFO"), "{e}");
        let e = write_atomically(&fifo, |w| w.write_all(b"x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("FIFO") && e.contains("does not replace"), "{e}");
    }
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let e = write_atomically(&link, |w| w.write_all(b"new"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("symbolic link"), "{e}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "old");
    let e = write_atomically(Path::new("/dev/null"), |w| w.write_all(b"x"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("a device"), "{e}");
    // A regular file and a new path are written; nothing else is left behind.
    write_atomically(&real, |w| w.write_all(b"new")).unwrap();
    write_atomically(&dir.path().join("new.json"), |w| w.write_all(b"{}")).unwrap();
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "fifo")
        .collect();
    names.sort();
    assert_eq!(names, ["link.json", "new.json", "real.json"]);
}

#[test]
fn a_full_disk_is_named_as_such() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(28))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    // What snapshot::write_atomically does with serde_json's error: the io error comes back whole.
    let write = |w: &mut dyn Write| -> io::Result<()> {
        crate::sanitize::json::to_writer(&mut *w, &serde_json::json!({"a": "b"}))?;
        Ok(())
    };
    let e = write(&mut Full).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("snapshot.json");
    let e = crate::error::SaveError::Io {
        file: target.clone(),
        source: e,
    };
    let text = e.to_string();
    assert!(
        text.contains("No space left on device") && text.contains("snapshot.json"),
        "{text}"
    );
}

#[test]
fn a_failed_write_leaves_no_temporary_file_and_in_flight_files_can_be_removed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    let e = write_atomically(&target, |w| {
        w.write_all(b"partial")?;
        Err(io::Error::other("disk on fire"))
    })
    .unwrap_err();
    assert_eq!(e.to_string(), "disk on fire");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let stray = dir.path().join(".kvaccess-x.tmp");
    let (file, guard) = interrupt::track(|| Ok(stray.clone()), |p| p.as_path()).unwrap();
    assert_eq!(file, stray);
    assert!(interrupt::is_registered(&stray));
    drop(guard);
    assert!(!interrupt::is_registered(&stray));
}
