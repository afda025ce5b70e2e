//! coverage.py's "numbits": a set of line numbers as a bit string, bit `n` set for line `n`.

/// Encode line numbers as numbits (empty input gives an empty blob).
pub fn from_lines<I: IntoIterator<Item = u32>>(lines: I) -> Vec<u8> {
    let mut bits: Vec<u8> = Vec::new();
    for line in lines {
        let byte = (line / 8) as usize;
        if byte >= bits.len() {
            bits.resize(byte + 1, 0);
        }
        bits[byte] |= 1 << (line % 8);
    }
    bits
}

/// Decode numbits into line numbers, ascending.
pub fn to_lines(bits: &[u8]) -> Vec<u32> {
    let mut lines = Vec::new();
    for (index, &byte) in bits.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                lines.push(index as u32 * 8 + bit);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let lines = vec![1, 2, 9, 17, 300];
        assert_eq!(to_lines(&from_lines(lines.clone())), lines);
        // coverage.py: nums_to_numbits([1, 2, 9]) == b'\x06\x02'
        assert_eq!(from_lines([1, 2, 9]), vec![0x06, 0x02]);
    }
}
