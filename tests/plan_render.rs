//! Snapshots of every plan format for a hand-built fleet, the Markdown structure, the
//! comment-size limit, and redaction of secrets everywhere.

use crate::plan_support;

use flotilla_core::plan::{Action, PackageFiles, Plan, PlanFile, Step, plan};
use flotilla_core::render::{self, MARKDOWN_LIMIT};
use plan_support::*;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The fleet's plan, with the file lists the workflow adds to code changes: the first
/// compared file by file, the others unavailable.
fn fleet_plan() -> Plan {
    let (m, l, a) = fleet();
    let mut p = plan(&m, &l, &a, CREATED_AT).unwrap();
    let mut first = true;
    for step in p.functions.iter_mut().flat_map(|f| f.steps.iter_mut()) {
        if let Step::UpdateCode { files, .. } = step {
            *files = Some(if first {
                PackageFiles::Diff {
                    added: vec!["lib/new.py".into()],
                    removed: vec!["old.py".into()],
                    changed: vec!["app.py".into(), "lib/util.py".into()],
                }
            } else {
                PackageFiles::Unavailable {
                    reason: "cannot download the live package: the download answered HTTP 403"
                        .into(),
                }
            });
            first = false;
        }
    }
    p
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!("text", render::text(&fleet_plan(), false));
}

#[test]
fn text_colour_only_when_asked() {
    let p = fleet_plan();
    assert!(!render::text(&p, false).contains('\x1b'));
    let coloured = render::text(&p, true);
    assert!(coloured.contains("\x1b[32m+\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[33m~\x1b[0m"), "{coloured}");
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", render::markdown(&fleet_plan()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", render::json(&fleet_plan()));
}

#[test]
fn no_changes_markdown_says_so() {
    let f = function("api");
    let m = model(vec![f.clone()]);
    let p = plan(
        &m,
        &live(vec![(&f, existing(live_info(&f, SHA_A)))]),
        &artifacts(&m, SHA_A),
        CREATED_AT,
    )
    .unwrap();
    let md = render::markdown(&p);
    assert!(
        md.contains("**0 to create, 0 to update, 1 unchanged**"),
        "{md}"
    );
    assert!(md.contains("No changes."), "{md}");
    assert!(
        render::text(&p, false)
            .contains("= function api (api-staging, 111111111111/eu-north-1) is up to date")
    );
}

/// What a Markdown document contains, by structure rather than by text.
#[derive(Debug, Default)]
struct Structure {
    headings: Vec<String>,
    tables: usize,
    /// Rows per table, header excluded.
    table_rows: Vec<usize>,
    details_open: usize,
    details_close: usize,
    summaries: Vec<String>,
}

fn structure(md: &str) -> Structure {
    let mut s = Structure::default();
    let mut in_heading = false;
    let mut in_head_row = false;
    let mut parser_opts = pulldown_cmark::Options::empty();
    parser_opts.insert(pulldown_cmark::Options::ENABLE_TABLES);
    for event in Parser::new_ext(md, parser_opts) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                s.headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if in_heading => {
                s.headings.last_mut().unwrap().push_str(&t)
            }
            Event::Start(Tag::Table(_)) => {
                s.tables += 1;
                s.table_rows.push(0);
            }
            Event::Start(Tag::TableHead) => in_head_row = true,
            Event::End(TagEnd::TableHead) => in_head_row = false,
            Event::Start(Tag::TableRow) if !in_head_row => *s.table_rows.last_mut().unwrap() += 1,
            Event::Html(h) | Event::InlineHtml(h) => {
                s.details_open += h.matches("<details>").count();
                s.details_close += h.matches("</details>").count();
                if let Some(start) = h.find("<summary>") {
                    let end = h.find("</summary>").unwrap_or(h.len());
                    s.summaries.push(h[start + 9..end].to_owned());
                }
            }
            _ => {}
        }
    }
    s
}

#[test]
fn markdown_structure() {
    let md = render::markdown(&fleet_plan());
    let s = structure(&md);
    assert_eq!(s.headings, ["Flotilla plan: staging"]);
    // Summary table with the two changed functions, then one table per details block.
    assert_eq!(s.tables, 3, "{md}");
    assert_eq!(s.table_rows[0], 2);
    assert_eq!(s.details_open, 2);
    assert_eq!(s.details_close, 2);
    assert!(
        s.summaries[0].contains("<code>auth</code>: create"),
        "{:?}",
        s.summaries
    );
    assert!(
        s.summaries[1].contains("<code>contact-form</code>: update"),
        "{:?}",
        s.summaries
    );
    // Each details table has one row per field line.
    let p = fleet_plan();
    let update_lines = flotilla_core::render::lines::function_lines(&p.functions[1]).len();
    assert_eq!(s.table_rows[2], update_lines);
}

#[test]
fn markdown_of_a_huge_fleet_stays_under_the_comment_limit() {
    let functions: Vec<_> = (0..5000)
        .map(|i| {
            let mut f = function(&format!("fn-{i:04}"));
            f.config
                .environment
                .insert("LOG_LEVEL".into(), "debug".into());
            f
        })
        .collect();
    let m = model(functions);
    let live = live(
        m.functions
            .iter()
            .map(|f| (f, existing(live_info(f, SHA_A))))
            .collect(),
    );
    let p = plan(&m, &live, &artifacts(&m, SHA_B), CREATED_AT).unwrap();
    assert!(p.functions.iter().all(|f| f.action == Action::Update));
    let md = render::markdown(&p);
    assert!(
        md.chars().count() <= MARKDOWN_LIMIT,
        "{} chars",
        md.chars().count()
    );
    let s = structure(&md);
    let shown = s.table_rows[0];
    assert!(shown > 50 && shown < 5000, "{shown} rows shown");
    assert_eq!(s.details_open, shown);
    assert_eq!(
        s.details_open, s.details_close,
        "no details block is cut in half"
    );
    let note = format!(
        "**Truncated:** {} of 5000 changed functions are not shown because a comment is limited to 65536 characters.",
        5000 - shown
    );
    assert!(md.contains(&note), "{}", &md[md.len() - 400..]);
    // The summary still counts the whole fleet.
    assert!(md.contains("**0 to create, 5000 to update, 0 unchanged**"));
}

#[test]
fn secrets_never_appear_in_any_rendering_nor_the_plan_file() {
    let p = fleet_plan();
    let json = PlanFile::to_json(&p);
    let outputs = [
        ("text", render::text(&p, false)),
        ("text+colour", render::text(&p, true)),
        ("markdown", render::markdown(&p)),
        ("json", render::json(&p)),
        ("plan file", json.clone()),
        ("debug", format!("{p:?}")),
    ];
    for (name, out) in &outputs {
        for secret in [SECRET, NEW_SECRET] {
            assert!(!out.contains(secret), "{name} leaks a secret");
            // Not even a fragment long enough to identify it.
            assert!(
                !out.contains(&secret[..12]),
                "{name} leaks part of a secret"
            );
        }
        assert!(
            out.to_lowercase().contains("sensitive"),
            "{name} shows no redaction marker"
        );
    }
    // The sensitive values are referenced by source instead.
    assert!(
        json.contains("\"from_env\": \"CONTACT_API_TOKEN\""),
        "{json}"
    );
    assert!(json.contains("\"from_env\": \"AUTH_JWT_KEY\""), "{json}");
}
