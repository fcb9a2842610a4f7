//! Typed values of conditions and of the request context: numbers, dates, IP ranges.

mod date;
mod ip;
mod number;

pub use date::Date;
pub use ip::Cidr;
pub use number::{MAX_NUMBER_CHARS, Number};
