//! Shell completions and man pages, generated from a binary's own clap definition.
//!
//! Every Slipway binary answers a hidden `generate` subcommand (as `rg --generate` and
//! `uv generate-shell-completion` do): `asset-sync generate bash` prints the bash completion
//! script, `asset-sync generate man` the man page; with `--dir DIR` the files are written into
//! DIR under their usual names instead, and `man` then writes one page per subcommand as well
//! (`asset-sync-upload.1`). The subcommand is added to the parser at run time, so it appears
//! in no `--help`, completion or man page, and the binaries' own commands are untouched.
//!
//! Man pages carry clap's rendering (synopsis, description, options with their environment
//! variables and defaults, subcommands) plus the text after the options (`after_help`: the
//! exit-code table) as EXIT STATUS, and an `Example:` block there as EXAMPLES.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory, FromArgMatches, Parser, ValueEnum};
use clap_complete::{Generator, Shell};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

use crate::{ExitCode, Printer, usage};

/// The hidden subcommand's name.
pub const SUBCOMMAND: &str = "generate";

/// What `generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Man pages (roff, section 1).
    Man,
    /// A bash completion script.
    Bash,
    /// A zsh completion script.
    Zsh,
    /// A fish completion script.
    Fish,
    /// An elvish completion script.
    Elvish,
    /// A PowerShell completion script.
    Powershell,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Man,
        Kind::Bash,
        Kind::Zsh,
        Kind::Fish,
        Kind::Elvish,
        Kind::Powershell,
    ];

    fn shell(self) -> Option<Shell> {
        match self {
            Kind::Man => None,
            Kind::Bash => Some(Shell::Bash),
            Kind::Zsh => Some(Shell::Zsh),
            Kind::Fish => Some(Shell::Fish),
            Kind::Elvish => Some(Shell::Elvish),
            Kind::Powershell => Some(Shell::PowerShell),
        }
    }
}

/// `BIN generate KIND [--dir DIR]`, hidden.
#[derive(Debug, Parser)]
#[command(
    name = SUBCOMMAND,
    hide = true,
    about = "Print shell completions or man pages generated from this command line"
)]
struct GenerateArgs {
    /// A man page, or a shell's completion script.
    #[arg(value_enum)]
    kind: Kind,

    /// Write the files into DIR (created if missing) under their usual names, instead of
    /// printing to stdout; for `man`, one page per subcommand as well.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// One generated file: its usual name and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub contents: String,
}

