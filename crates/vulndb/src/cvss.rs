//! Severity from CVSS vectors (v2, v3.x, v4.0), scored with `polycvss`.
//!
//! The *base* score is used (temporal / environmental metrics in a published vector describe
//! someone else's environment), and mapped to a rating with the CVSS v3 qualitative scale:
//! 0.0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.

use crate::model::SeveritySource;
use crate::osv::OsvSeverity;
use portcullis_core::Severity;

/// Longest vector we accept (a full v4 vector with every optional metric is ~300 bytes).
const MAX_VECTOR_LEN: usize = 512;

/// Base score of a CVSS vector string, or `None` when it does not parse.
pub fn base_score(vector: &str) -> Option<f32> {
    let vector = vector.trim();
    if vector.len() > MAX_VECTOR_LEN {
        return None;
    }
    let v: polycvss::Vector = vector.parse().ok()?;
    let score = f32::from(v.base_score());
    // Rounded to one decimal as CVSS publishes it (polycvss stores tenths already).
    Some((score * 10.0).round() / 10.0)
}

/// The qualitative rating of a base score.
pub fn rating(score: f32) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// The most authoritative usable vector among an advisory's `severity` entries: v4 first
/// (the newest scoring, what GitHub shows when present), then v3, then v2.
pub fn best(entries: &[&OsvSeverity]) -> Option<(Severity, SeveritySource, f32, String)> {
    let order = [
        ("CVSS_V4", SeveritySource::CvssV4),
        ("CVSS_V3", SeveritySource::CvssV3),
        ("CVSS_V2", SeveritySource::CvssV2),
    ];
    for (kind, source) in order {
        for e in entries.iter().filter(|e| e.kind == kind) {
            if let Some(score) = base_score(&e.score) {
                return Some((rating(score), source, score, e.score.trim().to_string()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_base_scores_match_the_first_calculator() {
        // Values checked against the FIRST CVSS v3.1 calculator.
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            Some(6.1)
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"),
            Some(7.4)
        );
        assert_eq!(
            base_score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:L"),
            Some(3.3)
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
    }

    #[test]
    fn v4_and_v2_scores() {
        assert_eq!(
            base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"),
            Some(10.0)
        );
        assert_eq!(
            base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"),
            Some(6.9)
        );
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(base_score("garbage"), None);
        assert_eq!(base_score(&"CVSS:3.1/".repeat(200)), None);
    }

    #[test]
    fn ratings_and_preference() {
        assert_eq!(rating(9.8), Severity::Critical);
        assert_eq!(rating(7.0), Severity::High);
        assert_eq!(rating(6.9), Severity::Medium);
        assert_eq!(rating(0.1), Severity::Low);
        let v3 = OsvSeverity {
            kind: "CVSS_V3".into(),
            score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        };
        let v4 = OsvSeverity {
            kind: "CVSS_V4".into(),
            score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N".into(),
        };
        let bad_v4 = OsvSeverity {
            kind: "CVSS_V4".into(),
            score: "nonsense".into(),
        };
        let (sev, src, score, _) = best(&[&v3, &v4]).unwrap();
        assert_eq!(
            (sev, src, score),
            (Severity::Medium, SeveritySource::CvssV4, 6.9)
        );
        let (_, src, _, _) = best(&[&bad_v4, &v3]).unwrap();
        assert_eq!(src, SeveritySource::CvssV3);
        assert!(best(&[]).is_none());
    }
}
