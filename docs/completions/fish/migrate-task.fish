# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_migrate_task_global_optspecs
    string join \n h/help V/version
end

function __fish_migrate_task_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_migrate_task_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_migrate_task_using_subcommand
    set -l cmd (__fish_migrate_task_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c migrate-task -n "__fish_migrate_task_needs_command" -s h -l help -d 'Print help'
complete -c migrate-task -n "__fish_migrate_task_needs_command" -s V -l version -d 'Print version'
complete -c migrate-task -n "__fish_migrate_task_needs_command" -f -a "run" -d 'Copy the service\'s current task definition with the new image, run COMMAND in it on the service\'s network, stream its logs, and exit with the container\'s exit code'
complete -c migrate-task -n "__fish_migrate_task_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l cluster -d 'The ECS cluster of the service (name or ARN)' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l service -d 'The ECS service whose current task definition, network and launch type the task uses' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l copilot -d 'Find the service by Copilot\'s tags (copilot-application, copilot-environment, copilot-service) instead of --service; --cluster narrows the search' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l container -d 'The container to run the command in [default: the only essential container, else the one named like the service]' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l image -d 'The image to run, as a full URI. ECR images are checked and pinned to their digest; others are used as given' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l image-tag -d 'A tag in the ECR repository of the container\'s current image (e.g. the commit SHA)' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l timeout -d 'Stop the task and fail (exit 3) after this long, e.g. 45m, 2h, 90s [default: no limit]' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l cpu -d 'Task-level CPU units for the copy (e.g. 1024) [default: the service\'s]' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l memory -d 'Task-level memory in MiB for the copy (e.g. 2048) [default: the service\'s]' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l env -d 'Add or replace an environment variable in the container (repeatable). Without any --env, MIGRATE_TASK_ENV is read: one KEY=VALUE per line' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l progress -d 'Status lines while the task runs: auto and always print the task\'s state every 30 s as well as when it changes; never prints only the changes. No bar is drawn: the container\'s log lines stream on stderr [possible values: auto, always, never]' -r -f -a "auto\t'A bar on a terminal outside CI; periodic lines otherwise'
always\t'Always a bar (even when stderr is not a terminal)'
never\t'No bar and no periodic lines; only the final summary'"
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l poll-interval-ms -d 'First DescribeTasks poll interval in milliseconds (tests only)' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l region -d 'AWS region (default: the SDK\'s chain: AWS_REGION, profile, instance metadata)' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l endpoint-url -d 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one' -r
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l dry-run -d 'Read everything, write nothing: print the task definition changes, the network configuration and the exact RunTask request'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l json -d 'Print one JSON object on stdout: the result (task ARN, task definition ARN, image digest, exit code, stop code and reason, timings) or, with --dry-run, the plan'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -l path-style -d 'Address S3 buckets in the URL path, as S3-compatible stores need'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand run" -s h -l help -d 'Print help'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand help; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Copy the service\'s current task definition with the new image, run COMMAND in it on the service\'s network, stream its logs, and exit with the container\'s exit code'
complete -c migrate-task -n "__fish_migrate_task_using_subcommand help; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
