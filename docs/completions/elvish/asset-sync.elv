
use builtin;
use str;

set edit:completion:arg-completer[asset-sync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'asset-sync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'asset-sync'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand upload 'Upload a precompiled asset directory and record the release'
            cand prune 'Delete what no recent release needs, and nothing else'
            cand verify 'Check that every object a release needs is in the bucket, intact, with its headers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'asset-sync;upload'= {
            cand --bucket 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]'
            cand --prefix 'Key prefix for every object; `""` for the bucket root'
            cand --release 'Release id recorded with the upload [default: CODEBUILD_RESOLVED_SOURCE_VERSION, else `git rev-parse HEAD`, else the UTC time]'
            cand --environment 'Environment or channel the release belongs to; prune keeps releases per environment [fallback: DEPLOY_ENVIRONMENT; default: `default`]'
            cand --concurrency 'Uploads in flight at once'
            cand --compressed 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]'
            cand --cache-control-mutable 'Cache-Control for mutable objects (manifests, un-fingerprinted files)'
            cand --fingerprint-regex 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name'
            cand --max-file-size 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3''s single-PUT limit (bytes, or with KiB/MiB/GiB)'
            cand --acl 'Canned ACL to set on each object (none by default: buckets created since 2023 have ACLs disabled and reject them)'
            cand --multipart-threshold 'Files larger than this are sent as multipart uploads (bytes, or with KiB/MiB/GiB)'
            cand --progress 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI'
            cand --region 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)'
            cand --endpoint-url 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one'
            cand --dry-run 'Read everything, write nothing: print each object that would be written, with its headers, on stdout'
            cand --json 'Print one JSON object with the result on stdout'
            cand -q 'Only warnings, errors and the data on stdout'
            cand --quiet 'Only warnings, errors and the data on stdout'
            cand --path-style 'Address S3 buckets in the URL path, as S3-compatible stores need'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'asset-sync;prune'= {
            cand --bucket 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]'
            cand --prefix 'Key prefix for every object; `""` for the bucket root'
            cand --keep-releases 'Keep the newest N releases of each environment (counted per environment, so frequent staging uploads never push out production''s releases)'
            cand --keep-days 'Keep every release recorded in the last D days, whole'
            cand --min-age 'Never delete an object modified more recently than this (an upload may be running): e.g. 90s, 30m, 1h, 2h30m'
            cand --max-delete 'Refuse to delete more than this many objects, or this share of the objects under the prefix (e.g. 500 or 50%), unless --force'
            cand --concurrency 'DeleteObjects batches (of up to 1000 keys) in flight at once'
            cand --progress 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI'
            cand --region 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)'
            cand --endpoint-url 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one'
            cand --force 'Delete beyond --max-delete, and delete objects no record names even before every environment has N records'
            cand --dry-run 'Read everything, delete nothing: print every key that would be deleted, and why each kept release is kept'
            cand --json 'Print one JSON object with the result on stdout'
            cand -q 'Only warnings, errors and the data on stdout'
            cand --quiet 'Only warnings, errors and the data on stdout'
            cand --path-style 'Address S3 buckets in the URL path, as S3-compatible stores need'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'asset-sync;verify'= {
            cand --release 'Check a recorded release instead of a directory (the id given to `upload`; the layout flags are then unused: the record carries each object''s headers)'
            cand --bucket 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]'
            cand --prefix 'Key prefix for every object; `""` for the bucket root'
            cand --compressed 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]'
            cand --cache-control-mutable 'Cache-Control for mutable objects (manifests, un-fingerprinted files)'
            cand --fingerprint-regex 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name'
            cand --max-file-size 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3''s single-PUT limit (bytes, or with KiB/MiB/GiB)'
            cand --concurrency 'Requests in flight at once'
            cand --progress 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI'
            cand --region 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)'
            cand --endpoint-url 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one'
            cand --deep 'Also download every object and compare its SHA-256 (catches corruption in storage that left the recorded checksum in place)'
            cand --json 'Print one JSON object with the result on stdout'
            cand -q 'Only warnings, errors and the data on stdout'
            cand --quiet 'Only warnings, errors and the data on stdout'
            cand --path-style 'Address S3 buckets in the URL path, as S3-compatible stores need'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'asset-sync;help'= {
            cand upload 'Upload a precompiled asset directory and record the release'
            cand prune 'Delete what no recent release needs, and nothing else'
            cand verify 'Check that every object a release needs is in the bucket, intact, with its headers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'asset-sync;help;upload'= {
        }
        &'asset-sync;help;prune'= {
        }
        &'asset-sync;help;verify'= {
        }
        &'asset-sync;help;help'= {
        }
    ]
    $completions[$command]
}
