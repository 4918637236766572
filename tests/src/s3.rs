//! A synchronous S3 client for test assertions: what really landed in a server, read through
//! its own API (works with rclone serve s3 and moto_server alike).

use std::collections::HashMap;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

use crate::{ACCESS_KEY, REGION, SECRET_KEY};

/// An object's headers and metadata, from a HEAD.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_encoding: Option<String>,
    pub etag: Option<String>,
    /// User metadata, keys lowercased.
    pub metadata: HashMap<String, String>,
}

/// A blocking S3 client bound to one endpoint.
pub struct S3Probe {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
}

impl S3Probe {
    pub fn new(endpoint: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("probe runtime");
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
            .build();
        Self {
            rt,
            client: aws_sdk_s3::Client::from_conf(conf),
        }
    }

    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn create_bucket(&self, bucket: &str) {
        self.rt
            .block_on(self.client.create_bucket().bucket(bucket).send())
            .unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
    }

    /// Every key under `prefix`, sorted.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        self.rt.block_on(async {
            let mut keys = Vec::new();
            let mut pages = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.unwrap_or_else(|e| panic!("list {bucket}: {e:?}"));
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_owned)),
                );
            }
            keys.sort();
            keys
        })
    }

    pub fn head(&self, bucket: &str, key: &str) -> Option<Head> {
        self.rt.block_on(head(&self.client, bucket, key))
    }

    /// HEADs every key, 32 at a time; `None` for a key that is absent.
    pub fn heads(&self, bucket: &str, keys: &[String]) -> HashMap<String, Option<Head>> {
        use futures::StreamExt;
        self.rt.block_on(
            futures::stream::iter(
                keys.iter()
                    .map(|key| async move { (key.clone(), head(&self.client, bucket, key).await) }),
            )
            .buffer_unordered(32)
            .collect(),
        )
    }

    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        self.rt.block_on(async {
            let out = self
                .client
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("get {bucket}/{key}: {e:?}"));
            out.body
                .collect()
                .await
                .expect("read body")
                .into_bytes()
                .to_vec()
        })
    }

    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) {
        self.rt
            .block_on(
                self.client
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(ByteStream::from(body.to_vec()))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("put {bucket}/{key}: {e:?}"));
    }

    /// The multipart uploads `bucket` holds open (started, neither completed nor aborted), as
    /// (key, upload id) pairs, sorted: what S3 keeps billing for until a lifecycle rule
    /// removes it.
    pub fn multipart_uploads(&self, bucket: &str) -> Vec<(String, String)> {
        self.rt.block_on(async {
            let mut open = Vec::new();
            let (mut key_marker, mut id_marker) = (None, None);
            loop {
                let page = self
                    .client
                    .list_multipart_uploads()
                    .bucket(bucket)
                    .set_key_marker(key_marker.take())
                    .set_upload_id_marker(id_marker.take())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("list multipart uploads in {bucket}: {e:?}"));
                open.extend(page.uploads().iter().map(|u| {
                    (
                        u.key().unwrap_or_default().to_owned(),
                        u.upload_id().unwrap_or_default().to_owned(),
                    )
                }));
                if page.is_truncated() != Some(true) {
                    break;
                }
                key_marker = page.next_key_marker().map(str::to_owned);
                id_marker = page.next_upload_id_marker().map(str::to_owned);
            }
            open.sort();
            open
        })
    }

    pub fn delete(&self, bucket: &str, key: &str) {
        self.rt
            .block_on(self.client.delete_object().bucket(bucket).key(key).send())
            .unwrap_or_else(|e| panic!("delete {bucket}/{key}: {e:?}"));
    }
}

async fn head(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Option<Head> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(o) => Some(Head {
            size: o.content_length().unwrap_or(0) as u64,
            content_type: o.content_type().map(str::to_owned),
            cache_control: o.cache_control().map(str::to_owned),
            content_encoding: o.content_encoding().map(str::to_owned),
            etag: o.e_tag().map(str::to_owned),
            metadata: o
                .metadata()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => None,
        Err(e) => panic!("head {bucket}/{key}: {e:?}"),
    }
}
