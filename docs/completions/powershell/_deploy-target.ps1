
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'deploy-target' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'deploy-target'
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
        'deploy-target' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The targets file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('select', 'select', [CompletionResultType]::ParameterValue, 'Print the matching target''s variables for the buildspec')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show the build context, where each value came from, and why each rule matched or not')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deploy-target;select' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch pushed (or, with --pr, the pull request''s head branch)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'The tag pushed')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull-request number')
            [CompletionResult]::new('--base-branch', '--base-branch', [CompletionResultType]::ParameterName, 'The branch the pull request goes into')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The pull-request event')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)')
            [CompletionResult]::new('--commit', '--commit', [CompletionResultType]::ParameterName, 'The commit, exported as DEPLOY_RELEASE')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The targets file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'deploy-target;explain' {
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch pushed (or, with --pr, the pull request''s head branch)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'The tag pushed')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull-request number')
            [CompletionResult]::new('--base-branch', '--base-branch', [CompletionResultType]::ParameterName, 'The branch the pull request goes into')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The pull-request event')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)')
            [CompletionResult]::new('--commit', '--commit', [CompletionResultType]::ParameterName, 'The commit, exported as DEPLOY_RELEASE')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The targets file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'deploy-target;check' {
            [CompletionResult]::new('--copilot-dir', '--copilot-dir', [CompletionResultType]::ParameterName, 'The Copilot workspace folder (default: copilot/ beside the config, else ./copilot)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The targets file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'deploy-target;help' {
            [CompletionResult]::new('select', 'select', [CompletionResultType]::ParameterValue, 'Print the matching target''s variables for the buildspec')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show the build context, where each value came from, and why each rule matched or not')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'deploy-target;help;select' {
            break
        }
        'deploy-target;help;explain' {
            break
        }
        'deploy-target;help;check' {
            break
        }
        'deploy-target;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
