//! Statistics and Markdown tables for the benchmark's output (the tables
//! paste into `docs/benchmarks.md` unchanged).

/// The median (mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// The arithmetic mean; NaN when empty.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// A Markdown table.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.headers.len(), "row width");
        self.rows.push(cells);
    }

    /// The table as aligned Markdown (numbers right-aligned).
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(self.headers[i].chars().count()))
                    .max()
                    .unwrap_or(0)
                    .max(3)
            })
            .collect();
        let numeric: Vec<bool> = (0..self.headers.len())
            .map(|i| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|r| {
                        r[i].chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '(')
                    })
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if numeric[i] {
                        format!("{c:>w$}", w = widths[i])
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect();
            format!("| {} |", parts.join(" | "))
        };
        let mut out = line(&self.headers);
        out.push('\n');
        let rule: Vec<String> = widths
            .iter()
            .zip(&numeric)
            .map(|(w, n)| {
                if *n {
                    format!("{}:", "-".repeat(w - 1))
                } else {
                    "-".repeat(*w)
                }
            })
            .collect();
        out.push_str(&format!("| {} |", rule.join(" | ")));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

/// A number with `digits` decimals.
pub fn num(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "-".to_string()
    } else {
        format!("{v:.digits$}")
    }
}

/// A ratio `a / b` as `0.93x`.
pub fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 || a.is_nan() || b.is_nan() {
        "-".to_string()
    } else {
        format!("{:.2}x", a / b)
    }
}
