
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'migrate-task' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'migrate-task'
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
        'migrate-task' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Copy the service''s current task definition with the new image, run COMMAND in it on the service''s network, stream its logs, and exit with the container''s exit code')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'migrate-task;run' {
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The ECS cluster of the service (name or ARN)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The ECS service whose current task definition, network and launch type the task uses')
            [CompletionResult]::new('--copilot', '--copilot', [CompletionResultType]::ParameterName, 'Find the service by Copilot''s tags (copilot-application, copilot-environment, copilot-service) instead of --service; --cluster narrows the search')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'The container to run the command in [default: the only essential container, else the one named like the service]')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The image to run, as a full URI. ECR images are checked and pinned to their digest; others are used as given')
            [CompletionResult]::new('--image-tag', '--image-tag', [CompletionResultType]::ParameterName, 'A tag in the ECR repository of the container''s current image (e.g. the commit SHA)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the task and fail (exit 3) after this long, e.g. 45m, 2h, 90s [default: no limit]')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Task-level CPU units for the copy (e.g. 1024) [default: the service''s]')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Task-level memory in MiB for the copy (e.g. 2048) [default: the service''s]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Add or replace an environment variable in the container (repeatable). Without any --env, MIGRATE_TASK_ENV is read: one KEY=VALUE per line')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Status lines while the task runs: auto and always print the task''s state every 30 s as well as when it changes; never prints only the changes. No bar is drawn: the container''s log lines stream on stderr [possible values: auto, always, never]')
            [CompletionResult]::new('--poll-interval-ms', '--poll-interval-ms', [CompletionResultType]::ParameterName, 'First DescribeTasks poll interval in milliseconds (tests only)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region (default: the SDK''s chain: AWS_REGION, profile, instance metadata)')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS request to this endpoint (a local S3 server, moto, a VPC endpoint). Without the flag, the SDK reads AWS_ENDPOINT_URL, and AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3) for one service, which wins over the global one')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Read everything, write nothing: print the task definition changes, the network configuration and the exact RunTask request')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout: the result (task ARN, task definition ARN, image digest, exit code, stop code and reason, timings) or, with --dry-run, the plan')
            [CompletionResult]::new('--path-style', '--path-style', [CompletionResultType]::ParameterName, 'Address S3 buckets in the URL path, as S3-compatible stores need')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'migrate-task;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Copy the service''s current task definition with the new image, run COMMAND in it on the service''s network, stream its logs, and exit with the container''s exit code')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'migrate-task;help;run' {
            break
        }
        'migrate-task;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