/// Answers the hidden `generate` subcommand. Parses `args` (the program name first) with
/// `cli` plus `generate`; when the command line asks for `generate`, writes what it asks
/// for and returns the exit code. When clap rejects the command line (or it asks for
/// `--help`/`--version`), prints clap's answer as [`usage::report`](crate::usage::report)
/// does (an error in one line) and returns its code. Returns `None` for every other command
/// line: the binary then parses as usual.
pub fn handle<I, T>(cli: &Command, args: I, printer: Printer) -> Option<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let with_generate = cli.clone().subcommand(GenerateArgs::command());
    let matches = match with_generate.clone().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) => return Some(usage::report(e, &with_generate, &args, printer)),
    };
    let (SUBCOMMAND, sub) = matches.subcommand()? else {
        return None;
    };
    let args = match GenerateArgs::from_arg_matches(sub) {
        Ok(generate) => generate,
        Err(e) => return Some(usage::report(e, &with_generate, &args, printer)),
    };
    let files = files(cli, args.kind);
    let Some(dir) = args.dir else {
        // On stdout: the one completion script, or the top-level man page.
        let text = &files[0].contents;
        printer.data(text.strip_suffix('\n').unwrap_or(text));
        return Some(ExitCode::SUCCESS);
    };
    Some(match write_all(&dir, &files) {
        Ok(()) => {
            printer.info(format!(
                "{} generate: wrote {} in {}",
                cli.get_name(),
                files
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(message) => {
            printer.error(message);
            ExitCode::FAILED
        }
    })
}

fn write_all(dir: &Path, files: &[File]) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("failed to create the directory {}: {e}", dir.display()))?;
    for file in files {
        let path = dir.join(&file.name);
        std::fs::write(&path, &file.contents)
            .map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// What `generate KIND` writes for `cli`: one completion script, or the man pages (the
/// top-level page first, then one per subcommand, depth first; hidden ones left out).
pub fn files(cli: &Command, kind: Kind) -> Vec<File> {
    let bin = cli.get_name().to_owned();
    match kind.shell() {
        Some(shell) => {
            let mut cmd = cli.clone();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, bin.clone(), &mut buf);
            let mut contents = String::from_utf8_lossy(&buf).into_owned();
            if shell == Shell::Bash {
                contents = fix_bash_hyphenated_bin(&contents, &bin);
            }
            vec![File {
                name: shell.file_name(&bin),
                contents,
            }]
        }
        None => {
            let mut root = cli.clone().disable_help_subcommand(true);
            root.build();
            let source = format!("{bin} {}", root.get_version().unwrap_or_default());
            let mut pages = Vec::new();
            man_pages(&root, source.trim_end(), &mut pages);
            pages
        }
    }
}

/// clap_complete 4.6 spells the `case` labels of a hyphenated binary's subcommands
/// (`asset__subcmd__sync__subcmd__upload`) unlike the state its own loop computes
/// (`asset__sync__subcmd__upload`), so nothing after a subcommand completes
/// (clap-rs/clap#6421). Spell the labels the loop's way; a no-op once upstream agrees.
fn fix_bash_hyphenated_bin(script: &str, bin: &str) -> String {
    const SEP: &str = "__subcmd__";
    let wrong = format!("{}{SEP}", bin.replace('-', SEP));
    let right = format!("{}{SEP}", bin.replace('-', "__"));
    script.replace(&wrong, &right)
}

fn man_pages(cmd: &Command, source: &str, pages: &mut Vec<File>) {
    pages.push(man_page(cmd, source));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, source, pages);
    }
}

/// clap_mangen's sections, with `after_help` split into EXIT STATUS and EXAMPLES and its
/// indented lines (the exit-code table, commands) kept as they are instead of filled.
fn man_page(cmd: &Command, source: &str) -> File {
    let man = Man::new(cmd.clone()).source(source).manual("Slipway");
    // Each section renders with roff's two-line preamble: keep it once, at the top.
    let mut sections: Vec<Vec<u8>> = Vec::new();
    let mut render = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        // Rendering into memory cannot fail.
        let _ = f(&mut buf);
        sections.push(buf);
    };
    render(&|w| man.render_title(w));
    render(&|w| man.render_name_section(w));
    render(&|w| man.render_synopsis_section(w));
    render(&|w| man.render_description_section(w));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        render(&|w| man.render_options_section(w));
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        render(&|w| man.render_subcommands_section(w));
    }
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        let roff = after_help_sections(&after.to_string());
        render(&|w| roff.to_writer(w));
    }
    if cmd.get_version().is_some() || cmd.get_long_version().is_some() {
        render(&|w| man.render_version_section(w));
    }
    let mut contents = String::from(ROFF_PREAMBLE);
    for section in &sections {
        let text = String::from_utf8_lossy(section);
        contents.push_str(text.strip_prefix(ROFF_PREAMBLE).unwrap_or(&text));
    }
    File {
        name: man.get_filename(),
        contents,
    }
}

/// What the roff crate writes before every document (an apostrophe string for groff).
const ROFF_PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

fn after_help_sections(text: &str) -> Roff {
    let mut status = Vec::new();
    let mut examples = Vec::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        match lines.next().map(str::trim) {
            Some("Example:" | "Examples:") => examples.push(lines.collect::<Vec<_>>()),
            _ => status.push(block.lines().collect()),
        }
    }
    let mut roff = Roff::default();
    for (heading, blocks) in [("EXIT STATUS", status), ("EXAMPLES", examples)] {
        if !blocks.is_empty() {
            roff.control("SH", [heading]);
            paragraphs(&mut roff, &blocks);
        }
    }
    roff
}

