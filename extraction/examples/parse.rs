//! Reads a resume (PDF or DOCX) the way workers do and prints the text the
//! engine sees and the profile it parses: for tuning rules on fixtures.
//!
//! `cargo run -p extraction --example parse -- FILE [as_of] [--text]`

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: parse FILE [YYYY-MM] [--text]");
        std::process::exit(2);
    };
    let as_of = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map_or("2026-12", String::as_str);
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let text = match pdf_text::extract(&bytes, &documents::Limits::default()) {
        Ok(x) => x.text,
        Err(e) => {
            eprintln!("{file}: {e}");
            std::process::exit(1);
        }
    };
    if args.iter().any(|a| a == "--text") {
        println!("{text}\n----------------------------------------");
    }
    let p = extraction::parse_resume(&text, as_of);
    println!("{}", serde_json::to_string_pretty(&p).expect("JSON"));
}
