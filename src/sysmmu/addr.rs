//! Typed addresses: an IOVA (what a master puts on the bus, 32 bits on every SysMMU this decoder
//! covers) and a physical address (up to 36 bits on v5 and later). Both print and serialise as
//! lowercase `0x…` hex, the form the kernel prints and the truth files use.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An I/O virtual address as a SysMMU master issues it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Iova(pub u32);

/// A physical (bus) address: where page tables and mapped pages live.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PhysAddr(pub u64);

/// Bytes covered by one level-1 entry (a section).
pub const SECTION_SIZE: u64 = 1 << 20;
/// Bytes covered by one large page.
pub const LPAGE_SIZE: u64 = 1 << 16;
/// Bytes covered by one small page.
pub const SPAGE_SIZE: u64 = 1 << 12;
/// Level-1 entries in a table (4096 × 1 MiB = the whole 32-bit IOVA space).
pub const LV1_ENTRIES: usize = 4096;
/// Level-2 entries in a table (256 × 4 KiB = 1 MiB).
pub const LV2_ENTRIES: usize = 256;

impl Iova {
    /// The level-1 index: IOVA bits [31:20] (mainline `lv1ent_offset`).
    pub fn lv1_index(self) -> u32 {
        self.0 >> 20
    }

    /// The level-2 index: IOVA bits [19:12] (mainline `lv2ent_offset`).
    pub fn lv2_index(self) -> u32 {
        (self.0 >> 12) & 0xFF
    }

    /// The first IOVA covered by level-1 entry `lv1` and level-2 entry `lv2`.
    pub fn from_indices(lv1: u32, lv2: u32) -> Iova {
        Iova(((lv1 & 0xFFF) << 20) | ((lv2 & 0xFF) << 12))
    }

    /// Parses `0x1234`, `1234` (hex is assumed: IOVAs are always written in hex) or `0X…`.
    pub fn parse(text: &str) -> Option<Iova> {
        let value = parse_hex_u64(text)?;
        u32::try_from(value).ok().map(Iova)
    }
}

impl PhysAddr {
    pub fn offset(self, bytes: u64) -> PhysAddr {
        PhysAddr(self.0.wrapping_add(bytes))
    }

    /// Parses `0x…` or bare hex.
    pub fn parse(text: &str) -> Option<PhysAddr> {
        parse_hex_u64(text).map(PhysAddr)
    }
}

/// Parses a hex number with or without `0x`, allowing `_` separators.
pub(crate) fn parse_hex_u64(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(&digits, 16).ok()
}

impl fmt::Display for Iova {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::Debug for Iova {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iova({:#010x})", self.0)
    }
}

impl fmt::Display for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::Debug for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhysAddr({:#x})", self.0)
    }
}

impl Serialize for Iova {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Serialize for PhysAddr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Iova {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Iova::parse(&text)
            .ok_or_else(|| D::Error::custom(format!("expected a 32-bit IOVA in hex, found `{text}`")))
    }
}

impl<'de> Deserialize<'de> for PhysAddr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_hex_u64(&text)
            .map(PhysAddr)
            .ok_or_else(|| D::Error::custom(format!("expected a physical address in hex, found `{text}`")))
    }
}

/// Both address types are JSON strings of lowercase hex (`0x13620000`).
fn hex_address_schema(description: &str) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "pattern": "^0x[0-9a-f]+$",
        "description": description,
    })
}

impl schemars::JsonSchema for Iova {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Iova".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        hex_address_schema("An I/O virtual address, lowercase hex")
    }
}

impl schemars::JsonSchema for PhysAddr {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PhysAddr".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        hex_address_schema("A physical address, lowercase hex")
    }
}

/// The type of a fixed word's field (`&'static str`) that [`known_word`] reads back. An alias on
/// purpose: serde's derive infers a borrow for a field written `&'static str`, which would make
/// its type readable from a `'static` text only (and never from behind `flatten`).
pub type Word = &'static str;

/// A fixed word of the JSON (`&'static str` fields: a state, a kind) read back as the same
/// `'static` word, so that the types read back from any text, not only a `'static` one.
pub(crate) fn known_word<'de, D: Deserializer<'de>>(
    deserializer: D,
    words: &[&'static str],
) -> Result<&'static str, D::Error> {
    let text = String::deserialize(deserializer)?;
    words
        .iter()
        .find(|word| **word == text)
        .copied()
        .ok_or_else(|| D::Error::custom(format!("expected one of {}, found `{text}`", words.join(", "))))
}

/// Serialises a raw register or entry value as lowercase `0x…` hex (the truth files' form).
/// Reads it back.
pub(crate) mod hex32 {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{value:#x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_hex_u64(&text)
            .and_then(|value| u32::try_from(value).ok())
            .ok_or_else(|| D::Error::custom(format!("expected a 32-bit value in hex, found `{text}`")))
    }

    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(value: &Option<u32>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.collect_str(&format_args!("{value:#x}")),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
            #[derive(Deserialize)]
            struct Hex(#[serde(deserialize_with = "super::deserialize")] u32);
            Ok(Option::<Hex>::deserialize(deserializer)?.map(|Hex(value)| value))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_iova_into_indices() {
        let iova = Iova(0x1234_5678);
        assert_eq!(iova.lv1_index(), 0x123);
        assert_eq!(iova.lv2_index(), 0x45);
        assert_eq!(Iova::from_indices(0x123, 0x45), Iova(0x1234_5000));
    }

    #[test]
    fn parses_hex_forms() {
        assert_eq!(Iova::parse("0x20000000"), Some(Iova(0x2000_0000)));
        assert_eq!(Iova::parse("ffffffff"), Some(Iova(u32::MAX)));
        assert_eq!(Iova::parse("0x100000000"), None);
        assert_eq!(Iova::parse("zz"), None);
        assert_eq!(PhysAddr::parse("0x9_4560_0000"), Some(PhysAddr(0x9_4560_0000)));
        assert_eq!(format!("{}", PhysAddr(0x8_8001_2678)), "0x880012678");
    }
}
