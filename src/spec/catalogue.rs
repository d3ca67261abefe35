//! The clause catalogue ([`Catalogue`]) and the JSON Schemas of each suite, embedded from
//! `suites/` at build time.
