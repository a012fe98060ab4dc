//! Reading order from positions. pdfium gives a page's text in the order
//! its producer drew it. Word processors and browsers draw in reading
//! order, so that order is kept; but design tools and some PDF libraries
//! draw a two-column page row by row across both columns (or the sidebar
//! last, line by line between the main column's), and read in that order
//! a sidebar's skills land inside a job's bullets. This module finds such
//! a page from its runs' positions and reads it column by column.
//!
//! A run is a piece of one line as pdfium gives it, ended by a line break
//! or a column gap. Runs are grouped into rows by their vertical overlap;
//! a *gutter* is an x-interval no row crosses over a stretch of rows with
//! text on both sides. The stretch is read column by column only when the
//! drawing order jumps between its sides and the two sides are not a
//! table: a margin column of dates or section labels (sparse, or
//! right-aligned, each beside the line it belongs to) and a table (its
//! sides' lines lined up) are read row by row. A page drawn in no order
//! at all is rebuilt row by row.

/// One piece of a line: its text and where it sits (PDF points, y up).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub text: String,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
    /// Font size of its first glyph.
    pub size: f32,
}

impl Run {
    fn height(&self) -> f32 {
        (self.top - self.bottom).max(0.1)
    }
}

/// The narrowest blank band between two columns, in points.
const MIN_GUTTER: f32 = 9.0;
/// Fewest rows a two-column stretch spans.
const MIN_STRETCH_ROWS: usize = 6;
/// Fewest rows with text on each side of a gutter.
const MIN_SIDE_ROWS: usize = 3;
/// A side filled on fewer of the rows it spans is a margin column
/// (dates, section labels) read row by row.
const MIN_SIDE_DENSITY: f32 = 0.5;
/// Rows with text on both sides whose two sides share a baseline, as a
/// share of all such rows, from which two columns are a table (read row
/// by row).
const TABLE_SHARE: f32 = 0.7;
/// Fewer jumps between the sides in drawing order: already column by
/// column, read as drawn.
const MAX_ORDERED_SWITCHES: usize = 3;
/// Steps back up the page in drawing order, as a share of a stretch's
/// runs, beyond which the stretch was not drawn row by row.
const MAX_CLIMB_SHARE: f32 = 0.05;
/// Runs of one row closer than this many font sizes are one word (a
/// capital drawn apart from the rest of its word).
const WORD_GAP_EM: f32 = 0.12;
/// Steps back up the page, as a share of the page's runs, beyond which it
/// was drawn in no reading order at all.
const MAX_SCATTER_SHARE: f32 = 0.25;
/// A gap between two words of one line wider than this many font sizes
/// is a column gap (a right-aligned date, a city at the margin, a table's
/// next cell; a tab in the text), not a word space (about a third of it).
pub const COLUMN_GAP_EM: f32 = 1.5;

/// The page's text in reading order when the drawing order is not it
/// (see the module's documentation), `None` when the drawing order stands.
pub fn reorder(runs: &[Run]) -> Option<String> {
    if runs.len() < MIN_STRETCH_ROWS * 2 {
        return None;
    }
    // Drawn in no order at all (word by word, scattered): nothing of the
    // drawing order is kept, every line is rebuilt from positions.
    let scattered = climbs(runs, 0..runs.len()) as f32 > MAX_SCATTER_SHARE * runs.len() as f32;
    let rows = rows(runs);
    let mut out = String::new();
    let mut changed = scattered;
    let mut start = 0;
    while start < rows.len() {
        match two_columns(runs, &rows[start..], scattered) {
            Some((first, last, split)) => {
                let (first, last) = (start + first, start + last);
                for row in &rows[start..first] {
                    push_row(&mut out, runs, row);
                }
                // Each side's lines are rebuilt on their own: a name in
                // large type beside two lines of the other column is not
                // one row with them.
                for left in [true, false] {
                    let side = rows[first..=last]
                        .iter()
                        .flatten()
                        .copied()
                        .filter(|&i| (runs[i].right <= split) == left);
                    for row in rows_of(runs, side) {
                        push_row(&mut out, runs, &row);
                    }
                }
                changed = true;
                start = last + 1;
            }
            None => {
                for row in &rows[start..] {
                    push_row(&mut out, runs, row);
                }
                break;
            }
        }
    }
    changed.then_some(out)
}

