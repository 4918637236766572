
use builtin;
use str;

set edit:completion:arg-completer[migrate-task] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'migrate-task'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'migrate-task'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Copy the service''s current task definition with the new image, run COMMAND in it on the service''s network, stream its logs, and exit with the container''s exit code'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'migrate-task;run'= {
            cand --cluster 'The ECS cluster of the service (name or ARN)'
            cand --service 'The ECS service whose current task definition, network and launch type the task uses'
            cand --copilot 'Find the service by Copilot''s tags (copilot-application, copilot-environment, copilot-service) instead of --service; --cluster narrows the search'
            cand --container 'The container to run the command in [default: the only essential container, else the one named like the service]'
            cand --image 'The image to run, as a full URI. ECR images are checked and pinned to their digest; others are used as given'
            cand --image-tag 'A tag in the ECR repository of the container''s current image (e.g. the commit SHA)'
            cand --timeout 'Stop the task and fail (exit 3) after this long, e.g. 45m, 2h, 90s [default: no limit]'
            cand --cpu 'Task-level CPU units for the copy (e.g. 1024) [default: the service''s]'
            cand --memory 'Task-level memory in MiB for the copy (e.g. 2048) [default: the service''s]'
            cand --env 'Add or replace an environment variable in the container (repeatable). Without any --env, MIGRATE_TASK_ENV is read: one KEY=VALUE per line'
            cand --progress 'Status lines while the task runs: auto and always print the task''s state every 30 s as well as when it changes; never prints only the changes. No bar is drawn: the container''s log lines stream on stderr [possible values: auto, always, never]'
            cand --poll-interval-ms 'First DescribeTasks poll interval in milliseconds (tests only)'
            cand --region 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)'
            cand --endpoint-url 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one'
            cand --dry-run 'Read everything, write nothing: print the task definition changes, the network configuration and the exact RunTask request'
            cand --json 'Print one JSON object on stdout: the result (task ARN, task definition ARN, image digest, exit code, stop code and reason, timings) or, with --dry-run, the plan'
            cand --path-style 'Address S3 buckets in the URL path, as S3-compatible stores need'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'migrate-task;help'= {
            cand run 'Copy the service''s current task definition with the new image, run COMMAND in it on the service''s network, stream its logs, and exit with the container''s exit code'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'migrate-task;help;run'= {
        }
        &'migrate-task;help;help'= {
        }
    ]
    $completions[$command]
}
