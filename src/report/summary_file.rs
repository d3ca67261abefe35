//! The GitHub Actions step summary: [`append_step_summary`] appends a report's Markdown — the
//! `report.md` text, redacted and inert — to the file `$GITHUB_STEP_SUMMARY` names, when that
//! variable is set and not empty (appended, as GitHub expects of a step that writes it more
//! than once; created if missing). GitHub takes at most [`STEP_SUMMARY_CAP`] bytes of one
//! step's summary: a longer report is shortened by [`fit`] to its header and the verdict table
//! of every suite, and a line saying the evidence was left out and where `report.md` is. A file
//! that cannot be written costs one warning line on stderr, never the run or its exit code.

use super::Report;
use super::inert::{markdown_code, visible};
use std::io::Write;
use std::path::Path;

/// The variable GitHub Actions names the step summary file in.
pub const STEP_SUMMARY_ENV: &str = "GITHUB_STEP_SUMMARY";

/// The most bytes GitHub shows of one step's summary (1 MiB).
pub const STEP_SUMMARY_CAP: usize = 1024 * 1024;

/// Append `report`'s Markdown (its files in `dir`, if written) to `$GITHUB_STEP_SUMMARY` when
/// it is set and not empty; a failure is one warning line on stderr.
pub fn append_step_summary(report: &Report, dir: Option<&Path>) {
    let Some(file) = std::env::var_os(STEP_SUMMARY_ENV).filter(|v| !v.is_empty()) else {
        return;
    };
    let path = Path::new(&file);
    if let Err(e) = append(path, report, dir) {
        eprintln!(
            "dealer-tck: warning: the report was not added to the step summary ${STEP_SUMMARY_ENV} ({}): {}",
            visible(&path.display().to_string()),
            visible(&e.to_string())
        );
    }
}

/// Append to `path` what fits in the room its earlier content leaves under the cap.
fn append(path: &Path, report: &Report, dir: Option<&Path>) -> std::io::Result<()> {
    let held = std::fs::metadata(path).map_or(0, |m| m.len());
    let room = STEP_SUMMARY_CAP.saturating_sub(usize::try_from(held).unwrap_or(usize::MAX));
    let text = fit(report, dir, room);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The Markdown to add to a step summary with `room` bytes left: the whole report when it fits;
/// else its header and verdict tables (cut after a whole line if even they do not fit) and a
/// closing line naming `report.md` in `dir`; nothing when not even that line fits.
pub(crate) fn fit(report: &Report, dir: Option<&Path>, room: usize) -> String {
    let full = report.to_markdown();
    if full.len() <= room {
        return full;
    }
    let whole = match dir {
        Some(d) => format!(
            "the whole report is {}",
            markdown_code(&d.join("report.md").display().to_string())
        ),
        None => "the whole report is the run's `report.md`".to_string(),
    };
    let tables = report
        .redactor
        .redact(&super::markdown::render_tables(report));
    let note =
        |what: &str| format!("\n_{what} left out: a step summary holds at most 1 MiB; {whole}._\n");
    let evidence_only = note("The evidence is");
    if tables.len() + evidence_only.len() <= room {
        return format!("{tables}{evidence_only}");
    }
    let more = note("The evidence and the rest of the tables are");
    let Some(keep) = room.checked_sub(more.len()) else {
        return String::new();
    };
    // Whole lines only ('\n' is one byte of UTF-8, so the cut is a character boundary).
    let end = tables.as_bytes()[..keep]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    format!("{}{more}", &tables[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ClauseResult, Detail, SuiteReport, Verdict, sample_report};
    use crate::spec::catalogue::Level;

    /// A report of one suite with a passing clause and a failing one whose evidence is
    /// `evidence` bytes long.
    fn report(evidence: usize) -> Report {
        let result = |clause: &str, verdict: Verdict, details: Vec<Detail>| ClauseResult {
            clause: clause.into(),
            level: Level::Must,
            text: format!("rule of {clause}"),
            source: "seed".into(),
            transport: "mcp".into(),
            verdict,
            evaluations: 1,
            passed: usize::from(verdict == Verdict::Pass),
            details,
            counterexample: None,
            tally: None,
        };
        let long = Detail::new("case-1", "check", "x".repeat(evidence));
        sample_report(vec![SuiteReport {
            suite: "t".into(),
            title: "Suite T".into(),
            version: "1".into(),
            results: vec![
                result("T-001", Verdict::Pass, vec![]),
                result("T-002", Verdict::Fail, vec![long]),
            ],
        }])
    }

    #[test]
    fn a_report_that_fits_is_added_whole() {
        let r = report(100);
        assert_eq!(fit(&r, None, STEP_SUMMARY_CAP), r.to_markdown());
    }

    #[test]
    fn a_report_over_1_mib_keeps_its_tables_and_names_report_md() {
        let r = report(2 * STEP_SUMMARY_CAP);
        assert!(r.to_markdown().len() > STEP_SUMMARY_CAP);
        let dir = Path::new("reports/run-1");
        let s = fit(&r, Some(dir), STEP_SUMMARY_CAP);
        assert!(s.len() <= STEP_SUMMARY_CAP, "{}", s.len());
        assert!(
            s.starts_with("# dealer-tck conformance report `r`\n"),
            "{s}"
        );
        assert!(s.contains("## Suite T (v1)"), "{s}");
        assert!(s.contains("| T-001 | MUST | PASS | rule of T-001 |"), "{s}");
        assert!(s.contains("| T-002 | MUST | FAIL | rule of T-002 |"), "{s}");
        assert!(!s.contains("### Evidence") && !s.contains("xxx"), "{s}");
        assert!(
            s.ends_with(
                "\n_The evidence is left out: a step summary holds at most 1 MiB; the whole report is `reports/run-1/report.md`._\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn with_little_room_left_the_tables_are_cut_after_a_whole_line() {
        let r = report(2 * STEP_SUMMARY_CAP);
        let tables = r
            .redactor
            .redact(&crate::report::markdown::render_tables(&r));
        let more = "\n_The evidence and the rest of the tables are left out: a step summary holds at most 1 MiB; the whole report is the run's `report.md`._\n";
        let row = "| T-001 | MUST | PASS | rule of T-001 |\n";
        let at = tables.find(row).expect("the first row");
        // Room for everything before the first row and the closing line, not for the row.
        let s = fit(&r, None, at + row.len() - 1 + more.len());
        assert_eq!(s, format!("{}{more}", &tables[..at]));
        // No room for the closing line: nothing at all.
        assert_eq!(fit(&r, None, more.len() - 1), "");
    }

    #[test]
    fn appending_keeps_what_the_file_held_and_counts_it_against_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("summary.md");
        let earlier = "y".repeat(STEP_SUMMARY_CAP - 1000) + "\n";
        std::fs::write(&path, &earlier).expect("write");
        let r = report(5000);
        append(&path, &r, None).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(&earlier));
        assert!(text.len() <= STEP_SUMMARY_CAP, "{}", text.len());
        assert!(text[earlier.len()..].starts_with("# dealer-tck conformance report"));
        assert!(text.ends_with("report.md`._\n"), "{text}");
    }
}
