//! The tests' generator of pseudo-random words (Marsaglia's xorshift64): generated inputs with
//! known truth that are the same in every run, without a dependency for it.

/// The words of xorshift64 from `seed` (not zero), one per call.
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
