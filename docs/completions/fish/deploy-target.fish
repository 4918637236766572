# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_deploy_target_global_optspecs
    string join \n config= q/quiet h/help V/version
end

function __fish_deploy_target_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_deploy_target_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_deploy_target_using_subcommand
    set -l cmd (__fish_deploy_target_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c deploy-target -n "__fish_deploy_target_needs_command" -l config -d 'The targets file' -r -F
complete -c deploy-target -n "__fish_deploy_target_needs_command" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -s V -l version -d 'Print version'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -f -a "select" -d 'Print the matching target\'s variables for the buildspec'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -f -a "explain" -d 'Show the build context, where each value came from, and why each rule matched or not'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -f -a "check" -d 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names'
complete -c deploy-target -n "__fish_deploy_target_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l format -d 'Output format' -r -f -a "shell\t'`export KEY=\'value\'` lines, safe to `eval "$(deploy-target select)"`'
env\t'`KEY=value` lines, values verbatim (refused when a value has a newline or other control character)'
json\t'One JSON object'"
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l branch -d 'The branch pushed (or, with --pr, the pull request\'s head branch)' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l tag -d 'The tag pushed' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l pr -d 'The pull-request number' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l base-branch -d 'The branch the pull request goes into' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l event -d 'The pull-request event' -r -f -a "PULL_REQUEST_CREATED\t''
PULL_REQUEST_UPDATED\t''
PULL_REQUEST_REOPENED\t''
PULL_REQUEST_MERGED\t''
PULL_REQUEST_CLOSED\t''"
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l pipeline -d 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l commit -d 'The commit, exported as DEPLOY_RELEASE' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -l config -d 'The targets file' -r -F
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand select" -s V -l version -d 'Print version'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l branch -d 'The branch pushed (or, with --pr, the pull request\'s head branch)' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l tag -d 'The tag pushed' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l pr -d 'The pull-request number' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l base-branch -d 'The branch the pull request goes into' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l event -d 'The pull-request event' -r -f -a "PULL_REQUEST_CREATED\t''
PULL_REQUEST_UPDATED\t''
PULL_REQUEST_REOPENED\t''
PULL_REQUEST_MERGED\t''
PULL_REQUEST_CLOSED\t''"
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l pipeline -d 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l commit -d 'The commit, exported as DEPLOY_RELEASE' -r
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l config -d 'The targets file' -r -F
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -l json -d 'Print the report as JSON on stdout'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand explain" -s V -l version -d 'Print version'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand check" -l copilot-dir -d 'The Copilot workspace folder (default: copilot/ beside the config, else ./copilot)' -r -F
complete -c deploy-target -n "__fish_deploy_target_using_subcommand check" -l config -d 'The targets file' -r -F
complete -c deploy-target -n "__fish_deploy_target_using_subcommand check" -s q -l quiet -d 'Print only warnings and errors on stderr'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand check" -s V -l version -d 'Print version'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand help; and not __fish_seen_subcommand_from select explain check help" -f -a "select" -d 'Print the matching target\'s variables for the buildspec'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand help; and not __fish_seen_subcommand_from select explain check help" -f -a "explain" -d 'Show the build context, where each value came from, and why each rule matched or not'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand help; and not __fish_seen_subcommand_from select explain check help" -f -a "check" -d 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names'
complete -c deploy-target -n "__fish_deploy_target_using_subcommand help; and not __fish_seen_subcommand_from select explain check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
