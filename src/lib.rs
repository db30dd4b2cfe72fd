pub mod config;
pub mod catalog;
