//! The probe reads what a server really holds: here, the multipart uploads left open.

use slipway_testkit::{MotoServer, S3Probe};

#[test]
fn open_multipart_uploads_are_listed_until_completed_or_aborted() {
    let server = MotoServer::shared();
    let probe = S3Probe::new(&server.endpoint());
    let bucket = slipway_testkit::servers::unique_name("probe-uploads");
    probe.create_bucket(&bucket);
    assert_eq!(probe.multipart_uploads(&bucket), vec![]);

    let start = |key: &str| -> String {
        probe
            .block_on(
                probe
                    .client()
                    .create_multipart_upload()
                    .bucket(&bucket)
                    .key(key)
                    .send(),
            )
            .unwrap()
            .upload_id()
            .unwrap()
            .to_owned()
    };
    let a = start("a/one.bin");
    let b = start("b/two.bin");
    let mut expected = vec![
        ("a/one.bin".to_owned(), a.clone()),
        ("b/two.bin".to_owned(), b),
    ];
    assert_eq!(probe.multipart_uploads(&bucket), expected);

    probe
        .block_on(
            probe
                .client()
                .abort_multipart_upload()
                .bucket(&bucket)
                .key("a/one.bin")
                .upload_id(&a)
                .send(),
        )
        .unwrap();
    expected.remove(0);
    assert_eq!(probe.multipart_uploads(&bucket), expected);
}