/// Steps back up the page between consecutive runs (in drawing order).
fn climbs(runs: &[Run], drawn: impl IntoIterator<Item = usize>) -> usize {
    let drawn: Vec<usize> = drawn.into_iter().collect();
    drawn
        .windows(2)
        .filter(|w| runs[w[1]].bottom > runs[w[0]].top)
        .count()
}

/// What starts a line printed as the page's title.
pub const TITLE_MARK: &str = "# ";
/// How much larger than the page's body text its title is printed, at least.
const TITLE_SCALE: f32 = 1.3;

/// The runs printed largest on the page (in order), when that is clearly
/// larger than its body text (the size most of its characters have): on
/// a resume's first page, the person's name. None on a page printed in
/// one size, or when more than three runs share the largest size (a page
/// of large type, not a title).
pub fn title_runs(runs: &[Run]) -> Vec<usize> {
    let mut sizes: Vec<(f32, usize)> = runs.iter().map(|r| (r.size, r.text.len())).collect();
    sizes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: usize = sizes.iter().map(|s| s.1).sum();
    let mut seen = 0;
    let body = sizes
        .iter()
        .find(|s| {
            seen += s.1;
            seen * 2 >= total
        })
        .map_or(0.0, |s| s.0);
    let largest = sizes.last().map_or(0.0, |s| s.0);
    if body <= 0.0 || largest < TITLE_SCALE * body {
        return Vec::new();
    }
    let title: Vec<usize> = (0..runs.len())
        .filter(|&i| runs[i].size >= largest - 0.5 && runs[i].text.chars().any(char::is_alphabetic))
        .collect();
    if title.len() > 3 {
        return Vec::new();
    }
    title
}

/// Runs grouped into rows, top to bottom; each row's runs in stream order.
fn rows(runs: &[Run]) -> Vec<Vec<usize>> {
    rows_of(runs, 0..runs.len())
}

/// Some runs grouped into rows: a run joins the row above when it overlaps
/// the row's first (tallest-topped) run by half its own height or more.
fn rows_of(runs: &[Run], members: impl IntoIterator<Item = usize>) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = members.into_iter().collect();
    order.sort_by(|&a, &b| runs[b].top.total_cmp(&runs[a].top));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for i in order {
        let r = &runs[i];
        let joined = rows.last_mut().filter(|row| {
            let anchor = &runs[row[0]];
            let overlap = anchor.top.min(r.top) - anchor.bottom.max(r.bottom);
            overlap >= 0.5 * r.height().min(anchor.height())
        });
        match joined {
            Some(row) => row.push(i),
            None => rows.push(vec![i]),
        }
    }
    for row in &mut rows {
        // The anchor first decided the row; now drawing order.
        row.sort_unstable();
    }
    rows
}

