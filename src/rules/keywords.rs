//! The keyword prefilter: finds every trigger occurrence, whichever searcher holds
//! the triggers (see `compile::assemble` for which one a rule set gets).

use aho_corasick::AhoCorasick;

use super::shift_or::ShiftOr;

/// One keyword searcher and what each of its triggers starts.
#[derive(Debug)]
pub(crate) struct KeywordSearcher {
    /// How the triggers are searched.
    pub(crate) matcher: Matcher,
    /// For trigger `i`: the rules it triggers, and how many bytes to widen their
    /// window by (a rule keyword that contains the trigger is that much longer).
    pub(crate) rules: Vec<Vec<(usize, usize)>>,
}

/// The search behind a [`KeywordSearcher`].
#[derive(Debug)]
pub(crate) enum Matcher {
    /// A small, substring-free set searched as written (aho-corasick picks its SIMD
    /// searcher, Teddy): leftmost-first, restarting one byte after each hit start.
    Exact(AhoCorasick),
    /// A small, substring-free set of lower-case triggers, searched in a lower-cased
    /// copy of the text made a chunk at a time.
    Lowercase {
        /// The automaton over the lower-case triggers.
        automaton: AhoCorasick,
        /// Length of the longest trigger (the overlap between chunks).
        longest: usize,
    },
    /// A large set, in any letter case (the built-in catalog).
    ShiftOr(ShiftOr),
}

/// Bytes lower-cased at a time for [`Matcher::Lowercase`] (the copy stays in cache).
const LOWERCASE_CHUNK: usize = 64 * 1024;

impl KeywordSearcher {
    /// Calls `on_hit(start, end, trigger)` for every trigger occurrence in `bytes`
    /// (nearly in order; `buffer` is scratch space for lower-cased text).
    pub(crate) fn for_each_hit(
        &self,
        bytes: &[u8],
        buffer: &mut Vec<u8>,
        on_hit: &mut impl FnMut(usize, usize, usize),
    ) {
        match &self.matcher {
            Matcher::Exact(automaton) => find_all(automaton, bytes, 0, bytes.len(), on_hit),
            Matcher::Lowercase { automaton, longest } => {
                let mut base = 0;
                while base < bytes.len() {
                    let limit = (base + LOWERCASE_CHUNK).min(bytes.len());
                    let end = (limit + longest).min(bytes.len());
                    buffer.clear();
                    buffer.extend(bytes[base..end].iter().map(u8::to_ascii_lowercase));
                    // A hit counts in the chunk it starts in.
                    find_all(automaton, buffer, base, limit - base, on_hit);
                    base = limit;
                }
            }
            Matcher::ShiftOr(searcher) => searcher.for_each_hit(bytes, on_hit),
        }
    }
}

/// Every hit of a substring-free `automaton` in `haystack` that starts before
/// `starts_before`, offset by `base`: leftmost-first, restarting one byte after each
/// hit's start, which finds every occurrence when no trigger holds another.
fn find_all(
    automaton: &AhoCorasick,
    haystack: &[u8],
    base: usize,
    starts_before: usize,
    on_hit: &mut impl FnMut(usize, usize, usize),
) {
    let mut at = 0;
    while at < starts_before {
        let input = aho_corasick::Input::new(haystack).span(at..haystack.len());
        let Some(hit) = automaton.find(input) else {
            break;
        };
        if hit.start() >= starts_before {
            break;
        }
        on_hit(
            base + hit.start(),
            base + hit.end(),
            hit.pattern().as_usize(),
        );
        at = hit.start() + 1;
    }
}
