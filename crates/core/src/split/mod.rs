//! Split tests: which variant of a split step a contact gets, and which variant converts
//! better (see [`stats`]).
//!
//! Assignment is a pure function of the flow's name, the split step's id and the contact's id,
//! hashed with a fixed algorithm (64-bit FNV-1a, then the SplitMix64 finaliser to spread the
//! bits), so the same contact always gets the same variant, on any machine and after any
//! restart, with nothing stored. The hash, scaled to the sum of the weights, falls in one
//! variant's share. Changing the weights (or the variants) of a running split moves some
//! contacts to another variant: start a new split step instead. The algorithm is part of the
//! format: changing it would reassign every contact.

pub mod stats;
#[cfg(test)]
mod tests;

use crate::flow::Variant;

/// The variant of `variants` (a split step's, non-empty) that `contact` gets at step `step` of
/// `flow`, in proportion to the weights. `None` only when `variants` is empty.
pub fn pick<'a>(flow: &str, step: &str, variants: &'a [Variant], contact: i64) -> Option<&'a Variant> {
    let total: u64 = variants.iter().map(|v| u64::from(v.weight)).sum();
    if total == 0 {
        return None;
    }
    // Multiply-shift maps the hash onto 0..total without the bias of `%`.
    let point = ((u128::from(hash(flow, step, contact)) * u128::from(total)) >> 64) as u64;
    let mut below = 0;
    variants.iter().find(|v| {
        below += u64::from(v.weight);
        point < below
    })
}

/// The fixed hash of one assignment: FNV-1a over the flow, the step and the contact id (with
/// separators no id contains), finalised by SplitMix64.
fn hash(flow: &str, step: &str, contact: i64) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = flow.bytes().chain([0xff]).chain(step.bytes()).chain([0xff]).chain(contact.to_le_bytes());
    let fnv = bytes.fold(OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    splitmix64(fnv)
}

/// The SplitMix64 finaliser: every input bit affects every output bit.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
