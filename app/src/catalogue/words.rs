//! The words of a catalogue search, the same in the browser and on the server: what a text is
//! cut into, which words carry no meaning, Indonesian stemming (Snowball's algorithm, the one
//! PostgreSQL's `indonesian` configuration uses: "pemasaran" and "dipasarkan" both become
//! "pasar"), and how far a misspelt word may be from the word meant.

use std::borrow::Cow;

/// Words too common to tell trainings apart. A search made only of them keeps them.
const STOPWORDS: &[&str] = &[
    "ada", "adalah", "agar", "akan", "anda", "atau", "bagi", "bisa", "dalam", "dan", "dapat", "dari", "dengan", "di",
    "hingga", "ini", "itu", "juga", "kami", "karena", "ke", "kita", "lebih", "oleh", "pada", "para", "saat", "sampai",
    "sebagai", "secara", "serta", "sudah", "telah", "tentang", "tidak", "untuk", "yang",
];

pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// The words of `text`, lower-cased: runs of letters and digits.
pub fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The Indonesian stem of a lower-case word.
pub fn stem(word: &str) -> String {
    match frostem::Stemmer::new(frostem::Algorithm::Indonesian).stem(word) {
        Cow::Borrowed(same) => same.to_owned(),
        Cow::Owned(stemmed) => stemmed,
    }
}

/// What a text is found by: each meaningful word and its stem, once each.
pub fn terms_of(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words_of(text).filter(|w| !is_stopword(w)) {
        let stemmed = stem(&word);
        for term in [word, stemmed] {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    terms
}

/// The stems a training's description and what it teaches add to what it is already found by
/// (`indexed`: its title, provider, platform, category and mode), once each; numbers left out.
pub fn described_by(indexed: &str, description: &str, outcomes: &[String]) -> Vec<String> {
    let already = terms_of(indexed);
    let mut stems: Vec<String> = Vec::new();
    let texts = std::iter::once(description).chain(outcomes.iter().map(String::as_str));
    for word in texts
        .flat_map(words_of)
        .filter(|w| !is_stopword(w) && !w.chars().all(|c| c.is_ascii_digit()))
    {
        let stemmed = stem(&word);
        if !already.contains(&stemmed) && !stems.contains(&stemmed) {
            stems.push(stemmed);
        }
    }
    stems
}

/// One word of a search: as typed (lower-cased) and its stem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchWord {
    pub typed: String,
    pub stem: String,
}

/// The words of a search, without the meaningless ones (unless nothing else was typed).
pub fn search_words(text: &str) -> Vec<SearchWord> {
    let all: Vec<String> = words_of(text).collect();
    let meaningful: Vec<&String> = all.iter().filter(|w| !is_stopword(w)).collect();
    let chosen: Vec<&String> = if meaningful.is_empty() {
        all.iter().collect()
    } else {
        meaningful
    };
    let mut words: Vec<SearchWord> = Vec::new();
    for typed in chosen {
        if words.iter().all(|w| &w.typed != typed) {
            words.push(SearchWord {
                stem: stem(typed),
                typed: typed.clone(),
            });
        }
    }
    words
}

/// How well a word of the catalogue answers a search word, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// One or two letters off: a misspelling.
    Misspelt,
    /// The catalogue's word starts with what was typed (typing is not finished).
    Prefix,
    /// The same word, or the same stem.
    Same,
}

/// The shortest search word completed as a prefix (shorter ones match whole words only).
const MIN_PREFIX: usize = 3;

impl SearchWord {
    /// How `term` (a word or stem of the catalogue) answers this search word, without spelling
    /// mistakes.
    pub fn matches(&self, term: &str) -> Option<Match> {
        if term == self.typed || term == self.stem {
            Some(Match::Same)
        } else if self.typed.chars().count() >= MIN_PREFIX && term.starts_with(self.typed.as_str()) {
            Some(Match::Prefix)
        } else {
            None
        }
    }

    /// Whether `term` is this word misspelt: letters left out, added, changed or swapped, one
    /// for a word of four to eight letters, two for a longer one.
    pub fn misspells(&self, term: &str) -> bool {
        let allowed = match self.typed.chars().count() {
            0..=3 => return false,
            4..=8 => 1,
            _ => 2,
        };
        within_edits(&self.typed, term, allowed) || within_edits(&self.stem, term, allowed)
    }
}

/// Whether `a` becomes `b` in at most `limit` edits (insert, delete, replace, swap neighbours:
/// the optimal string alignment distance).
fn within_edits(a: &str, b: &str, limit: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return false;
    }
    let width = b.len() + 1;
    // Three rows of the table: two back (for swaps), one back, this one.
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_best = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_best = row_best.min(value);
        }
        if row_best > limit {
            return false;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()] <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stopwords_are_sorted_for_the_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stopword("untuk") && !is_stopword("kopi"));
    }

    #[test]
    fn indonesian_words_share_their_stem() {
        assert_eq!(stem("pemasaran"), "pasar");
        assert_eq!(stem("menjahit"), stem("jahit"));
        assert_eq!(stem("pelatihan"), stem("latihan"));
    }

    #[test]
    fn a_search_drops_meaningless_words_unless_they_are_all_there_is() {
        let words = search_words("Bahasa Inggris untuk Pemula, bahasa");
        let typed: Vec<&str> = words.iter().map(|w| w.typed.as_str()).collect();
        assert_eq!(typed, ["bahasa", "inggris", "pemula"]);
        assert_eq!(search_words("dan").len(), 1);
        assert!(search_words(" - ").is_empty());
    }

    #[test]
    fn misspellings_are_near_and_other_words_are_not() {
        let word = |text: &str| search_words(text).remove(0);
        assert!(word("barsita").misspells("barista"));
        assert!(word("exel").misspells("excel"));
        assert!(word("mejahit").misspells("menjahit"));
        assert!(word("pemrogaman").misspells("pemrograman"));
        assert!(!word("kopi").misspells("kode"));
        assert!(!word("web").misspells("wed"), "three letters must be exact");
        assert_eq!(word("baris").matches("barista"), Some(Match::Prefix));
        assert_eq!(word("ba").matches("barista"), None);
        assert_eq!(word("pemasaran").matches("pasar"), Some(Match::Same));
    }

    #[test]
    fn the_edit_distance_counts_a_swap_as_one() {
        assert!(within_edits("ab", "ba", 1));
        assert!(within_edits("kitten", "sitten", 1));
        assert!(!within_edits("kitten", "sitting", 2));
        assert!(within_edits("kitten", "sitting", 3));
        assert!(within_edits("", "ab", 2) && !within_edits("", "abc", 2));
    }
}