/// Unindented lines are filled into paragraphs; indented ones are kept line by line.
fn paragraphs(roff: &mut Roff, blocks: &[Vec<&str>]) {
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        let mut kept = false;
        for line in block {
            let indented = line.starts_with([' ', '\t']);
            if indented != kept {
                roff.control(if indented { "nf" } else { "fi" }, []);
                kept = indented;
            }
            roff.text([roman(*line)]);
        }
        if kept {
            roff.control("fi", []);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Do toy things.
    #[derive(Parser)]
    #[command(
        name = "toy",
        version = "1.2.3",
        after_help = "Exit codes:\n  0    ok\n  2    usage\n\nExample:\n  toy go --fast"
    )]
    struct Toy {
        #[command(subcommand)]
        command: ToyCommand,
    }

    #[derive(clap::Subcommand)]
    enum ToyCommand {
        /// Go somewhere.
        Go {
            /// Go fast.
            #[arg(long, env = "TOY_FAST")]
            fast: bool,
            #[arg(long, hide = true)]
            secret: Option<String>,
        },
        #[command(hide = true)]
        Hidden,
    }

    fn toy() -> Command {
        Toy::command()
    }

    fn handle_args(args: &[&str]) -> Option<ExitCode> {
        handle(&toy(), args.iter().copied(), Printer::new(true))
    }

    #[test]
    fn man_pages_cover_every_visible_subcommand() {
        let pages = files(&toy(), Kind::Man);
        let names: Vec<_> = pages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["toy.1", "toy-go.1"]);
        let go = &pages[1].contents;
        assert!(
            go.starts_with(&format!(
                "{ROFF_PREAMBLE}.TH toy-go 1  \"toy 1.2.3\" Slipway\n"
            )),
            "{go}"
        );
        assert_eq!(go.matches(ROFF_PREAMBLE).count(), 1, "{go}");
        assert!(go.contains("TOY_FAST"), "the env twin is documented: {go}");
        assert!(!go.contains("secret"), "hidden flags stay hidden: {go}");
        assert!(
            !pages[0].contents.contains("hidden"),
            "{}",
            pages[0].contents
        );
    }

    #[test]
    fn after_help_becomes_exit_status_and_examples_kept_line_by_line() {
        let top = &files(&toy(), Kind::Man)[0].contents;
        let status = top.find(".SH \"EXIT STATUS\"").expect(top);
        let examples = top.find(".SH EXAMPLES").expect(top);
        assert!(status < examples);
        assert!(
            top[status..examples].contains("Exit codes:\n.nf\n  0    ok\n  2    usage\n.fi\n"),
            "{top}"
        );
        assert!(
            top[examples..].contains(".nf\n  toy go \\-\\-fast\n.fi\n"),
            "{top}"
        );
    }

    #[test]
    fn each_shell_gets_its_usual_file_name() {
        let names: Vec<_> = Kind::ALL[1..]
            .iter()
            .map(|&k| {
                let f = files(&toy(), k);
                assert_eq!(f.len(), 1);
                assert!(f[0].contents.contains("toy"), "{k:?}");
                f[0].name.clone()
            })
            .collect();
        assert_eq!(
            names,
            ["toy.bash", "_toy", "toy.fish", "toy.elv", "_toy.ps1"]
        );
    }

    #[test]
    fn other_command_lines_are_left_to_the_binary() {
        assert_eq!(handle_args(&["toy", "go", "--fast"]), None);
    }

    #[test]
    fn generate_writes_into_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("man");
        let code = handle_args(&["toy", "generate", "man", "--dir", out.to_str().unwrap()]);
        assert_eq!(code, Some(ExitCode::SUCCESS));
        let written = std::fs::read_to_string(out.join("toy-go.1")).unwrap();
        assert_eq!(written, files(&toy(), Kind::Man)[1].contents);
    }
}
