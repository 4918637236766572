//! The kit's servers start, answer, and are stopped by PID.

use slipway_testkit::{MotoServer, RcloneS3};
use std::io::{Read, Write};
use std::net::TcpStream;

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn rclone_serves_a_bucket_it_was_given() {
    let server = RcloneS3::shared();
    let bucket = server.bucket("kit");
    std::fs::write(server.object_path(&bucket, "hello.txt"), b"hi").unwrap();
    assert_eq!(server.keys(&bucket), vec!["hello.txt".to_string()]);
    // Unsigned requests are refused: the server really checks requests.
    let answer = http_get(server.addr, &format!("/{bucket}/hello.txt"));
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

#[test]
fn moto_answers_its_api() {
    let server = MotoServer::shared();
    let answer = http_get(server.addr, "/moto-api/data.json");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_stopped_server_no_longer_listens() {
    let server = RcloneS3::start();
    let addr = server.addr;
    slipway_testkit::process::stop(server.pid);
    assert!(TcpStream::connect(addr).is_err());
}
