//! The SHA-256 digests that name the inputs of a document.

use sha2::{Digest, Sha256};

/// A hash of `parts`, each length-prefixed so that no two lists of parts
/// give the same bytes.
pub fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex(&h.finalize())
}

/// Lower-case hex, by table: a no-op rebuild formats a few hashes per
/// document, and `write!` per byte showed in its profile.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}
