//! Whether two spellings name the same person: what the applicant typed against the civil
//! registry's record (and, later, a payout account's holder against the applicant).
//!
//! Names are first brought to one spelling: case, punctuation and spacing; titles before the
//! name and degrees after it ("Dr. H. Ahmad Fauzi, S.Pd."); the old spelling (oe, dj, tj, sj,
//! nj, ch); doubled letters, a final y and ph, written either way on identity cards. Names equal
//! in that spelling are the same. Names are *near*, for an operator to decide from both sides,
//! when one part differs and is close (Jaro-Winkler, from the `strsim` crate) or cut short, or
//! when one name has an initial, a missing part or its parts in another order. Anything else is
//! different. The threshold is set on the labelled variants in `name_variants.tsv`, which the
//! tests hold to their labels.

/// How two names compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// The same name once both are in one spelling.
    Same,
    /// Close enough that a person should look: a typo, an initial, a missing or moved part.
    Near,
    Different,
}

/// Jaro-Winkler similarity from which the one differing part of two names is near ("Yusuf"
/// and "Jusuf", "Hartono" and "Hartanto"). Set on the labelled variants: their near parts
/// score 0.867 and up, the different ones 0.829 and down.
pub const NEAR_PART_SIMILARITY: f64 = 0.85;

/// Compares two names.
pub fn compare(typed: &str, recorded: &str) -> NameMatch {
    let (typed, recorded) = (normalise(typed), normalise(recorded));
    if typed.is_empty() || recorded.is_empty() {
        return NameMatch::Different;
    }
    if typed == recorded {
        return NameMatch::Same;
    }
    let one_part_close = differing_part_similarity(&typed, &recorded).is_some_and(|s| s >= NEAR_PART_SIMILARITY);
    if one_part_close || same_parts_loosely(&typed, &recorded) {
        NameMatch::Near
    } else {
        NameMatch::Different
    }
}

/// For names of as many parts, side by side, with at most one part that differs: how alike
/// that part is (1 when none differs, or a part is cut short, "Sastro" for "Sastrowardoyo").
/// `None` when the counts differ or two parts differ: "Rina Marlina" is not "Rini Maryani".
pub fn differing_part_similarity(a: &[String], b: &[String]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    let mut differing = a.iter().zip(b).filter(|(x, y)| {
        let cut_short = x.len().min(y.len()) >= 3 && (x.starts_with(y.as_str()) || y.starts_with(x.as_str()));
        x != y && !cut_short
    });
    match (differing.next(), differing.next()) {
        (None, _) => Some(1.0),
        (Some((x, y)), None) => Some(strsim::jaro_winkler(x, y)),
        (Some(_), Some(_)) => None,
    }
}

/// Every part of the shorter name stands for a part of the longer one (equal, or its initial),
/// and at least one part is whole: "M. Rizki" and "Muhammad Rizki", "Siti Aminah" and "Siti
/// Aminah Lubis", "Rizki Muhammad" and "Muhammad Rizki".
fn same_parts_loosely(a: &[String], b: &[String]) -> bool {
    covers(a, b) || covers(b, a)
}

/// Each part of `short` stands for its own part of `long`, and one of them is whole.
fn covers(short: &[String], long: &[String]) -> bool {
    if short.len() > long.len() {
        return false;
    }
    let mut unused: Vec<&String> = long.iter().collect();
    let mut whole = 0;
    for part in short {
        let found = unused
            .iter()
            .position(|other| *other == part)
            .map(|i| (i, true))
            .or_else(|| {
                (part.chars().count() == 1)
                    .then(|| unused.iter().position(|other| other.starts_with(part.as_str())))
                    .flatten()
                    .map(|i| (i, false))
            });
        match found {
            Some((index, is_whole)) => {
                unused.remove(index);
                whole += usize::from(is_whole);
            }
            None => return false,
        }
    }
    whole > 0
}

/// Titles written before a name: academic, religious (after the pilgrimage) and forms of
/// address. Noble titles (Raden, Teuku, Andi) are part of the legal name and stay.
const TITLES_BEFORE: &[&str] = &[
    "dr", "drs", "dra", "ir", "prof", "h", "hj", "kh", "ust", "ustadz", "tn", "ny", "nn", "sdr", "sdri", "bpk",
    "bapak", "ibu",
];

/// Degrees written after a name, with or without a comma ("S.Pd", "SE", "A.Md").
const DEGREES_AFTER: &[&str] = &[
    "se", "sh", "st", "sp", "ss", "si", "spd", "spdi", "skom", "ssi", "ssos", "sag", "shi", "sked", "skm", "sip",
    "sir", "sm", "mm", "mkom", "mpd", "msi", "mt", "mh", "mba", "mag", "amd", "ama", "amk", "amkeb", "phd",
];

