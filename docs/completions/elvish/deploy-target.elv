
use builtin;
use str;

set edit:completion:arg-completer[deploy-target] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'deploy-target'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'deploy-target'= {
            cand --config 'The targets file'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand select 'Print the matching target''s variables for the buildspec'
            cand explain 'Show the build context, where each value came from, and why each rule matched or not'
            cand check 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deploy-target;select'= {
            cand --format 'Output format'
            cand --branch 'The branch pushed (or, with --pr, the pull request''s head branch)'
            cand --tag 'The tag pushed'
            cand --pr 'The pull-request number'
            cand --base-branch 'The branch the pull request goes into'
            cand --event 'The pull-request event'
            cand --pipeline 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)'
            cand --commit 'The commit, exported as DEPLOY_RELEASE'
            cand --config 'The targets file'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'deploy-target;explain'= {
            cand --branch 'The branch pushed (or, with --pr, the pull request''s head branch)'
            cand --tag 'The tag pushed'
            cand --pr 'The pull-request number'
            cand --base-branch 'The branch the pull request goes into'
            cand --event 'The pull-request event'
            cand --pipeline 'The CodePipeline name (as in CODEBUILD_INITIATOR=codepipeline/NAME)'
            cand --commit 'The commit, exported as DEPLOY_RELEASE'
            cand --config 'The targets file'
            cand --json 'Print the report as JSON on stdout'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'deploy-target;check'= {
            cand --copilot-dir 'The Copilot workspace folder (default: copilot/ beside the config, else ./copilot)'
            cand --config 'The targets file'
            cand -q 'Print only warnings and errors on stderr'
            cand --quiet 'Print only warnings and errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'deploy-target;help'= {
            cand select 'Print the matching target''s variables for the buildspec'
            cand explain 'Show the build context, where each value came from, and why each rule matched or not'
            cand check 'Validate the config: unknown keys, empty matchers, shadowed rules, duplicate names'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'deploy-target;help;select'= {
        }
        &'deploy-target;help;explain'= {
        }
        &'deploy-target;help;check'= {
        }
        &'deploy-target;help;help'= {
        }
    ]
    $completions[$command]
}