/// The longest stretch of `rows` (first and last index) read column by
/// column, and the x that splits it.
fn two_columns(runs: &[Run], rows: &[Vec<usize>], scattered: bool) -> Option<(usize, usize, f32)> {
    let left_edge = rows
        .iter()
        .flatten()
        .map(|&i| runs[i].left)
        .fold(f32::MAX, f32::min);
    let right_edge = rows
        .iter()
        .flatten()
        .map(|&i| runs[i].right)
        .fold(f32::MIN, f32::max);
    let mut best: Option<(usize, usize, f32)> = None;
    for first in 0..rows.len() {
        if best.is_some_and(|(a, b, _)| b - a + 1 >= rows.len() - first) {
            break;
        }
        let mut free = vec![(left_edge, right_edge)];
        for last in first..rows.len() {
            for &i in &rows[last] {
                free = subtract(&free, runs[i].left, runs[i].right);
            }
            free.retain(|&(a, b)| b - a >= MIN_GUTTER);
            if free.is_empty() {
                break;
            }
            // Only a band with text on both sides is a gutter.
            let Some(&(a, b)) = free
                .iter()
                .filter(|&&(a, b)| a > left_edge && b < right_edge)
                .max_by(|x, y| (x.1 - x.0).total_cmp(&(y.1 - y.0)))
            else {
                continue;
            };
            let len = last - first + 1;
            if len < MIN_STRETCH_ROWS || best.is_some_and(|(p, q, _)| q - p + 1 >= len) {
                continue;
            }
            let split = (a + b) / 2.0;
            let stretch = &rows[first..=last];
            let side_rows = |left: bool| {
                stretch
                    .iter()
                    .filter(|row| row.iter().any(|&i| (runs[i].right <= split) == left))
                    .count()
            };
            if side_rows(true) >= MIN_SIDE_ROWS && side_rows(false) >= MIN_SIDE_ROWS {
                best = Some((first, last, split));
            }
        }
    }
    let (first, last, split) = best?;
    let stretch = &rows[first..=last];
    let side = |i: usize| runs[i].right <= split;
    // Drawn column by column already?
    let mut drawn: Vec<usize> = stretch.iter().flatten().copied().collect();
    drawn.sort_unstable();
    let switches = drawn
        .windows(2)
        .filter(|w| side(w[0]) != side(w[1]))
        .count();
    // Only a stretch drawn top to bottom across both sides is re-read: a
    // browser draws a margin column's date or place after its entry's
    // lines (a step back up the page for each entry), a design tool draws
    // row by row.
    let climbs = climbs(runs, drawn.iter().copied());
    if !scattered
        && (switches <= MAX_ORDERED_SWITCHES
            || climbs as f32 > MAX_CLIMB_SHARE * drawn.len() as f32)
    {
        return None;
    }
    // A margin column or a table? A column of right-aligned runs (dates,
    // places at the margin) belongs to the lines beside it.
    let right_aligned = |left: bool| {
        let members: Vec<&Run> = drawn
            .iter()
            .filter(|&&i| side(i) == left)
            .map(|&i| &runs[i])
            .collect();
        let edge = members.iter().map(|r| r.right).fold(f32::MIN, f32::max);
        let lefts = members.iter().map(|r| r.left);
        let spread = lefts.clone().fold(f32::MIN, f32::max) - lefts.fold(f32::MAX, f32::min);
        members.len() >= MIN_SIDE_ROWS
            && spread > 4.0
            && members.iter().filter(|r| edge - r.right <= 2.0).count() as f32
                >= 0.8 * members.len() as f32
    };
    if right_aligned(true) || right_aligned(false) {
        return None;
    }
    let filled = |left: bool| -> Vec<bool> {
        stretch
            .iter()
            .map(|row| row.iter().any(|&i| side(i) == left))
            .collect()
    };
    let (l, r) = (filled(true), filled(false));
    let density = |f: &[bool]| {
        let first = f.iter().position(|&x| x).unwrap_or(0);
        let last = f.iter().rposition(|&x| x).unwrap_or(0);
        f.iter().filter(|&&x| x).count() as f32 / (last - first + 1) as f32
    };
    if density(&l) < MIN_SIDE_DENSITY || density(&r) < MIN_SIDE_DENSITY {
        return None;
    }
    // Two columns of lines at different pitches overlap on most rows, but
    // their lines line up only now and then; a table's cells (and a
    // margin column's dates and labels) line up with their row's line, by
    // its baseline or by its top.
    let (mut both, mut aligned) = (0, 0);
    for row in stretch {
        let (lefts, rights): (Vec<usize>, Vec<usize>) = row.iter().partition(|&&i| side(i));
        if lefts.is_empty() || rights.is_empty() {
            continue;
        }
        both += 1;
        if lefts.iter().any(|&a| {
            rights.iter().any(|&b| {
                let (a, b) = (&runs[a], &runs[b]);
                let tolerance = 0.15 * a.size.max(b.size).max(1.0);
                (a.bottom - b.bottom).abs() <= tolerance || (a.top - b.top).abs() <= tolerance
            })
        }) {
            aligned += 1;
        }
    }
    if both > 0 && aligned as f32 >= TABLE_SHARE * both as f32 {
        return None;
    }
    Some((first, last, split))
}

/// `free` intervals with `[a, b]` taken out.
fn subtract(free: &[(f32, f32)], a: f32, b: f32) -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(free.len() + 1);
    for &(x, y) in free {
        if b <= x || a >= y {
            out.push((x, y));
            continue;
        }
        if a > x {
            out.push((x, a));
        }
        if b < y {
            out.push((b, y));
        }
    }
    out
}