/// A name in one spelling, as its parts.
pub fn normalise(name: &str) -> Vec<String> {
    // Degrees follow the first comma; without one they are known words at the end.
    let name = name.split(',').next().unwrap_or_default();
    let mut parts: Vec<String> = name
        .split_whitespace()
        .map(|part| {
            part.chars()
                // "Ma'ruf" is one word; "Siti-Aminah" two.
                .filter(|c| !matches!(c, '\'' | '`' | '’'))
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect::<String>()
                .to_lowercase()
        })
        .flat_map(|part| part.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    while parts.first().is_some_and(|p| TITLES_BEFORE.contains(&p.as_str())) && parts.len() > 1 {
        parts.remove(0);
    }
    while parts.last().is_some_and(|p| DEGREES_AFTER.contains(&p.as_str())) && parts.len() > 1 {
        parts.pop();
    }
    parts.into_iter().map(|part| one_spelling(&part)).collect()
}

/// The old spelling (before 1972) and the variants identity cards write either way.
fn one_spelling(part: &str) -> String {
    let mut spelled = part.to_owned();
    for (old, new) in [
        ("oe", "u"),
        ("dj", "j"),
        ("tj", "c"),
        ("sj", "sy"),
        ("nj", "ny"),
        ("ch", "kh"),
        ("ph", "f"),
    ] {
        spelled = spelled.replace(old, new);
    }
    // Doubled letters ("Muhammad", "Muhamad"), then a final y ("Rahmawaty").
    let mut single = String::with_capacity(spelled.len());
    for c in spelled.chars() {
        if !single.ends_with(c) {
            single.push(c);
        }
    }
    if single.len() > 2 && single.ends_with('y') {
        single.pop();
        single.push('i');
    }
    single
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labelled variants: every line's pair must compare as labelled.
    const VARIANTS: &str = include_str!("name_variants.tsv");

    fn labelled() -> Vec<(&'static str, &'static str, NameMatch)> {
        VARIANTS
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                let expected = match fields[2].trim() {
                    "same" => NameMatch::Same,
                    "near" => NameMatch::Near,
                    "different" => NameMatch::Different,
                    other => panic!("unknown label {other:?} in: {line}"),
                };
                (fields[0], fields[1], expected)
            })
            .collect()
    }

    #[test]
    fn every_labelled_variant_compares_as_labelled() {
        let variants = labelled();
        assert!(
            variants.len() >= 40,
            "the list is the threshold's evidence: keep it broad"
        );
        let wrong: Vec<String> = variants
            .iter()
            .filter_map(|(typed, recorded, expected)| {
                let found = compare(typed, recorded);
                (found != *expected).then(|| format!("{typed:?} / {recorded:?}: {found:?}, labelled {expected:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_label_is_represented() {
        let variants = labelled();
        for label in [NameMatch::Same, NameMatch::Near, NameMatch::Different] {
            assert!(variants.iter().filter(|v| v.2 == label).count() >= 10, "{label:?}");
        }
    }

    #[test]
    fn comparison_is_symmetric() {
        for (typed, recorded, _) in labelled() {
            assert_eq!(
                compare(typed, recorded),
                compare(recorded, typed),
                "{typed} / {recorded}"
            );
        }
    }

    #[test]
    fn the_threshold_lies_between_the_labelled_near_and_different_parts() {
        // The pairs one differing part decides (not an initial, a missing or a moved part).
        let one_part = |label: NameMatch| -> Vec<f64> {
            labelled()
                .into_iter()
                .filter(|v| v.2 == label)
                .map(|(typed, recorded, _)| (normalise(typed), normalise(recorded)))
                .filter(|(typed, recorded)| !same_parts_loosely(typed, recorded))
                .filter_map(|(typed, recorded)| differing_part_similarity(&typed, &recorded))
                .filter(|s| *s < 1.0)
                .collect()
        };
        let nearest_different = one_part(NameMatch::Different).into_iter().fold(0.0, f64::max);
        let least_near = one_part(NameMatch::Near).into_iter().fold(1.0, f64::min);
        assert!(nearest_different < NEAR_PART_SIMILARITY && NEAR_PART_SIMILARITY <= least_near);
        assert!(
            least_near - nearest_different > 0.02,
            "the list leaves the threshold no margin"
        );
    }

    #[test]
    fn titles_and_degrees_go_but_a_name_is_never_emptied() {
        assert_eq!(normalise("Dr. H. Ahmad Fauzi, S.Pd., M.Kom."), ["ahmad", "fauzi"]);
        assert_eq!(normalise("Siti Aminah SE"), ["siti", "aminah"]);
        // A one-word name that happens to be a title stays.
        assert_eq!(normalise("Ibu"), ["ibu"]);
        assert_eq!(compare("", "Siti"), NameMatch::Different);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A name of one to four parts of plain letters, as an identity card prints it.
    fn plain_name() -> impl Strategy<Value = String> {
        proptest::collection::vec("[a-z]{1,10}", 1..5).prop_map(|parts| parts.join(" "))
    }

    proptest! {
        #[test]
        fn any_two_strings_compare_the_same_both_ways(a in ".{0,40}", b in ".{0,40}") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a));
        }

        #[test]
        fn case_spacing_titles_and_degrees_change_nothing(name in plain_name()) {
            let written = format!("  Dr.  H. {}, S.Pd., M.Kom.", name.to_uppercase().replace(' ', "   "));
            prop_assert_eq!(compare(&name, &written), NameMatch::Same);
        }

        #[test]
        fn a_name_is_never_near_an_unrelated_one_by_length_alone(name in plain_name()) {
            // Letters of another alphabet share nothing with the name: never the same, never near.
            prop_assert_eq!(compare(&name, "Ωμέγα Ψυχή"), NameMatch::Different);
        }
    }
}
