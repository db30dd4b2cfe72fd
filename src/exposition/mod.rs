//! Exposition: YACE-compatible names and labels, and the text formats.

pub mod layout;
pub mod names;
pub mod text;