/// Appends one row's runs left to right, a tab between runs a column gap
/// apart, a space between words and nothing inside one, then a newline.
fn push_row(out: &mut String, runs: &[Run], row: &[usize]) {
    let mut picked: Vec<&Run> = row.iter().map(|&i| &runs[i]).collect();
    if picked.is_empty() {
        return;
    }
    picked.sort_by(|a, b| a.left.total_cmp(&b.left));
    let mut prev: Option<&Run> = None;
    for r in picked {
        if let Some(p) = prev {
            let gap = r.left - p.right;
            let size = p.size.max(r.size).max(1.0);
            if gap > COLUMN_GAP_EM * size {
                out.push('\t');
            } else if gap > WORD_GAP_EM * size {
                out.push(' ');
            }
        }
        out.push_str(&r.text);
        prev = Some(r);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, left: f32, baseline: f32) -> Run {
        Run {
            text: text.into(),
            left,
            right: left + 5.0 * text.len() as f32,
            top: baseline + 9.0,
            bottom: baseline - 2.0,
            size: 10.0,
        }
    }

    /// A sidebar (x 40–180) and a main column (x 220–560) with different
    /// line pitches, drawn row by row across both.
    fn interleaved() -> Vec<Run> {
        let side: Vec<(String, f32)> = (0..10)
            .map(|k| (format!("side{k}"), 700.0 - 17.0 * k as f32))
            .collect();
        let main: Vec<(String, f32)> = (0..14)
            .map(|k| (format!("main line {k}"), 700.0 - 13.0 * k as f32))
            .collect();
        let mut all: Vec<(String, f32, f32)> = side
            .into_iter()
            .map(|(t, y)| (t, 40.0, y))
            .chain(main.into_iter().map(|(t, y)| (t, 220.0, y)))
            .collect();
        all.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.1.total_cmp(&b.1)));
        let mut runs = vec![run("Ana Costa Ferreira", 40.0, 760.0)];
        runs.extend(all.iter().map(|(t, x, y)| run(t, *x, *y)));
        runs
    }

    #[test]
    fn a_sidebar_drawn_row_by_row_is_read_column_by_column() {
        let text = reorder(&interleaved()).expect("reordered");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Ana Costa Ferreira");
        let expected: Vec<String> = (0..10)
            .map(|k| format!("side{k}"))
            .chain((0..14).map(|k| format!("main line {k}")))
            .collect();
        assert_eq!(
            lines[1..],
            expected.iter().map(String::as_str).collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn columns_drawn_one_after_the_other_stay_as_drawn() {
        let mut runs = interleaved();
        runs[1..].sort_by(|a, b| a.left.total_cmp(&b.left).then(b.top.total_cmp(&a.top)));
        assert_eq!(reorder(&runs), None);
    }

    #[test]
    fn a_margin_column_of_dates_stays_beside_its_lines() {
        let mut runs = vec![];
        for entry in 0..4 {
            let top = 700.0 - 70.0 * entry as f32;
            runs.push(run("2019 – 2021", 40.0, top));
            for line in 0..5 {
                runs.push(run("bullet of the entry", 160.0, top - 13.0 * line as f32));
            }
        }
        assert_eq!(reorder(&runs), None);
    }

    #[test]
    fn right_aligned_dates_and_places_stay_on_their_lines() {
        let mut runs = vec![];
        for entry in 0..3 {
            let top = 700.0 - 60.0 * entry as f32;
            runs.push(run("Example Retail B.V.", 45.0, top));
            let place = run("Amsterdam", 0.0, top + 0.3);
            runs.push(Run {
                left: 560.0 - (place.right - place.left),
                right: 560.0,
                ..place
            });
            runs.push(run("eCommerce Manager", 45.0, top - 12.0));
            let dates = run("Jan '20 – now", 0.0, top - 13.5);
            runs.push(Run {
                left: 560.0 - (dates.right - dates.left),
                right: 560.0,
                ..dates
            });
            for line in 0..3 {
                runs.push(run(
                    "a bullet of the entry",
                    58.0,
                    top - 25.0 - 13.0 * line as f32,
                ));
            }
        }
        assert_eq!(reorder(&runs), None);
    }

    #[test]
    fn a_table_filled_on_both_sides_is_read_row_by_row() {
        let mut runs = vec![];
        for k in 0..10 {
            let y = 700.0 - 14.0 * k as f32;
            runs.push(run("03/2019 – 07/2021", 40.0, y));
            runs.push(run("Engineer at Example", 220.0, y));
        }
        assert_eq!(reorder(&runs), None);
    }

    #[test]
    fn a_row_is_joined_left_to_right_with_a_tab_at_a_column_gap() {
        let runs = [
            run("Lead Engineer", 300.0, 500.0),
            run("2019 – 2021", 500.0, 500.0),
        ];
        let rows = rows(&runs);
        let mut out = String::new();
        push_row(&mut out, &runs, &rows[0]);
        assert_eq!(out, "Lead Engineer\t2019 – 2021\n");
    }
}
