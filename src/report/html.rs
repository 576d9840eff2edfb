//! `report.html`: the run report as one self-contained page (inline CSS and SVG, no network).
//!
//! The page is built with `maud`, which escapes every interpolated value: names, values and
//! conditions from a scenario render as text, whatever they contain.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{
    Audit, CheckResult, ColumnProfile, FileReport, InsightResult, RunReport, SplitReport,
    StageTiming, TableReport, human_bytes,
};
use crate::time::DateTimeFormat;

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2b4f;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
header .meta{opacity:.85;font-size:13px}main{padding:12px 32px 40px;max-width:1400px}
section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 12px}h3{font-size:15px;margin:18px 0 8px}
table{border-collapse:collapse;font-size:13px}td,th{padding:4px 10px;border-bottom:1px solid #eceef2;text-align:left}
th{background:#f2f4f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cols{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.col{border:1px solid #eceef2;border-radius:6px;padding:8px 10px}.col b{font-size:13px}
.sub{color:#677085;font-size:12px}.pass{color:#167a3a;font-weight:600}.fail{color:#b42318;font-weight:600}
.leak{background:#fdecea}.badge{display:inline-block;background:#b42318;color:#fff;border-radius:4px;padding:0 6px;font-size:12px}
pre{background:#f2f4f7;padding:8px;border-radius:6px;overflow:auto;font-size:12px}code{font-size:12px}
";

/// Width of a column card's charts, in pixels.
const CHART_WIDTH: f64 = 230.0;

/// A number for people: whole numbers as such, others with a few decimals.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

/// A share of a total, in percent.
fn percent(n: u64, total: u64) -> f64 {
    if total > 0 {
        n as f64 * 100.0 / total as f64
    } else {
        0.0
    }
}

/// Vertical bars (a histogram) as inline SVG.
fn bars(values: &[u64], height: f64) -> Markup {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let w = CHART_WIDTH / values.len().max(1) as f64;
    html! {
        svg width=(CHART_WIDTH) height=(height) viewBox={"0 0 " (CHART_WIDTH) " " (height)} role="img" {
            @for (i, v) in values.iter().enumerate() {
                @let h = (*v as f64 / max) * (height - 2.0);
                rect x=(format!("{:.1}", i as f64 * w + 0.5)) y=(format!("{:.1}", height - h))
                    width=(format!("{:.1}", (w - 1.0).max(0.5))) height=(format!("{h:.1}")) fill="#4f7cc7" {
                    title { (v) }
                }
            }
        }
    }
}

/// Horizontal labelled bars (category counts) as inline SVG.
fn labelled_bars(items: &[(String, u64)], total: u64) -> Markup {
    let row = 16.0;
    let height = row * items.len() as f64;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let label_w = 110.0;
    html! {
        svg width=(CHART_WIDTH) height=(height) viewBox={"0 0 " (CHART_WIDTH) " " (height)} role="img" {
            @for (i, (label, v)) in items.iter().enumerate() {
                @let y = i as f64 * row;
                @let w = (*v as f64 / max) * (CHART_WIDTH - label_w - 60.0);
                text x=(label_w - 4.0) y=(format!("{:.1}", y + 12.0)) font-size="11" text-anchor="end" {
                    (label.chars().take(16).collect::<String>())
                }
                rect x=(label_w) y=(format!("{:.1}", y + 2.0)) width=(format!("{w:.1}")) height=(format!("{:.1}", row - 4.0)) fill="#4f7cc7" {
                    title { (label) ": " (v) }
                }
                text x=(format!("{:.1}", label_w + w + 4.0)) y=(format!("{:.1}", y + 12.0)) font-size="11" fill="#677085" {
                    (format!("{:.1}%", percent(*v, total)))
                }
            }
        }
    }
}

fn column_card(c: &ColumnProfile, dates: &DateTimeFormat) -> Markup {
    let value = |x: f64| {
        if c.kind == "datetime" {
            dates.format(x as i64)
        } else {
            num(x)
        }
    };
    html! {
        div.col {
            b { (c.name) } " "
            span.sub { (c.kind) @if c.nulls > 0 { ", " (c.nulls) " empty" } }
            br;
            @if let Some(n) = &c.numeric {
                @match &n.values {
                    Some(values) => (labelled_bars(&values.iter().map(|(v, k)| (v.to_string(), *k)).collect::<Vec<_>>(), c.count)),
                    None => (bars(&n.bins, 60.0)),
                }
                div.sub {
                    "min " (value(n.min)) " · max " (value(n.max)) br;
                    "mean " (value(n.mean)) " · std "
                    @if c.kind == "datetime" { (format!("{:.1} h", n.std / 3600.0)) } @else { (num(n.std)) }
                }
            } @else if let Some(t) = c.true_count {
                @let share = percent(t, c.count);
                svg width=(CHART_WIDTH) height="18" {
                    rect width=(CHART_WIDTH) height="14" fill="#e6e9ef" {}
                    rect width=(format!("{:.1}", CHART_WIDTH * share / 100.0)) height="14" fill="#4f7cc7" {}
                }
                div.sub { (format!("true {share:.1}% ({t} of {})", c.count)) }
            } @else if let Some(t) = &c.text {
                @if t.complete && t.distinct <= 20 {
                    (labelled_bars(&t.top, c.count))
                } @else {
                    div.sub {
                        (if t.complete { "top" } else { "first values" }) ": "
                        (t.top.iter().take(5).map(|(v, n)| format!("{v} ({n})")).collect::<Vec<_>>().join(", "))
                    }
                }
                div.sub { @if !t.complete { "more than " } (t.distinct) " distinct" }
            }
        }
    }
}

fn table_section(t: &TableReport, dates: &DateTimeFormat) -> Markup {
    html! {
        h3 { (t.name) " " span.sub { (t.rows) " rows · " (t.columns) " columns" } }
        @if !t.mess.is_empty() {
            table {
                tr { th { "mess" } th { "column" } th { "share" } th { "rows changed" } }
                @for m in &t.mess {
                    tr {
                        td { (m.effect) }
                        td { (m.column.as_deref().unwrap_or("(whole rows)")) }
                        td.num { (m.share) }
                        td.num { (m.rows) }
                    }
                }
            }
            br;
        }
        @if !t.strata.is_empty() {
            table {
                tr { th { "stratum" } th { "condition" } th { "requested" } th { "produced" } th { "satisfying pairs" } th { "acceptance" } th { "method" } }
                @for st in &t.strata {
                    tr {
                        td { (st.name) }
                        td { code { (st.condition) } }
                        td.num { (st.requested) }
                        td.num { (st.produced) }
                        td.num { @if st.exact { (st.satisfying as u64) } @else { (format!("≈ {:.3e}", st.satisfying)) } }
                        td.num { (format!("{:.4}%", st.acceptance * 100.0)) }
                        td { (st.method) @if !st.detail.is_empty() { br; span.sub { (st.detail) } } }
                    }
                }
            }
            br;
        }
        div.cols { @for c in &t.profile { (column_card(c, dates)) } }
    }
}

fn checks_section(checks: &[CheckResult]) -> Markup {
    html! {
        section {
            h2 { "Checks" }
            table {
                tr { th { "check" } th { "result" } th { "detail" } }
                @for c in checks {
                    tr {
                        td { (c.name) }
                        @if c.passed { td.pass { "pass" } } @else { td.fail { "FAIL" } }
                        td { (c.detail) }
                    }
                }
            }
        }
    }
}

fn insights_section(insights: &[InsightResult]) -> Markup {
    html! {
        section {
            h2 { "Insights" }
            @for i in insights { h3 { (i.name) } pre { (i.table) } }
        }
    }
}

fn split_section(sp: &SplitReport) -> Markup {
    let classes: Vec<&String> = sp.train.classes.keys().collect();
    html! {
        section {
            h2 { "Split" }
            @if !sp.method.is_empty() { p { (sp.method) } }
            table {
                tr { th { "part" } th { "rows" } @for c in &classes { th { "class " (c) } } }
                @for (name, part) in [("train", &sp.train), ("test", &sp.test)] {
                    tr {
                        td { (name) }
                        td.num { (part.rows) }
                        @for c in &classes {
                            @let n = part.classes.get(*c).copied().unwrap_or(0);
                            td.num { (n) (format!(" ({:.1}%)", percent(n as u64, part.rows as u64))) }
                        }
                    }
                }
            }
            @if !sp.scalers.is_empty() {
                h3 { "Standardisation (fitted on the training rows)" }
                table {
                    tr { th { "column" } th { "mean" } th { "std" } }
                    @for s in &sp.scalers { tr { td { (s.column) } td.num { (s.mean) } td.num { (s.std) } } }
                }
            }
            @if !sp.imputed.is_empty() {
                h3 { "Imputation (fitted on the training rows)" }
                table {
                    tr { th { "column" } th { "strategy" } th { "value" } th { "empty in train" } th { "empty in test" } th { "indicator" } }
                    @for i in &sp.imputed {
                        tr {
                            td { (i.column) } td { (i.strategy) } td { (i.value.to_string()) }
                            td.num { (i.missing_train) } td.num { (i.missing_test) }
                            td { (i.indicator.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

fn audit_section(a: &Audit) -> Markup {
    html! {
        section {
            h2 { "Leakage audit" }
            p {
                (a.model) " · all features: "
                (format!("accuracy {:.3}, balanced accuracy {:.3}", a.baseline.accuracy, a.baseline.balanced_accuracy))
                (format!(" · always the majority class: accuracy {:.3}", a.majority_accuracy))
            }
            @if let Some(caveat) = &a.caveat {
                p { span.badge { "not meaningful" } " " (caveat) }
            } @else if a.leaks.is_empty() {
                p.pass { "No feature alone predicts the target." }
            } @else {
                p { span.badge { "suspected leaks" } " " (a.leaks.join(", ")) }
            }
            table {
                tr { th { "feature alone" } th { "balanced accuracy" } th { "why" } }
                @for f in &a.features {
                    tr class=[f.leak.then_some("leak")] {
                        td { (f.feature) }
                        td.num { (format!("{:.3}", f.score.balanced_accuracy)) }
                        td { (f.reason.as_deref().unwrap_or("")) }
                    }
                }
            }
            @if !a.overlaps.is_empty() {
                h3 { "Columns left out of X: values in both parts" }
                table {
                    tr { th { "column" } th { "train values" } th { "test values" } th { "in both" } }
                    @for o in &a.overlaps {
                        tr class=[(o.in_both > 0).then_some("leak")] {
                            td { (o.column) }
                            td.num { (o.train_values) }
                            td.num { (o.test_values) }
                            td.num { (o.in_both) }
                        }
                    }
                }
            }
        }
    }
}

fn timing_and_files(timings: &[StageTiming], files: &[FileReport]) -> Markup {
    html! {
        section {
            h2 { "Timing" }
            table {
                tr { th { "stage" } th { "rows" } th { "bytes" } th { "seconds" } th { "rows/s" } }
                @for t in timings {
                    tr {
                        td { (t.stage) }
                        td.num { (t.rows) }
                        td.num { (human_bytes(t.bytes as f64)) }
                        td.num { (format!("{:.3}", t.seconds)) }
                        td.num { (format!("{:.0}", t.rows_per_second())) }
                    }
                }
            }
        }
        section {
            h2 { "Files" }
            table {
                tr { th { "file" } th { "bytes" } th { "BLAKE3" } }
                @for f in files { tr { td { (f.path) } td.num { (f.bytes) } td { code { (f.blake3) } } } }
            }
        }
    }
}

/// Renders the report page.
pub fn render(r: &RunReport) -> String {
    let dates = DateTimeFormat::parse("%Y-%m-%d %H:%M").expect("valid format");
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "tutas report: " (r.scenario) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (r.scenario) }
                    div.meta {
                        "seed " (r.seed) " · tutas " (r.version) " · scenario SHA-256 "
                        code { (r.scenario_sha256) } (format!(" · {:.3} s", r.seconds))
                    }
                }
                main {
                    @if !r.warnings.is_empty() {
                        section { h2 { "Warnings" } @for w in &r.warnings { p { span.badge { "warning" } " " (w) } } }
                    }
                    section { h2 { "Tables" } @for t in &r.tables { (table_section(t, &dates)) } }
                    @if !r.features.is_empty() {
                        section { h2 { "Features" } @for t in &r.features { (table_section(t, &dates)) } }
                    }
                    @if !r.checks.is_empty() { (checks_section(&r.checks)) }
                    @if !r.insights.is_empty() { (insights_section(&r.insights)) }
                    @if let Some(sp) = &r.split { (split_section(sp)) }
                    @if let Some(a) = &r.audit { (audit_section(a)) }
                    (timing_and_files(&r.timings, &r.files))
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}
