//! `report.html`: the run report as one self-contained page (inline CSS and SVG, no network).

use std::fmt::Write;

use crate::profile::ColumnProfile;
use crate::report::{RunReport, TableReport};
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
.col .sub{color:#677085;font-size:12px}.pass{color:#167a3a;font-weight:600}.fail{color:#b42318;font-weight:600}
.leak{background:#fdecea}.badge{display:inline-block;background:#b42318;color:#fff;border-radius:4px;padding:0 6px;font-size:12px}
pre{background:#f2f4f7;padding:8px;border-radius:6px;overflow:auto;font-size:12px}code{font-size:12px}
";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

/// Vertical bars (a histogram) as inline SVG.
fn bars(values: &[u64], width: f64, height: f64, color: &str) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let w = width / values.len().max(1) as f64;
    let mut svg = format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for (i, v) in values.iter().enumerate() {
        let h = (*v as f64 / max) * (height - 2.0);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{v}</title></rect>",
            i as f64 * w + 0.5,
            height - h,
            (w - 1.0).max(0.5),
            h
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal labelled bars (category counts) as inline SVG.
fn hbars(items: &[(String, u64)], total: u64, width: f64) -> String {
    let row = 16.0;
    let height = row * items.len() as f64;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let label_w = 110.0;
    let mut svg = format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = i as f64 * row;
        let w = (*v as f64 / max) * (width - label_w - 60.0);
        let short: String = label.chars().take(16).collect();
        let share = if total > 0 {
            *v as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#4f7cc7\"><title>{}: {v}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#677085\">{share:.1}%</text>",
            label_w - 4.0,
            y + 12.0,
            esc(&short),
            y + 2.0,
            row - 4.0,
            esc(label),
            label_w + w + 4.0,
            y + 12.0
        );
    }
    svg.push_str("</svg>");
    svg
}

fn column_card(c: &ColumnProfile, dates: &DateTimeFormat) -> String {
    let mut s = format!(
        "<div class=\"col\"><b>{}</b> <span class=\"sub\">{}",
        esc(&c.name),
        c.kind
    );
    if c.nulls > 0 {
        let _ = write!(s, ", {} empty", c.nulls);
    }
    s.push_str("</span><br>");
    if let Some(n) = &c.numeric {
        let fmt = |x: f64| {
            if c.kind == "datetime" {
                dates.format(x as i64)
            } else {
                num(x)
            }
        };
        match &n.values {
            Some(values) => {
                let items: Vec<(String, u64)> =
                    values.iter().map(|(v, c)| (v.to_string(), *c)).collect();
                s.push_str(&hbars(&items, c.count, 230.0));
            }
            None => s.push_str(&bars(&n.bins, 230.0, 60.0, "#4f7cc7")),
        }
        let _ = write!(
            s,
            "<div class=\"sub\">min {} · max {}<br>mean {} · std {}</div>",
            fmt(n.min),
            fmt(n.max),
            fmt(n.mean),
            if c.kind == "datetime" {
                format!("{:.1} h", n.std / 3600.0)
            } else {
                num(n.std)
            }
        );
    } else if let Some(t) = c.true_count {
        let share = if c.count > 0 {
            t as f64 / c.count as f64
        } else {
            0.0
        };
        let _ = write!(
            s,
            "<svg width=\"230\" height=\"18\"><rect width=\"230\" height=\"14\" fill=\"#e6e9ef\"/><rect width=\"{:.1}\" height=\"14\" fill=\"#4f7cc7\"/></svg>\
             <div class=\"sub\">true {:.1}% ({t} of {})</div>",
            230.0 * share,
            share * 100.0,
            c.count
        );
    } else if let Some(t) = &c.text {
        if t.complete && t.distinct <= 20 {
            s.push_str(&hbars(&t.top, c.count, 230.0));
        } else {
            let top: Vec<String> = t
                .top
                .iter()
                .take(5)
                .map(|(v, n)| format!("{} ({n})", esc(v)))
                .collect();
            let label = if t.complete { "top" } else { "first values" };
            let _ = write!(s, "<div class=\"sub\">{label}: {}</div>", top.join(", "));
        }
        let _ = write!(
            s,
            "<div class=\"sub\">{}{} distinct</div>",
            if t.complete { "" } else { "more than " },
            t.distinct
        );
    }
    s.push_str("</div>");
    s
}

fn table_section(t: &TableReport, dates: &DateTimeFormat, out: &mut String) {
    let _ = write!(
        out,
        "<h3>{} <span class=\"sub\">{} rows · {} columns</span></h3>",
        esc(&t.name),
        t.rows,
        t.columns
    );
    if !t.strata.is_empty() {
        out.push_str("<table><tr><th>stratum</th><th>condition</th><th>requested</th><th>produced</th><th>satisfying pairs</th><th>acceptance</th><th>method</th></tr>");
        for st in &t.strata {
            let sat = if st.exact {
                format!("{}", st.satisfying as u64)
            } else {
                format!("≈ {:.3e}", st.satisfying)
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{sat}</td><td class=\"num\">{:.4}%</td><td>{}</td></tr>",
                esc(&st.name),
                esc(&st.condition),
                st.requested,
                st.produced,
                st.acceptance * 100.0,
                st.method
            );
        }
        out.push_str("</table><br>");
    }
    out.push_str("<div class=\"cols\">");
    for c in &t.profile {
        out.push_str(&column_card(c, dates));
    }
    out.push_str("</div>");
}

/// Renders the report page.
pub fn render(r: &RunReport) -> String {
    let dates = DateTimeFormat::parse("%Y-%m-%d %H:%M").expect("valid format");
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>tutas report: {name}</title><style>{CSS}</style></head><body>\
         <header><h1>{name}</h1><div class=\"meta\">seed {seed} · tutas {version} · scenario SHA-256 <code>{hash}</code> · {secs:.3} s</div></header><main>",
        name = esc(&r.scenario),
        seed = r.seed,
        version = esc(&r.version),
        hash = &r.scenario_sha256,
        secs = r.seconds
    );
    h.push_str("<section><h2>Tables</h2>");
    for t in &r.tables {
        table_section(t, &dates, &mut h);
    }
    h.push_str("</section>");
    if !r.features.is_empty() {
        h.push_str("<section><h2>Features</h2>");
        for t in &r.features {
            table_section(t, &dates, &mut h);
        }
        h.push_str("</section>");
    }
    if !r.checks.is_empty() {
        h.push_str(
            "<section><h2>Checks</h2><table><tr><th>check</th><th>result</th><th>detail</th></tr>",
        );
        for c in &r.checks {
            let (class, word) = if c.passed {
                ("pass", "pass")
            } else {
                ("fail", "FAIL")
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"{class}\">{word}</td><td>{}</td></tr>",
                esc(&c.name),
                esc(&c.detail)
            );
        }
        h.push_str("</table></section>");
    }
    if !r.insights.is_empty() {
        h.push_str("<section><h2>Insights</h2>");
        for i in &r.insights {
            let _ = write!(h, "<h3>{}</h3><pre>{}</pre>", esc(&i.name), esc(&i.table));
        }
        h.push_str("</section>");
    }
    if let Some(sp) = &r.split {
        h.push_str("<section><h2>Split</h2><table><tr><th>part</th><th>rows</th>");
        let classes: Vec<&String> = sp.train.classes.keys().collect();
        for c in &classes {
            let _ = write!(h, "<th>class {}</th>", esc(c));
        }
        h.push_str("</tr>");
        for (name, part) in [("train", &sp.train), ("test", &sp.test)] {
            let _ = write!(h, "<tr><td>{name}</td><td class=\"num\">{}</td>", part.rows);
            for c in &classes {
                let n = part.classes.get(*c).copied().unwrap_or(0);
                let _ = write!(
                    h,
                    "<td class=\"num\">{n} ({:.1}%)</td>",
                    n as f64 * 100.0 / part.rows.max(1) as f64
                );
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
        if !sp.scalers.is_empty() {
            h.push_str("<h3>Standardisation (fitted on the training rows)</h3><table><tr><th>column</th><th>mean</th><th>std</th></tr>");
            for s in &sp.scalers {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&s.column),
                    s.mean,
                    s.std
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</section>");
    }
    if let Some(a) = &r.audit {
        h.push_str("<section><h2>Leakage audit</h2>");
        let _ = write!(
            h,
            "<p>{} · all features: accuracy {:.3}, balanced accuracy {:.3} · always the majority class: accuracy {:.3}</p>",
            esc(&a.model),
            a.baseline.accuracy,
            a.baseline.balanced_accuracy,
            a.majority_accuracy
        );
        if a.leaks.is_empty() {
            h.push_str("<p class=\"pass\">No feature alone predicts the target.</p>");
        } else {
            let _ = write!(
                h,
                "<p><span class=\"badge\">suspected leaks</span> {}</p>",
                esc(&a.leaks.join(", "))
            );
        }
        h.push_str("<table><tr><th>feature alone</th><th>balanced accuracy</th><th>why</th></tr>");
        for f in &a.features {
            let _ = write!(
                h,
                "<tr{}><td>{}</td><td class=\"num\">{:.3}</td><td>{}</td></tr>",
                if f.leak { " class=\"leak\"" } else { "" },
                esc(&f.feature),
                f.score.balanced_accuracy,
                esc(f.reason.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</table></section>");
    }
    h.push_str("<section><h2>Timing</h2><table><tr><th>stage</th><th>rows</th><th>bytes</th><th>seconds</th><th>rows/s</th></tr>");
    for t in &r.timings {
        let rate = t.rows_per_second();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{rate:.0}</td></tr>",
            esc(&t.stage),
            t.rows,
            crate::analyze::human_bytes(t.bytes as f64),
            t.seconds
        );
    }
    h.push_str("</table></section><section><h2>Files</h2><table><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr>");
    for f in &r.files {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            esc(&f.path),
            f.bytes,
            f.sha256
        );
    }
    h.push_str("</table></section></main></body></html>\n");
    h
}
