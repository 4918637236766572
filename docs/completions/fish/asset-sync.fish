# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_asset_sync_global_optspecs
    string join \n h/help V/version
end

function __fish_asset_sync_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_asset_sync_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_asset_sync_using_subcommand
    set -l cmd (__fish_asset_sync_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c asset-sync -n "__fish_asset_sync_needs_command" -s h -l help -d 'Print help'
complete -c asset-sync -n "__fish_asset_sync_needs_command" -s V -l version -d 'Print version'
complete -c asset-sync -n "__fish_asset_sync_needs_command" -f -a "upload" -d 'Upload a precompiled asset directory and record the release'
complete -c asset-sync -n "__fish_asset_sync_needs_command" -f -a "prune" -d 'Delete what no recent release needs, and nothing else'
complete -c asset-sync -n "__fish_asset_sync_needs_command" -f -a "verify" -d 'Check that every object a release needs is in the bucket, intact, with its headers'
complete -c asset-sync -n "__fish_asset_sync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l bucket -d 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l prefix -d 'Key prefix for every object; `""` for the bucket root' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l release -d 'Release id recorded with the upload [default: CODEBUILD_RESOLVED_SOURCE_VERSION, else `git rev-parse HEAD`, else the UTC time]' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l environment -d 'Environment or channel the release belongs to; prune keeps releases per environment [fallback: DEPLOY_ENVIRONMENT; default: `default`]' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l concurrency -d 'Uploads in flight at once' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l compressed -d 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]' -r -f -a "companion\t'Upload them under their own keys (`app-1a2b.js.gz`) with the inner file\'s Content-Type and a Content-Encoding'
replace\t'Upload the `.gz` (else `.br`) bytes under the original key with a Content-Encoding, instead of the uncompressed file'
skip\t'Do not upload them (unless a manifest names them)'"
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l cache-control-mutable -d 'Cache-Control for mutable objects (manifests, un-fingerprinted files)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l fingerprint-regex -d 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l max-file-size -d 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3\'s single-PUT limit (bytes, or with KiB/MiB/GiB)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l acl -d 'Canned ACL to set on each object (none by default: buckets created since 2023 have ACLs disabled and reject them)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l multipart-threshold -d 'Files larger than this are sent as multipart uploads (bytes, or with KiB/MiB/GiB)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l progress -d 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI' -r -f -a "auto\t'A bar on a terminal outside CI; periodic lines otherwise'
always\t'Always a bar (even when stderr is not a terminal)'
never\t'No bar and no periodic lines; only the final summary'"
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l region -d 'AWS region (default: the SDK\'s chain: AWS_REGION, profile, instance metadata)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l endpoint-url -d 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l dry-run -d 'Read everything, write nothing: print each object that would be written, with its headers, on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l json -d 'Print one JSON object with the result on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -s q -l quiet -d 'Only warnings, errors and the data on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -l path-style -d 'Address S3 buckets in the URL path, as S3-compatible stores need'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand upload" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l bucket -d 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l prefix -d 'Key prefix for every object; `""` for the bucket root' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l keep-releases -d 'Keep the newest N releases of each environment (counted per environment, so frequent staging uploads never push out production\'s releases)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l keep-days -d 'Keep every release recorded in the last D days, whole' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l min-age -d 'Never delete an object modified more recently than this (an upload may be running): e.g. 90s, 30m, 1h, 2h30m' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l max-delete -d 'Refuse to delete more than this many objects, or this share of the objects under the prefix (e.g. 500 or 50%), unless --force' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l concurrency -d 'DeleteObjects batches (of up to 1000 keys) in flight at once' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l progress -d 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI' -r -f -a "auto\t'A bar on a terminal outside CI; periodic lines otherwise'
always\t'Always a bar (even when stderr is not a terminal)'
never\t'No bar and no periodic lines; only the final summary'"
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l region -d 'AWS region (default: the SDK\'s chain: AWS_REGION, profile, instance metadata)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l endpoint-url -d 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l force -d 'Delete beyond --max-delete, and delete objects no record names even before every environment has N records'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l dry-run -d 'Read everything, delete nothing: print every key that would be deleted, and why each kept release is kept'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l json -d 'Print one JSON object with the result on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -s q -l quiet -d 'Only warnings, errors and the data on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -l path-style -d 'Address S3 buckets in the URL path, as S3-compatible stores need'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l release -d 'Check a recorded release instead of a directory (the id given to `upload`; the layout flags are then unused: the record carries each object\'s headers)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l bucket -d 'The bucket that holds the assets [fallback: FOG_DIRECTORY, as asset_sync reads it]' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l prefix -d 'Key prefix for every object; `""` for the bucket root' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l compressed -d 'What to do with `.gz`/`.br` companions [fallback: ASSET_SYNC_GZIP_COMPRESSION=true means `replace`]' -r -f -a "companion\t'Upload them under their own keys (`app-1a2b.js.gz`) with the inner file\'s Content-Type and a Content-Encoding'
replace\t'Upload the `.gz` (else `.br`) bytes under the original key with a Content-Encoding, instead of the uncompressed file'
skip\t'Do not upload them (unless a manifest names them)'"
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l cache-control-mutable -d 'Cache-Control for mutable objects (manifests, un-fingerprinted files)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l fingerprint-regex -d 'Regex on the file name that marks a fingerprinted (immutable) file, besides what the manifests name' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l max-file-size -d 'Refuse the whole directory, before any request, if a file is larger than this (an accidental video or database dump); the default is S3\'s single-PUT limit (bytes, or with KiB/MiB/GiB)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l concurrency -d 'Requests in flight at once' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l progress -d 'Progress display: a bar on a terminal (auto), always, or never; plain lines every few seconds in CI' -r -f -a "auto\t'A bar on a terminal outside CI; periodic lines otherwise'
always\t'Always a bar (even when stderr is not a terminal)'
never\t'No bar and no periodic lines; only the final summary'"
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l region -d 'AWS region (default: the SDK\'s chain: AWS_REGION, profile, instance metadata)' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l endpoint-url -d 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one' -r
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l deep -d 'Also download every object and compare its SHA-256 (catches corruption in storage that left the recorded checksum in place)'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l json -d 'Print one JSON object with the result on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -s q -l quiet -d 'Only warnings, errors and the data on stdout'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -l path-style -d 'Address S3 buckets in the URL path, as S3-compatible stores need'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand help; and not __fish_seen_subcommand_from upload prune verify help" -f -a "upload" -d 'Upload a precompiled asset directory and record the release'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand help; and not __fish_seen_subcommand_from upload prune verify help" -f -a "prune" -d 'Delete what no recent release needs, and nothing else'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand help; and not __fish_seen_subcommand_from upload prune verify help" -f -a "verify" -d 'Check that every object a release needs is in the bucket, intact, with its headers'
complete -c asset-sync -n "__fish_asset_sync_using_subcommand help; and not __fish_seen_subcommand_from upload prune verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
