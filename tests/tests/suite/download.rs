//! Downloads against a local HTTP server on 127.0.0.1 (no test needs the internet), and archive
//! extraction against crafted archives that try to escape their folder.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use mapping::data::download::{fetch, md5_file, Resource};
use mapping::data::extract_tar_gz;

/// How the server answers one request, given the `Range` start it was asked for.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Serve the body, honouring ranges with 206.
    Serve,
    /// Ignore ranges and send the whole body with 200.
    IgnoreRanges,
    /// Send headers for the whole body but close after half of it.
    DropHalfway,
    NotFound,
}

/// A one-thread HTTP/1.1 server for `body`; returns its URL and the `Range` headers it saw.
fn serve(body: Vec<u8>, behaviours: Vec<Behaviour>) -> (String, Arc<Mutex<Vec<Option<u64>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/file.bin", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for behaviour in behaviours {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut range = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    range = v.trim().trim_end_matches('-').parse::<u64>().ok();
                }
            }
            log.lock().unwrap().push(range);
            let response = match (behaviour, range) {
                (Behaviour::NotFound, _) => {
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_vec()
                }
                (Behaviour::Serve, Some(start)) => {
                    let rest = &body[start as usize..];
                    [format!("HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", rest.len()).into_bytes(), rest.to_vec()].concat()
                }
                (Behaviour::DropHalfway, _) => [
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes(),
                    body[..body.len() / 2].to_vec(),
                ]
                .concat(),
                _ => [
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes(),
                    body.clone(),
                ]
                .concat(),
            };
            let _ = stream.write_all(&response);
        }
    });
    (url, seen)
}

fn body() -> Vec<u8> {
    (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

fn resource_for(body: &[u8]) -> Resource {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), body).unwrap();
    let md5: &'static str = Box::leak(md5_file(&dir.path().join("x")).unwrap().into_boxed_str());
    Resource {
        url: "http://unused.invalid/",
        file: "data.bin",
        md5,
    }
}

#[test]
fn a_download_is_verified_and_renamed_into_place() {
    let body = body();
    let resource = resource_for(&body);
    let (url, _) = serve(body.clone(), vec![Behaviour::Serve]);
    let dir = tempfile::tempdir().unwrap();
    let path = fetch(&resource, dir.path(), Some(&url)).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert!(!dir.path().join("data.bin.part").exists());
    // Present and correct: no request at all (the server accepts nothing more).
    assert_eq!(
        fetch(&resource, dir.path(), Some("http://127.0.0.1:9/never")).unwrap(),
        path
    );
}

#[test]
fn an_interrupted_download_resumes_with_a_range_request() {
    let body = body();
    let resource = resource_for(&body);
    let (url, seen) = serve(body.clone(), vec![Behaviour::DropHalfway, Behaviour::Serve]);
    let dir = tempfile::tempdir().unwrap();
    let message = fetch(&resource, dir.path(), Some(&url))
        .unwrap_err()
        .to_string();
    assert!(message.contains("data.bin.part"), "{message}");
    let kept = std::fs::metadata(dir.path().join("data.bin.part"))
        .unwrap()
        .len();
    assert_eq!(
        kept,
        body.len() as u64 / 2,
        "the partial file is kept for resuming"
    );
    let path = fetch(&resource, dir.path(), Some(&url)).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), body);
    assert_eq!(
        *seen.lock().unwrap(),
        [None, Some(kept)],
        "the second request asked for the rest only"
    );
}

