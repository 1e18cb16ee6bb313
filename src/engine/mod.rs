//! Engine: plan (probe and diff), plan files, apply (ordering, lock, journal) and verify.
//! It returns data and emits events; it never prints.
