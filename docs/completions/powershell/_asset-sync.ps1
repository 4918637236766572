
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'asset-sync' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'asset-sync'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'asset-sync' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('upload', 'upload', [CompletionResultType]::ParameterValue, 'Upload a precompiled asset directory and record the release')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete what no recent release needs, and nothing else')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that every object a release needs is in the bucket, intact, with its headers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'asset-sync;upload' {
            [CompletionResult]::new('--bucket', '--bucket', [CompletionResultType]::ParameterName, 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Key prefix for every object; `""` for the bucket root')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Release id recorded with the upload [default: CODEBUILD_RESOLVED_SOURCE_VERSION, else `git rev-parse HEAD`, else the UTC time]')
            [CompletionResult]::new('--environment', '--environment', [CompletionResultType]::ParameterName, 'Environment or channel the release belongs to; prune keeps releases per environment [fallback: DEPLOY_ENVIRONMENT; default: `default`]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Uploads in flight at once')
            [CompletionResult]::new('--compressed', '--compressed', [CompletionResultType]::ParameterName, 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]')
            [CompletionResult]::new('--cache-control-mutable', '--cache-control-mutable', [CompletionResultType]::ParameterName, 'Cache-Control for mutable objects (manifests, un-fingerprinted files)')
            [CompletionResult]::new('--fingerprint-regex', '--fingerprint-regex', [CompletionResultType]::ParameterName, 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name')
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3''s single-PUT limit (bytes, or with KiB/MiB/GiB)')
            [CompletionResult]::new('--acl', '--acl', [CompletionResultType]::ParameterName, 'Canned ACL to set on each object (none by default: buckets created since 2023 have ACLs disabled and reject them)')
            [CompletionResult]::new('--multipart-threshold', '--multipart-threshold', [CompletionResultType]::ParameterName, 'Files larger than this are sent as multipart uploads (bytes, or with KiB/MiB/GiB)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Read everything, write nothing: print each object that would be written, with its headers, on stdout')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object with the result on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--path-style', '--path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets in the URL path, as S3-compatible stores need')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'asset-sync;prune' {
            [CompletionResult]::new('--bucket', '--bucket', [CompletionResultType]::ParameterName, 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Key prefix for every object; `""` for the bucket root')
            [CompletionResult]::new('--keep-releases', '--keep-releases', [CompletionResultType]::ParameterName, 'Keep the newest N releases of each environment (counted per environment, so frequent staging uploads never push out production''s releases)')
            [CompletionResult]::new('--keep-days', '--keep-days', [CompletionResultType]::ParameterName, 'Keep every release recorded in the last D days, whole')
            [CompletionResult]::new('--min-age', '--min-age', [CompletionResultType]::ParameterName, 'Never delete an object modified more recently than this (an upload may be running): e.g. 90s, 30m, 1h, 2h30m')
            [CompletionResult]::new('--max-delete', '--max-delete', [CompletionResultType]::ParameterName, 'Refuse to delete more than this many objects, or this share of the objects under the prefix (e.g. 500 or 50%), unless --force')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'DeleteObjects batches (of up to 1000 keys) in flight at once')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete beyond --max-delete, and delete objects no record names even before every environment has N records')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Read everything, delete nothing: print every key that would be deleted, and why each kept release is kept')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object with the result on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--path-style', '--path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets in the URL path, as S3-compatible stores need')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'asset-sync;verify' {
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Check a recorded release instead of a directory (the id given to `upload`; the layout flags are then unused: the record carries each object''s headers)')
            [CompletionResult]::new('--bucket', '--bucket', [CompletionResultType]::ParameterName, 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Key prefix for every object; `""` for the bucket root')
            [CompletionResult]::new('--compressed', '--compressed', [CompletionResultType]::ParameterName, 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]')
            [CompletionResult]::new('--cache-control-mutable', '--cache-control-mutable', [CompletionResultType]::ParameterName, 'Cache-Control for mutable objects (manifests, un-fingerprinted files)')
            [CompletionResult]::new('--fingerprint-regex', '--fingerprint-regex', [CompletionResultType]::ParameterName, 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name')
            [CompletionResult]::new('--max-file-size', '--max-file-size', [CompletionResultType]::ParameterName, 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3''s single-PUT limit (bytes, or with KiB/MiB/GiB)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one')
            [CompletionResult]::new('--deep', '--deep', [CompletionResultType]::ParameterName, 'Also download every object and compare its SHA-256 (catches corruption in storage that left the recorded checksum in place)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object with the result on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only warnings, errors and the data on stdout')
            [CompletionResult]::new('--path-style', '--path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets in the URL path, as S3-compatible stores need')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'asset-sync;help' {
            [CompletionResult]::new('upload', 'upload', [CompletionResultType]::ParameterValue, 'Upload a precompiled asset directory and record the release')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete what no recent release needs, and nothing else')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that every object a release needs is in the bucket, intact, with its headers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'asset-sync;help;upload' {
            break
        }
        'asset-sync;help;prune' {
            break
        }
        'asset-sync;help;verify' {
            break
        }
        'asset-sync;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