#[test]
fn a_server_that_ignores_ranges_restarts_the_file() {
    let body = body();
    let resource = resource_for(&body);
    let (url, _) = serve(body.clone(), vec![Behaviour::IgnoreRanges]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.bin.part"), &body[..1000]).unwrap();
    let path = fetch(&resource, dir.path(), Some(&url)).unwrap();
    assert_eq!(
        std::fs::read(path).unwrap(),
        body,
        "200 instead of 206: written from the start, not appended"
    );
}

#[test]
fn wrong_checksums_and_http_errors_are_reported() {
    let body = body();
    let mut resource = resource_for(&body);
    resource.md5 = "00000000000000000000000000000000";
    let (url, _) = serve(body, vec![Behaviour::Serve, Behaviour::NotFound]);
    let dir = tempfile::tempdir().unwrap();
    let message = fetch(&resource, dir.path(), Some(&url))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("data.bin")
            && message.contains("checksum mismatch")
            && message.contains("expected 0000"),
        "{message}"
    );
    assert!(!dir.path().join("data.bin.part").exists() && !dir.path().join("data.bin").exists());
    let message = fetch(&resource, dir.path(), Some(&url))
        .unwrap_err()
        .to_string();
    assert!(message.contains("HTTP 404"), "{message}");
}

fn tar_gz(
    path: &Path,
    build: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>),
) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut builder = tar::Builder::new(gz);
    build(&mut builder);
    builder.into_inner().unwrap().finish().unwrap();
}

/// A header whose raw name is written as given (the tar crate's own setters refuse `..`).
fn raw_entry(
    builder: &mut tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
    name: &str,
    kind: tar::EntryType,
    link: Option<&str>,
) {
    let mut header = tar::Header::new_gnu();
    let bytes = name.as_bytes();
    header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
    header.set_entry_type(kind);
    header.set_size(if kind == tar::EntryType::Regular {
        4
    } else {
        0
    });
    header.set_mode(0o644);
    if let Some(link) = link {
        header.set_link_name(link).unwrap();
    }
    header.set_cksum();
    builder
        .append(
            &header,
            &b"evil"[..if kind == tar::EntryType::Regular {
                4
            } else {
                0
            }],
        )
        .unwrap();
}

#[test]
fn extraction_refuses_entries_that_escape_the_target_folder() {
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good.tar.gz");
    tar_gz(&good, |b| {
        let mut header = tar::Header::new_gnu();
        header.set_size(5);
        header.set_mode(0o644);
        header.set_cksum();
        b.append_data(
            &mut header,
            "cifar-10-batches-bin/readme.txt",
            &b"hello"[..],
        )
        .unwrap();
    });
    let dest = work.path().join("out");
    assert_eq!(extract_tar_gz(&good, &dest).unwrap(), 1);
    assert_eq!(
        std::fs::read(dest.join("cifar-10-batches-bin/readme.txt")).unwrap(),
        b"hello"
    );

    for (name, kind, link, expected) in [
        (
            "../escaped.txt",
            tar::EntryType::Regular,
            None,
            "leaves the target folder",
        ),
        (
            "/tmp/absolute.txt",
            tar::EntryType::Regular,
            None,
            "leaves the target folder",
        ),
        (
            "a/../../escaped.txt",
            tar::EntryType::Regular,
            None,
            "leaves the target folder",
        ),
        (
            "link",
            tar::EntryType::Symlink,
            Some("/etc"),
            "links and special files",
        ),
        (
            "hard",
            tar::EntryType::Link,
            Some("/etc/passwd"),
            "links and special files",
        ),
    ] {
        let evil = work.path().join("evil.tar.gz");
        tar_gz(&evil, |b| raw_entry(b, name, kind, link));
        let dest = work.path().join("evil-out");
        let message = extract_tar_gz(&evil, &dest).unwrap_err().to_string();
        assert!(
            message.contains("evil.tar.gz") && message.contains(name) && message.contains(expected),
            "{name}: {message}"
        );
        assert!(
            !work.path().join("escaped.txt").exists() && !Path::new("/tmp/absolute.txt").exists()
        );
    }
    let mut not_gz = std::fs::File::create(work.path().join("plain.tar.gz")).unwrap();
    not_gz.write_all(b"this is not gzip").unwrap();
    let message = extract_tar_gz(&work.path().join("plain.tar.gz"), &dest)
        .unwrap_err()
        .to_string();
    assert!(message.contains("plain.tar.gz"), "{message}");
}
